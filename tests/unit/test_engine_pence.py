"""The engine in whole pence (`compute_pence`, what `compute` and the recompute run) gives the figures of the rules as
written out in Decimal and Fraction (tests/engine_reference.py) to the penny.

The reference (with `engine_figures`' fallback to linear phasing) is the oracle: every input the recompute can read
(pence, ten-thousandths of a factor, any go-live, rating, change in delivery, overrides and own profile, adding up
or not) must give the same figures, halves and negative amounts included; `compute` (Decimal in and out) too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemes import engine
from schemes.selectors import engine_inputs
from tests.engine_reference import reference_compute

MONEY = st.integers(min_value=-10**13, max_value=10**13)  # pence: 14 digits, two of them decimals
FACTOR = st.integers(min_value=0, max_value=engine.FACTOR_SCALE)


def _reference(year_start: int, go_live: date | None, gross: int, investment: int | None, rag: str,
               change: int, factors: tuple[int, int, int], overrides: dict[str, int],
               profile: list[str] | None) -> engine.PenceFigures:
    return _in_pence(_figures(reference_compute, year_start, go_live, gross, investment, rag, change, factors,
                              overrides, profile))


def _figures(compute: Callable[[engine.SchemeInputs], engine.SchemeFigures], year_start: int, go_live: date | None,
             gross: int, investment: int | None, rag: str, change: int, factors: tuple[int, int, int],
             overrides: dict[str, int], profile: list[str] | None) -> engine.SchemeFigures:
    """`compute` over Decimal inputs, falling back to linear phasing as `engine_figures` does."""
    inputs = engine_inputs(
        year_start=year_start, go_live=go_live, gross_saving=D(gross).scaleb(-2),
        new_investment=None if investment is None else D(investment).scaleb(-2),
        monthly_profile=profile, factors=engine.RagFactors(*(D(f).scaleb(-4) for f in factors)),
        overall_rag=rag, delivery_change_months=change,
        overrides={name: D(value).scaleb(-2) for name, value in overrides.items()},
    )
    try:
        return compute(inputs)
    except engine.ProfileError:
        return compute(replace(inputs, monthly_profile=None))


def _in_pence(figures: engine.SchemeFigures) -> engine.PenceFigures:
    return engine.PenceFigures(
        engine.pence(figures.full_year_effect), figures.months_in_year, engine.pence(figures.plan_in_year),
        engine.pence(figures.next_year_effect), engine.pence(figures.most_likely), figures.adjusted_months,
        engine.pence(figures.director_value), engine.pence(figures.director_next_year),
        tuple(engine.pence(m) for m in figures.monthly_plan), tuple(sorted(figures.overridden)))


def _pence(year_start: int, go_live: date | None, gross: int, investment: int | None, rag: str, change: int,
           factors: tuple[int, int, int], overrides: dict[str, int], profile: list[str] | None
           ) -> engine.PenceFigures:
    return engine.compute_pence(year_start=year_start, go_live=go_live, gross_saving=gross,
                                new_investment=investment, overall_rag=rag or None, delivery_change_months=change,
                                factors=factors, overrides=overrides, monthly_profile=profile)


@st.composite
def inputs(draw: st.DrawFn) -> tuple[object, ...]:
    year_start = draw(st.integers(2010, 2030))
    go_live = draw(st.none() | st.dates(date(year_start - 2, 1, 1), date(year_start + 2, 12, 31)))
    # Small amounts often: halves of a penny and the last months' remainders show there.
    gross = draw(MONEY | st.integers(-2_000, 2_000))
    investment = draw(st.none() | MONEY | st.integers(0, 2_000))
    rag = draw(st.sampled_from(["", "green", "amber", "red"]))
    change = draw(st.integers(-12, 12))
    factors = (draw(FACTOR), draw(FACTOR | st.sampled_from([7500, 3333, 6667])), draw(FACTOR))
    overrides = draw(st.dictionaries(st.sampled_from(engine.OVERRIDABLE), MONEY | st.integers(-500, 500),
                                     max_size=3))
    profile = None
    if draw(st.booleans()):
        months = draw(st.lists(st.integers(-10**9, 10**9) | st.integers(-300, 300), min_size=11, max_size=13))
        # Pounds as stored: strings, some with more than two decimals (to_penny'd), some adding up to the plan.
        profile = [str(D(m).scaleb(-draw(st.sampled_from([2, 2, 3])))) for m in months]
        if len(months) == 12 and draw(st.booleans()):
            plan = _pence(year_start, go_live, gross, investment, rag, change, factors, overrides, None)[2]
            pennies = [round(D(p) * 100) for p in profile[:11]]
            profile = [str(D(p).scaleb(-2)) for p in pennies] + [str(D(plan - sum(pennies)).scaleb(-2))]
    return year_start, go_live, gross, investment, rag, change, factors, overrides, profile


@settings(max_examples=3000, deadline=None)
@given(inputs())
def test_the_engine_gives_the_figures_of_the_rules_as_written_to_the_penny(values: tuple[object, ...]) -> None:
    assert _pence(*values) == _reference(*values)  # type: ignore[arg-type]
    # And `compute`, the engine in Decimal pounds that pages and services call, is the same figures.
    assert _in_pence(_figures(engine.compute, *values)) == _reference(*values)  # type: ignore[arg-type]


@pytest.mark.parametrize("gross", [1, 3, 5, 6, 7, 11, 13, 17, 18, -1, -5, -7, -18, 999_999_999_999_99])
@pytest.mark.parametrize("go_live", [None, date(2013, 5, 1), date(2013, 10, 1), date(2014, 3, 1), date(2014, 4, 1)])
def test_halves_of_a_penny_round_away_from_zero_as_the_decimal_engine(gross: int, go_live: date | None) -> None:
    for change in (-3, 0, 2):
        for factors in ((10000, 7500, 5000), (10000, 3333, 1), (9999, 5, 5000)):
            assert (_pence(2013, go_live, gross, None, "amber", change, factors, {}, None)
                    == _reference(2013, go_live, gross, None, "amber", change, factors, {}, None))


def test_an_unknown_override_is_refused_as_the_decimal_engine_refuses_it() -> None:
    with pytest.raises(ValueError, match="Cannot override months_in_year"):
        _pence(2013, None, 100, None, "", 0, (10000, 7500, 5000), {"months_in_year": 3}, None)


def test_an_amount_finer_than_a_penny_is_not_taken_for_pence() -> None:
    assert engine.pence(D("-12.30")) == -1230
    assert engine.factor_units(D("0.3333")) == 3333
    with pytest.raises(ValueError):
        engine.pence(D("0.005"))
    with pytest.raises(ValueError):
        engine.factor_units(D("0.33333"))
