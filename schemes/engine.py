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
from typing import NamedTuple

PENNY = Decimal("0.01")
ZERO = Decimal("0")
TWELVE = Decimal("12")

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


def clamp_months(months: int) -> int:
    return min(12, max(0, months))


def full_year_effect(gross_saving: Decimal, new_investment: Decimal | None) -> Decimal:
    return to_penny(gross_saving - (new_investment or ZERO))


def linear_profile(plan: Decimal, months: int) -> tuple[Decimal, ...]:
    """Spread the in-year plan evenly over the last `months` months; the pennies left go in March."""
    if months == 0:
        return tuple(ZERO for _ in range(12))
    each = to_penny(plan / months)
    values = [ZERO] * (12 - months) + [each] * months
    values[-1] = plan - each * (months - 1)
    return tuple(values)


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


def compute(inputs: SchemeInputs) -> SchemeFigures:
    unknown = set(inputs.overrides) - set(OVERRIDABLE)
    if unknown:
        raise ValueError(f"Cannot override {', '.join(sorted(unknown))}")
    overrides = {name: to_penny(Decimal(value)) for name, value in inputs.overrides.items()}

    def pick(name: str, computed: Decimal) -> Decimal:
        return overrides.get(name, computed)

    fye = pick("full_year_effect", full_year_effect(inputs.gross_saving, inputs.new_investment))
    months = months_in_year(inputs.year_start, inputs.go_live)
    # Exact linear plan: the director's formulas start from it so they match the paper to the penny.
    linear_plan_exact = Fraction(fye) * months / 12
    plan = pick("plan_in_year", exact_to_penny(linear_plan_exact))
    next_year = pick("next_year_effect", fye - plan)
    factor = inputs.factors.factor(inputs.overall_rag)
    most_likely = pick("most_likely", to_penny(plan * factor))

    adjusted = clamp_months(months + inputs.delivery_change_months)
    # Delivery this year starts from the plan actually set (which may be overridden) and moves it
    # by whole months of FYE/12. With no override this is exactly FYE x adjusted / 12.
    base = linear_plan_exact if "plan_in_year" not in overrides else Fraction(plan)
    delivered_this_year = base + Fraction(fye) * (adjusted - months) / 12
    director_value = pick("director_value", exact_to_penny(delivered_this_year * Fraction(factor)))
    director_next_year = pick("director_next_year", exact_to_penny(Fraction(fye) - delivered_this_year))

    if inputs.monthly_profile is not None:
        monthly = check_profile(inputs.monthly_profile, plan)
    else:
        monthly = linear_profile(plan, months)

    return SchemeFigures(
        full_year_effect=fye,
        months_in_year=months,
        plan_in_year=plan,
        next_year_effect=next_year,
        most_likely=most_likely,
        adjusted_months=adjusted,
        director_value=director_value,
        director_next_year=director_next_year,
        monthly_plan=monthly,
        overridden=frozenset(overrides),
    )


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


# --- Monthly tracking: plan, actual, forecast, variance, YTD and FOT (DOMAIN.md "Monthly tracking") ---
#
# YTD (year to date) runs from M1 to the latest *closed* month. While no month is closed it runs to
# the latest month with an actual entered, and the page says which rule applied.
# FOT (forecast outturn) is the whole year's expected saving: for each month, the actual where the
# month is closed or an actual is entered (a closed month without an actual counts as nothing saved),
# otherwise the forecast, otherwise the plan (no forecast entered means "on plan").

YTD_CLOSED = "closed"
YTD_ACTUALS = "actuals"
YTD_NONE = "none"

OUTTURN_ACTUAL = "actual"
OUTTURN_FORECAST = "forecast"
OUTTURN_PLAN = "plan"
OUTTURN_MIXED = "mixed"


def month_outturn(*, plan: Decimal, actual: Decimal | None, forecast: Decimal | None,
                  closed: bool) -> tuple[Decimal, str]:
    """What a month contributes to the forecast outturn, and where that number came from."""
    if actual is not None:
        return actual, OUTTURN_ACTUAL
    if closed:
        return ZERO, OUTTURN_ACTUAL
    if forecast is not None:
        return forecast, OUTTURN_FORECAST
    return plan, OUTTURN_PLAN


