"""Monthly tracking: plan, actual, forecast, variance, year to date and forecast outturn (DOMAIN.md
"Monthly tracking"), pure functions over plain values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from schemes.engine.figures import (
    ZERO,
    variance,
)

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


