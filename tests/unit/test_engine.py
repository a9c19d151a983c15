"""The savings engine against DOMAIN.md's worked examples (the Bexley appendix) and its invariants."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from schemes import engine
from schemes.engine import ProfileError, SchemeInputs, compute

D = Decimal


def bexley(fye: str, go_live: date | None, rag: str | None, change: int = 0, **kwargs: Any) -> engine.SchemeFigures:
    return compute(SchemeInputs(year_start=2013, go_live=go_live, gross_saving=D(fye), overall_rag=rag,
                                delivery_change_months=change, **kwargs))


def pounds(value: Decimal) -> int:
    return int(value.quantize(D("1"), rounding="ROUND_HALF_UP"))


@pytest.mark.parametrize(
    ("name", "fye", "go_live", "change", "rag", "months", "plan", "most_likely", "director", "director_next"),
    [
        ("GP QIPP additional 5%", "602000", date(2013, 7, 1), -1, "amber", 9, 451500, 338625, 301000, 200667),
        ("Mental Health in General Acute Setting", "572000", date(2013, 10, 1), 2, "red", 6, 286000, 143000,
         190667, 190667),
        ("MSK", "2341855", date(2013, 12, 1), 1, "amber", 4, 780618, 585464, 731830, 1366082),
        ("IAPT referral management", "1000000", date(2013, 4, 1), -5, "red", 12, 1000000, 500000, 291667, 416667),
    ],
)
def test_domain_worked_examples(name, fye, go_live, change, rag, months, plan, most_likely, director, director_next):
    figures = bexley(fye, go_live, rag, change)
    assert figures.months_in_year == months, name
    assert pounds(figures.plan_in_year) == plan, name
    assert pounds(figures.most_likely) == most_likely, name
    assert pounds(figures.director_value) == director, name
    assert pounds(figures.director_next_year) == director_next, name


def test_scheme_15b_plan_and_next_year_effect():
    figures = bexley("602000", date(2013, 7, 1), "green")
    assert figures.months_in_year == 9
    assert figures.plan_in_year == D("451500.00")
    assert figures.next_year_effect == D("150500.00")


def test_money_is_kept_to_the_penny_half_up():
    # 2,341,855 x 4 / 12 = 780,618.3333.. -> 780,618.33; x 75% = 585,463.7475 -> 585,463.75
    figures = bexley("2341855", date(2013, 12, 1), "amber", 1)
    assert figures.plan_in_year == D("780618.33")
    assert figures.most_likely == D("585463.75")
    assert figures.director_value == D("731829.69")
    assert all(isinstance(v, Decimal) for v in figures.money().values())


def test_overridden_plan_flows_into_most_likely_and_next_year():
    # Bexley's "Adult Integrated Care": plan set by hand to 1,164,417.
    figures = bexley("1999279", date(2013, 8, 1), "green", overrides={"plan_in_year": D("1164417")})
    assert figures.plan_in_year == D("1164417.00")
    assert figures.most_likely == D("1164417.00")
    assert figures.next_year_effect == D("834862.00")
    assert figures.director_value == D("1164417.00")
    assert figures.director_next_year == D("834862.00")
    assert figures.overridden == {"plan_in_year"}


def test_overridden_director_value_is_kept():
    figures = bexley("150000", date(2013, 4, 1), "green", overrides={"director_value": D("141000")})
    assert figures.director_value == D("141000.00")
    assert figures.plan_in_year == D("150000.00")


def test_unknown_override_is_refused():
    with pytest.raises(ValueError, match="Cannot override"):
        bexley("1000", date(2013, 4, 1), "green", overrides={"months_in_year": D("3")})


@pytest.mark.parametrize(
    ("go_live", "months"),
    [
        (date(2012, 1, 1), 12),  # before the year: saving all year
        (date(2013, 4, 1), 12),
        (date(2013, 7, 1), 9),
        (date(2014, 3, 1), 1),
        (date(2014, 4, 1), 0),  # the next year: nothing this year
        (date(2016, 1, 1), 0),
        (None, 12),
    ],
)
def test_months_in_year(go_live, months):
    assert engine.months_in_year(2013, go_live) == months


def test_change_in_delivery_is_clamped_to_the_year():
    late = bexley("120000", date(2014, 2, 1), "green", change=-5)  # 2 months - 5 -> 0
    assert late.adjusted_months == 0
    assert late.director_value == D("0.00")
    assert late.director_next_year == D("120000.00")
    early = bexley("120000", date(2013, 10, 1), "green", change=9)  # 6 + 9 -> 12
    assert early.adjusted_months == 12
    assert early.director_value == D("120000.00")
    assert early.director_next_year == D("0.00")


def test_go_live_after_the_year_saves_nothing_this_year():
    figures = bexley("523817", date(2014, 4, 1), "red")
    assert figures.plan_in_year == D("0.00")
    assert figures.next_year_effect == D("523817.00")
    assert figures.monthly_plan == tuple(D("0") for _ in range(12))


def test_unrated_scheme_counts_at_full_plan():
    figures = bexley("120000", date(2013, 4, 1), None)
    assert figures.most_likely == figures.plan_in_year == D("120000.00")


def test_organisation_factors_are_used():
    factors = engine.RagFactors(green=D("0.9"), amber=D("0.6"), red=D("0.3"))
    figures = bexley("120000", date(2013, 4, 1), "amber", factors=factors)
    assert figures.most_likely == D("72000.00")


def test_linear_profile_runs_from_go_live_and_sums_to_plan():
    figures = bexley("100000", date(2013, 7, 1), "green")
    assert figures.monthly_plan[:3] == (D("0"), D("0"), D("0"))
    assert figures.monthly_plan[3] == D("8333.33")
    assert sum(figures.monthly_plan) == figures.plan_in_year == D("75000.00")


def test_custom_profile_that_sums_to_the_plan_is_used():
    profile = [D("0")] * 6 + [D("10000"), D("10000"), D("10000"), D("10000"), D("10000"), D("10000")]
    figures = bexley("60000", date(2013, 4, 1), "green", monthly_profile=profile)
    assert figures.monthly_plan == tuple(D(v) for v in profile)


def test_custom_profile_that_does_not_sum_to_the_plan_is_refused_clearly():
    profile = [D("1000")] * 12
    with pytest.raises(ProfileError, match=r"adds up to £12,000.00 but the in-year plan is £60,000.00"):
        bexley("60000", date(2013, 4, 1), "green", monthly_profile=profile)


def test_custom_profile_needs_twelve_months():
    with pytest.raises(ProfileError, match="needs 12 months"):
        bexley("60000", date(2013, 4, 1), "green", monthly_profile=[D("60000")])


def test_totals_add_kept_values():
    a = bexley("602000", date(2013, 7, 1), "amber", -1)
    b = bexley("2341855", date(2013, 12, 1), "amber", 1)
    totals = engine.totals([a, b])
    assert totals.schemes == 2
    assert totals.plan_in_year == a.plan_in_year + b.plan_in_year
    assert totals.most_likely == D("338625.00") + D("585463.75")


def test_rollup_groups_by_key():
    a = bexley("602000", date(2013, 7, 1), "amber")
    b = bexley("120000", date(2013, 4, 1), "green")
    groups = engine.rollup([("Primary", a), ("Planned", b), ("Primary", b)])
    assert list(groups) == ["Primary", "Planned"]
    assert groups["Primary"].plan_in_year == a.plan_in_year + b.plan_in_year
    assert groups["Planned"].schemes == 1


money = st.decimals(min_value=0, max_value=50_000_000, places=2, allow_nan=False, allow_infinity=False)
go_lives = st.one_of(st.none(), st.dates(min_value=date(2011, 1, 1), max_value=date(2016, 12, 1)))
rags = st.sampled_from([None, "green", "amber", "red"])
changes = st.integers(min_value=-12, max_value=12)


@given(fye=money, go_live=go_lives, rag=rags, change=changes)
def test_most_likely_never_exceeds_plan(fye, go_live, rag, change):
    figures = compute(SchemeInputs(2013, go_live, fye, overall_rag=rag, delivery_change_months=change))
    assert figures.most_likely <= figures.plan_in_year


@given(fye=money, go_live=go_lives, rag=rags)
def test_plan_plus_next_year_effect_is_the_full_year_effect(fye, go_live, rag):
    figures = compute(SchemeInputs(2013, go_live, fye, overall_rag=rag))
    assert figures.plan_in_year + figures.next_year_effect == figures.full_year_effect
    assert sum(figures.monthly_plan) == figures.plan_in_year
    assert 0 <= figures.months_in_year <= 12


@given(fye=money, go_live=go_lives, change=changes)
def test_director_green_values_cover_the_full_year_effect(fye, go_live, change):
    figures = compute(SchemeInputs(2013, go_live, fye, overall_rag="green", delivery_change_months=change))
    assert 0 <= figures.adjusted_months <= 12
    assert abs(figures.director_value + figures.director_next_year - figures.full_year_effect) <= D("0.01")


@given(fye=money, go_live=go_lives, rag=rags)
def test_no_change_in_delivery_gives_most_likely(fye, go_live, rag):
    figures = compute(SchemeInputs(2013, go_live, fye, overall_rag=rag))
    assert abs(figures.director_value - figures.most_likely) <= D("0.01")


def test_director_value_is_rounded_once_from_the_exact_value() -> None:
    # Issue 7's counter-example: 634,773.56 x 2 / 12 x 0.75 = 79,346.695 exactly, half-up 79,346.70
    # (adding 5/12 and -3/12 parts divided separately gave 79,346.69499... and 79,346.69).
    figures = compute(SchemeInputs(year_start=2013, go_live=date(2013, 11, 1), gross_saving=Decimal("634773.56"),
                                   overall_rag="amber", delivery_change_months=-3))
    assert (figures.months_in_year, figures.adjusted_months) == (5, 2)
    assert figures.director_value == Decimal("79346.70")
    assert figures.director_next_year == Decimal("528977.97")  # 634,773.56 x 10 / 12 = 528,977.9666...


def _half_up(value: Fraction) -> Decimal:
    """An independent rounding: Decimal's own ROUND_HALF_UP after a 60-digit division.

    60 digits hold these amounts' exact decimals where they end, and where they do not end the value
    is never within 10^-40 of a half penny, so this rounds as the exact value would.
    """
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(fye=st.decimals(min_value=-50_000_000, max_value=50_000_000, places=2, allow_nan=False,
                       allow_infinity=False),
       go_live=go_lives, rag=rags, change=changes)
@example(fye=Decimal("634773.56"), go_live=date(2013, 11, 1), rag="amber", change=-3)
def test_each_stored_figure_is_its_formula_over_exact_decimals_rounded_once(fye, go_live, rag, change) -> None:
    factors = engine.RagFactors()
    figures = compute(SchemeInputs(year_start=2013, go_live=go_live, gross_saving=fye, overall_rag=rag,
                                   delivery_change_months=change, factors=factors))
    months = engine.months_in_year(2013, go_live)
    adjusted = min(12, max(0, months + change))
    factor = Fraction(factors.factor(rag))
    exact_fye = Fraction(fye)
    assert figures.full_year_effect == fye
    assert figures.plan_in_year == _half_up(exact_fye * months / 12)
    assert figures.next_year_effect == fye - figures.plan_in_year
    assert figures.most_likely == _half_up(Fraction(figures.plan_in_year) * factor)
    assert figures.director_value == _half_up(exact_fye * adjusted / 12 * factor)
    assert figures.director_next_year == _half_up(exact_fye * (12 - adjusted) / 12)