@dataclass(frozen=True)
class TrackedMonth:
    month: int
    plan: Decimal
    actual: Decimal | None
    forecast: Decimal | None
    closed: bool
    outturn: Decimal
    outturn_source: str

    @property
    def variance(self) -> Decimal | None:
        """Actual - plan for a month with an actual (favourable when positive); None when not entered."""
        return None if self.actual is None else variance(self.actual, self.plan)


def tracked_month(*, month: int, plan: Decimal, actual: Decimal | None = None, forecast: Decimal | None = None,
                  closed: bool = False) -> TrackedMonth:
    outturn, source = month_outturn(plan=plan, actual=actual, forecast=forecast, closed=closed)
    return TrackedMonth(month=month, plan=plan, actual=actual, forecast=forecast, closed=closed,
                        outturn=outturn, outturn_source=source)


@dataclass(frozen=True)
class YearToDate:
    through: int  # 0 when there is nothing to report yet
    basis: str  # YTD_CLOSED, YTD_ACTUALS or YTD_NONE
    plan: Decimal
    actual: Decimal
    variance: Decimal


@dataclass(frozen=True)
class Outturn:
    plan: Decimal  # the whole year's plan (sum of M1..M12)
    outturn: Decimal
    variance: Decimal  # outturn - plan, favourable when positive
    from_actuals: Decimal
    from_forecasts: Decimal
    from_plan: Decimal


@dataclass(frozen=True)
class Tracker:
    months: tuple[TrackedMonth, ...]
    ytd: YearToDate
    fot: Outturn


def ytd_through(months: Sequence[TrackedMonth]) -> tuple[int, str]:
    """The month YTD runs to and why: the latest closed month, else the latest month with an actual."""
    closed = [m.month for m in months if m.closed]
    if closed:
        return max(closed), YTD_CLOSED
    entered = [m.month for m in months if m.actual is not None]
    if entered:
        return max(entered), YTD_ACTUALS
    return 0, YTD_NONE


def year_to_date(months: Sequence[TrackedMonth]) -> YearToDate:
    through, basis = ytd_through(months)
    upto = [m for m in months if m.month <= through]
    plan = sum((m.plan for m in upto), ZERO)
    actual = sum((m.actual for m in upto if m.actual is not None), ZERO)
    return YearToDate(through=through, basis=basis, plan=plan, actual=actual, variance=variance(actual, plan))


def forecast_outturn(months: Sequence[TrackedMonth]) -> Outturn:
    plan = sum((m.plan for m in months), ZERO)
    parts = {OUTTURN_ACTUAL: ZERO, OUTTURN_FORECAST: ZERO, OUTTURN_PLAN: ZERO}
    outturn = ZERO
    for m in months:
        outturn += m.outturn
        if m.outturn_source in parts:
            parts[m.outturn_source] += m.outturn
    return Outturn(plan=plan, outturn=outturn, variance=variance(outturn, plan), from_actuals=parts[OUTTURN_ACTUAL],
                   from_forecasts=parts[OUTTURN_FORECAST], from_plan=parts[OUTTURN_PLAN])


