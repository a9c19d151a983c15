"""The savings engine: pure functions over plain values, no database.

Rules (DOMAIN.md "Schemes"):
- full-year effect (FYE) = gross saving - new investment (an investment still TBC adds nothing);
- months in year = months from the go-live month to March inclusive, 0..12;
- in-year plan = FYE x months / 12 (linear phasing); next-year effect = FYE - in-year plan;
- most likely = in-year plan x the factor of the overall RAG rating;
- director's value this year = FYE x adjusted months / 12 x factor, next year = FYE x (12 - adjusted) / 12,
  adjusted months = months + change in delivery, kept within 0..12.
Computed money is kept to the penny, half-up. An overridden figure replaces the computed one and
everything computed from it uses the overridden value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PENNY = Decimal("0.01")
ZERO = Decimal("0")

OVERRIDABLE = (
    "full_year_effect",
    "plan_in_year",
    "next_year_effect",
    "most_likely",
    "director_value",
    "director_next_year",
)


class ProfileError(ValueError):
    """A scheme's own monthly profile cannot be used; the message is for the user."""


def to_penny(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def exact_to_penny(value: Fraction) -> Decimal:
    """An exact rational amount to the penny, half-up (away from zero), rounded once.

    Decimal division keeps 28 significant digits, so adding two divided parts can land a hair under a
    half penny (79,346.69499...) and round the wrong way; fractions carry the exact value to the end.
    """
    hundredths = abs(value) * 100
    pennies = math.floor(hundredths + Fraction(1, 2))
    return Decimal(pennies if value >= 0 else -pennies).scaleb(-2)


@dataclass(frozen=True)
class RagFactors:
    green: Decimal = Decimal("1.00")
    amber: Decimal = Decimal("0.75")
    red: Decimal = Decimal("0.50")

    def factor(self, rag: str | None) -> Decimal:
        """An unrated scheme counts at its full plan until a panel rates it."""
        if not rag:
            return Decimal("1")
        return {"green": self.green, "amber": self.amber, "red": self.red}[rag]


def financial_month(year_start: int, when: date) -> int:
    """M1 = April of `year_start`; may be below 1 (before the year) or above 12 (after it)."""
    return (when.year - year_start) * 12 + (when.month - 4) + 1


def months_in_year(year_start: int, go_live: date | None) -> int:
    """Months of saving in the year: Jul-13 in 2013/14 gives 9, Apr-14 gives 0; no go-live means 12."""
    if go_live is None:
        return 12
    return min(12, max(0, 13 - financial_month(year_start, go_live)))


def full_year_effect(gross_saving: Decimal, new_investment: Decimal | None) -> Decimal:
    return to_penny(gross_saving - (new_investment or ZERO))


def check_profile(profile: Sequence[Decimal], plan: Decimal) -> tuple[Decimal, ...]:
    """A scheme's own phasing must have 12 months that add up to its in-year plan."""
    if len(profile) != 12:
        raise ProfileError(f"A monthly profile needs 12 months (M1 April to M12 March), not {len(profile)}.")
    values = tuple(to_penny(Decimal(v)) for v in profile)
    total = sum(values, ZERO)
    if total != plan:
        raise ProfileError(
            f"The monthly profile adds up to £{total:,.2f} but the in-year plan is £{plan:,.2f}: "
            f"the months must add up to the plan (difference £{total - plan:,.2f})."
        )
    return values


@dataclass(frozen=True)
class SchemeInputs:
    year_start: int
    go_live: date | None
    gross_saving: Decimal
    new_investment: Decimal | None = None
    overall_rag: str | None = None
    delivery_change_months: int = 0
    factors: RagFactors = field(default_factory=RagFactors)
    overrides: Mapping[str, Decimal] = field(default_factory=dict)
    monthly_profile: Sequence[Decimal] | None = None


@dataclass(frozen=True)
class SchemeFigures:
    full_year_effect: Decimal
    months_in_year: int
    plan_in_year: Decimal
    next_year_effect: Decimal
    most_likely: Decimal
    adjusted_months: int
    director_value: Decimal
    director_next_year: Decimal
    monthly_plan: tuple[Decimal, ...]
    overridden: frozenset[str] = frozenset()

    def money(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in OVERRIDABLE}


@dataclass(frozen=True)
class Totals:
    schemes: int
    full_year_effect: Decimal
    plan_in_year: Decimal
    next_year_effect: Decimal
    most_likely: Decimal
    director_value: Decimal
    director_next_year: Decimal


def totals(figures: Iterable[Mapping[str, Decimal] | SchemeFigures]) -> Totals:
    """Totals add the kept (penny) values, overridden or not, as the papers do."""
    sums = dict.fromkeys(OVERRIDABLE, ZERO)
    count = 0
    for item in figures:
        values = item.money() if isinstance(item, SchemeFigures) else item
        count += 1
        for name in OVERRIDABLE:
            sums[name] += values[name]
    return Totals(schemes=count, **sums)


def rollup(rows: Iterable[tuple[str, Mapping[str, Decimal] | SchemeFigures]]) -> dict[str, Totals]:
    """Totals per group key (programme, organisation...), in first-seen order."""
    groups: dict[str, list[Mapping[str, Decimal] | SchemeFigures]] = {}
    for key, values in rows:
        groups.setdefault(key, []).append(values)
    return {key: totals(items) for key, items in groups.items()}


def variance(actual: Decimal, plan: Decimal) -> Decimal:
    """Savings variance: favourable (positive) when actual saving is above plan."""
    return actual - plan


