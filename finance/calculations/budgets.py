"""Budgets: a line's months spread and summed to YTD and forecast outturn, the table's rows from totals, the
income and surplus rows, and where the computed rows differ from the published ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from finance.calculations.common import ZERO, variance_percent


def spread_evenly(total: Decimal, months: int) -> list[Decimal]:
    """Split `total` over `months` to the penny, each month the same, the remainder in the last month.

    The papers give only year-to-date and full-year figures: spreading this way makes the months add back
    to the printed figure exactly (M10 takes the odd pennies).
    """
    if months <= 0:
        return []
    each = (total / months).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [each] * (months - 1) + [total - each * (months - 1)]


def spend_variance(plan: Decimal, actual: Decimal) -> Decimal:
    """Spend variance = plan - actual: favourable (positive) when spend is below budget."""
    return plan - actual


def forecast_outturn(actuals: Iterable[Decimal | None], forecasts: Iterable[Decimal | None]) -> Decimal:
    """FOT: the actual for each month where known, the forecast after (a month with neither adds nothing)."""
    return sum(
        (actual if actual is not None else (forecast or ZERO) for actual, forecast in zip(actuals, forecasts,
                                                                                          strict=True)),
        ZERO,
    )


@dataclass(frozen=True)
class BudgetMonthFigures:
    """One month of a budget line as plain values: plan, and actual and forecast where known (None = not yet)."""

    plan: Decimal
    actual: Decimal | None = None
    forecast: Decimal | None = None


@dataclass(frozen=True)
class BudgetRow:
    """A line of the month-end budget table (the Cambridgeshire layout) as at month N.

    YTD runs M1..N; the forecast outturn is the actuals to N plus the forecasts after N (a month after N with no
    forecast counts its plan, so an unforecast month is on budget). Variance = plan - actual: spend under plan is
    favourable (positive); % = variance / plan to one decimal, None where the plan is nil.
    """

    ytd_plan: Decimal
    ytd_actual: Decimal
    ytd_variance: Decimal
    ytd_variance_pct: Decimal | None
    forecast_plan: Decimal
    forecast_actual: Decimal
    forecast_variance: Decimal
    forecast_variance_pct: Decimal | None


def _budget_row(ytd_plan: Decimal, ytd_actual: Decimal, forecast_plan: Decimal, forecast_actual: Decimal) -> BudgetRow:
    ytd_variance = spend_variance(ytd_plan, ytd_actual)
    forecast_variance = spend_variance(forecast_plan, forecast_actual)
    return BudgetRow(
        ytd_plan=ytd_plan, ytd_actual=ytd_actual, ytd_variance=ytd_variance,
        ytd_variance_pct=variance_percent(ytd_variance, ytd_plan),
        forecast_plan=forecast_plan, forecast_actual=forecast_actual, forecast_variance=forecast_variance,
        forecast_variance_pct=variance_percent(forecast_variance, forecast_plan),
    )


def budget_row(months: Iterable[BudgetMonthFigures], month: int) -> BudgetRow:
    """The YTD and forecast figures of a line from its months (M1 first), as at month `month` (1..12).

    Before month N, a month with no actual counts as nil spend (the ledger has nothing for it): the YTD actual
    is what has been recorded.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    figures = list(months)
    ytd = figures[:month]
    ytd_actual = sum((m.actual or ZERO for m in ytd), ZERO)
    rest = sum((m.forecast if m.forecast is not None else m.plan for m in figures[month:]), ZERO)
    return _budget_row(sum((m.plan for m in ytd), ZERO), ytd_actual, sum((m.plan for m in figures), ZERO),
                       ytd_actual + rest)


def budget_rows_total(rows: Iterable[BudgetRow]) -> BudgetRow:
    """A subtotal or total row: the sums of the lines' figures, its % recomputed from the sums (never summed)."""
    rows = list(rows)
    return _budget_row(*(sum((getattr(r, name) for r in rows), ZERO)
                         for name in ("ytd_plan", "ytd_actual", "forecast_plan", "forecast_actual")))


BUDGET_ROW_INPUTS = ("ytd_plan", "ytd_actual", "forecast_plan", "forecast_actual")


def budget_row_of(
    ytd_plan: Decimal, ytd_actual: Decimal, forecast_plan: Decimal, forecast_actual: Decimal
) -> BudgetRow:
    """A row from its four totals (e.g. the figures a paper printed), variances and % worked out as for a line."""
    return _budget_row(ytd_plan, ytd_actual, forecast_plan, forecast_actual)


def income_row(row: BudgetRow) -> BudgetRow:
    """An allocation (income) row: receiving more than planned is favourable, so variance = actual - plan."""
    ytd_variance = -row.ytd_variance
    forecast_variance = -row.forecast_variance
    return BudgetRow(
        ytd_plan=row.ytd_plan, ytd_actual=row.ytd_actual, ytd_variance=ytd_variance,
        ytd_variance_pct=variance_percent(ytd_variance, row.ytd_plan),
        forecast_plan=row.forecast_plan, forecast_actual=row.forecast_actual, forecast_variance=forecast_variance,
        forecast_variance_pct=variance_percent(forecast_variance, row.forecast_plan),
    )


def surplus_row(allocation: BudgetRow, expenditure: BudgetRow) -> BudgetRow:
    """In-year surplus / (deficit) = allocation - expenditure; variance = actual - plan (a bigger surplus is
    favourable), % of the plan as the papers print it (Cambridgeshire M10: (29,224) plan, (1,116), 3.8%)."""
    figures = [getattr(allocation, name) - getattr(expenditure, name) for name in BUDGET_ROW_INPUTS]
    return income_row(_budget_row(*figures))


def budget_row_differences(computed: BudgetRow, published: BudgetRow | None) -> frozenset[str]:
    """Which of the four totals a paper printed differently from the ones computed from the months."""
    if published is None:
        return frozenset()
    return frozenset(name for name in BUDGET_ROW_INPUTS if getattr(computed, name) != getattr(published, name))