def track(rows: Iterable[tuple[int, Decimal, Decimal | None, Decimal | None]],
          closed_months: Iterable[int] = ()) -> Tracker:
    """A scheme's year from (month, plan, actual, forecast) rows; months without a row plan nothing."""
    closed = set(closed_months)
    by_month = {month: (plan, actual, forecast) for month, plan, actual, forecast in rows}
    cells = []
    for m in range(1, 13):
        plan, actual, forecast = by_month.get(m, (ZERO, None, None))
        cells.append(tracked_month(month=m, plan=plan, actual=actual, forecast=forecast, closed=m in closed))
    months = tuple(cells)
    return Tracker(months=months, ytd=year_to_date(months), fot=forecast_outturn(months))


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def tracker_totals(trackers: Sequence[Tracker], closed_months: Iterable[int] = ()) -> Tracker:
    """Roll schemes up (programme, organisation): months add up; FOT is the sum of the schemes' outturns.

    A total month's actual is the sum of the actuals entered (None when no scheme has one), so the
    total's YTD follows the same rule as a scheme's.
    """
    closed = set(closed_months)
    months = []
    for index in range(12):
        cells = [t.months[index] for t in trackers]
        sources = {c.outturn_source for c in cells}
        months.append(TrackedMonth(
            month=index + 1,
            plan=sum((c.plan for c in cells), ZERO),
            actual=_sum_or_none(c.actual for c in cells),
            forecast=_sum_or_none(c.forecast for c in cells),
            closed=(index + 1) in closed,
            outturn=sum((c.outturn for c in cells), ZERO),
            outturn_source=sources.pop() if len(sources) == 1 else (OUTTURN_MIXED if sources else OUTTURN_PLAN),
        ))
    months_tuple = tuple(months)
    fot = Outturn(
        plan=sum((t.fot.plan for t in trackers), ZERO),
        outturn=sum((t.fot.outturn for t in trackers), ZERO),
        variance=sum((t.fot.variance for t in trackers), ZERO),
        from_actuals=sum((t.fot.from_actuals for t in trackers), ZERO),
        from_forecasts=sum((t.fot.from_forecasts for t in trackers), ZERO),
        from_plan=sum((t.fot.from_plan for t in trackers), ZERO),
    )
    return Tracker(months=months_tuple, ytd=year_to_date(months_tuple), fot=fot)


def slippage_days(baseline: date | None, current: date | None, completed: date | None = None) -> int:
    """Days a key stage is late against its baseline: the completion date once done, else the current date."""
    when = completed or current
    if baseline is None or when is None:
        return 0
    return max(0, (when - baseline).days)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    next_first = date(year + (1 if month == 12 else 0), month % 12 + 1, 1)
    last_day = (next_first.toordinal() - date(year, month, 1).toordinal())
    return date(year, month, min(start.day, last_day))


def _first_of_month(when: date) -> date:
    return when.replace(day=1)


def timeline_months(dates: Iterable[date | None], max_months: int = 36) -> tuple[list[date], bool]:
    """First days of the months from the earliest to the latest date (at most `max_months`; True if cut)."""
    present = [_first_of_month(d) for d in dates if d is not None]
    if not present:
        return [], False
    first, last = min(present), max(present)
    months = [first]
    while months[-1] < last and len(months) < max_months:
        months.append(add_months(months[-1], 1))
    return months, months[-1] < last


def timeline_marker(month: date, baseline: date | None, current: date | None, completed: date | None) -> str:
    """What a key stage's timeline shows in `month` (the first of a month).

    "completed" where it was done; "both" where baseline and current fall in the same month; "baseline" and
    "current" where each falls; "slip" in the months between a baseline and a later current date.
    """
    def same(d: date | None) -> bool:
        return d is not None and _first_of_month(d) == month

    if same(completed):
        return "completed"
    if same(baseline) and same(current):
        return "both"
    if same(baseline):
        return "baseline"
    if same(current):
        return "current"
    end = completed or current
    if baseline is not None and end is not None and _first_of_month(baseline) < month < _first_of_month(end):
        return "slip"
    return ""


# --- The same figures in whole pence, for the recompute of many schemes at once (issue 11) ---
#
# `compute` works in Decimal and Fraction, a few microseconds an operation; the recompute runs it over every
# scheme of a portfolio. Every stored amount is a whole number of pence (money has two decimal places) and
# every factor a whole number of ten-thousandths (four), so each figure is an integer ratio rounded once,
# half away from zero: exactly what `to_penny` (ROUND_HALF_UP on an exact Decimal product) and
# `exact_to_penny` do. The only division `compute` leaves to Decimal's 28 digits, plan / months in
# `linear_profile`, is exact at a half penny (k + 1/2 is a terminating decimal) and otherwise at least 1/24 of
# a penny from one, far beyond 28 digits' error, so it rounds the same. tests/unit/test_engine_pence.py checks
# both against each other.

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
