"""The scheme figures: computed in whole pence (`compute_pence`), the one implementation of the rules.

`compute` takes and gives Decimal pounds (a page, a service, the importer); the recompute of many schemes calls
`compute_pence` over the integers it reads. tests/engine_reference.py states the same rules in Decimal and Fraction
and tests/unit/test_engine_pence.py checks the engine against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from schemes.engine.figures import (
    OVERRIDABLE,
    ProfileError,
    SchemeFigures,
    SchemeInputs,
    check_profile,
    full_year_effect,
    months_in_year,
    to_penny,
)

# Why whole pence: every stored amount is a whole number of pence (money has two decimal places) and every factor
# a whole number of ten-thousandths (four), so each figure is an integer ratio rounded once, half away from zero,
# as the papers round (ROUND_HALF_UP on the exact amount). Integers are exact and several times quicker than
# Decimal and Fraction, which matters when the recompute runs over a national portfolio.

FACTOR_SCALE = 10_000  # RAG factors are stored with four decimal places
_FACTOR_NAMES = {"green": 0, "amber": 1, "red": 2}


def pence(value: Decimal) -> int:
    """A penny amount (two decimal places or fewer) as whole pence; anything finer is refused."""
    scaled = value.scaleb(2)
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"{value} is not a whole number of pence")
    return whole


def factor_units(value: Decimal) -> int:
    """A RAG factor (four decimal places or fewer) in ten-thousandths."""
    scaled = value * FACTOR_SCALE
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"{value} has more than four decimal places")
    return whole


def round_ratio(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) to the nearest whole number, halves away from zero."""
    whole = (2 * abs(numerator) + denominator) // (2 * denominator)
    return whole if numerator >= 0 else -whole


class PenceFigures(NamedTuple):
    """What `compute` gives, money in whole pence; `overridden` sorted."""

    full_year_effect: int
    months_in_year: int
    plan_in_year: int
    next_year_effect: int
    most_likely: int
    adjusted_months: int
    director_value: int
    director_next_year: int
    monthly_plan: tuple[int, ...]
    overridden: tuple[str, ...]


def compute_pence(*, year_start: int, go_live: date | None, gross_saving: int, new_investment: int | None,
                  overall_rag: str | None, delivery_change_months: int, factors: tuple[int, int, int],
                  overrides: Mapping[str, int], monthly_profile: Sequence[object] | None) -> PenceFigures:
    """`compute` (then `engine_figures`' fallback to linear phasing) over whole pence and ten-thousandths.

    Money arguments and `overrides` are pence, `factors` (green, amber, red) ten-thousandths; the profile is as
    stored (strings of pounds), checked by `check_profile` itself. An unrated scheme counts at a factor of 1.
    """
    if overrides:
        unknown = set(overrides) - set(OVERRIDABLE)
        if unknown:
            raise ValueError(f"Cannot override {', '.join(sorted(unknown))}")
    get = overrides.get
    fye = get("full_year_effect")
    if fye is None:
        fye = gross_saving - (new_investment or 0)
    months = months_in_year(year_start, go_live)
    plan_overridden = "plan_in_year" in overrides
    plan = overrides["plan_in_year"] if plan_overridden else round_ratio(fye * months, 12)
    next_year = get("next_year_effect")
    if next_year is None:
        next_year = fye - plan
    factor = factors[_FACTOR_NAMES[overall_rag]] if overall_rag else FACTOR_SCALE
    most_likely = get("most_likely")
    if most_likely is None:
        most_likely = round_ratio(plan * factor, FACTOR_SCALE)
    adjusted = min(12, max(0, months + delivery_change_months))
    # Twelfths of a penny: the exact linear plan (or the plan set by hand) moved by whole months of FYE / 12.
    delivered = (plan * 12 if plan_overridden else fye * months) + fye * (adjusted - months)
    director_value = get("director_value")
    if director_value is None:
        director_value = round_ratio(delivered * factor, 12 * FACTOR_SCALE)
    director_next_year = get("director_next_year")
    if director_next_year is None:
        director_next_year = round_ratio(fye * 12 - delivered, 12)

    monthly: tuple[int, ...] | None = None
    if monthly_profile:  # an empty profile is none (as `engine_inputs` reads it)
        try:
            monthly = tuple(pence(value) for value in check_profile(
                [Decimal(value) for value in monthly_profile],  # type: ignore[arg-type]  # as engine_inputs reads it
                Decimal(plan).scaleb(-2)))
        except ProfileError:
            monthly = None  # no longer adds up to the plan: linear phasing, as `engine_figures` does
    if monthly is None:
        if months == 0:
            monthly = (0,) * 12
        else:
            each = round_ratio(plan, months)
            monthly = (0,) * (12 - months) + (each,) * (months - 1) + (plan - each * (months - 1),)
    return PenceFigures(fye, months, plan, next_year, most_likely, adjusted, director_value, director_next_year,
                        monthly, tuple(sorted(overrides)))


def _pounds(amount: int) -> Decimal:
    return Decimal(amount).scaleb(-2)


def compute(inputs: SchemeInputs) -> SchemeFigures:
    """A scheme's figures (DOMAIN.md "Schemes") from Decimal inputs, by `compute_pence`.

    Raises ProfileError, in the user's words, when the scheme's own monthly profile does not add up to its in-year
    plan (a save is refused; `engine_figures` falls back to linear phasing for what is already stored).
    """
    unknown = set(inputs.overrides) - set(OVERRIDABLE)
    if unknown:
        raise ValueError(f"Cannot override {', '.join(sorted(unknown))}")
    factors = inputs.factors
    figures = compute_pence(
        year_start=inputs.year_start, go_live=inputs.go_live,
        # The full-year effect to the penny first: inputs finer than a penny are rounded once, there.
        gross_saving=pence(full_year_effect(inputs.gross_saving, inputs.new_investment)), new_investment=None,
        overall_rag=inputs.overall_rag or None, delivery_change_months=inputs.delivery_change_months,
        factors=(factor_units(factors.green), factor_units(factors.amber), factor_units(factors.red)),
        overrides={name: pence(to_penny(Decimal(value))) for name, value in inputs.overrides.items()},
        monthly_profile=None)
    plan = _pounds(figures.plan_in_year)
    monthly = (check_profile(inputs.monthly_profile, plan) if inputs.monthly_profile is not None
               else tuple(_pounds(month) for month in figures.monthly_plan))
    return SchemeFigures(
        full_year_effect=_pounds(figures.full_year_effect), months_in_year=figures.months_in_year,
        plan_in_year=plan, next_year_effect=_pounds(figures.next_year_effect),
        most_likely=_pounds(figures.most_likely), adjusted_months=figures.adjusted_months,
        director_value=_pounds(figures.director_value), director_next_year=_pounds(figures.director_next_year),
        monthly_plan=monthly, overridden=frozenset(figures.overridden),
    )
