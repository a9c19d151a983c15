"""Finance arithmetic as pure functions over Decimals (no database): financial risks, budgets, activity.

Amounts are positive pounds for both kinds (a risk's value is what it may cost, a mitigation's what it
may save); the pages show risks in brackets as the papers do. The residual is the assessed value not yet
in the forecast; the shortfall is what mitigations fall short of risks (negative when they fall short).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def residual(assessed_value: Decimal, in_forecast: Decimal) -> Decimal:
    """Residual = assessed - in forecast (what could still hit the position)."""
    return assessed_value - in_forecast


def assessed_percent(total_value: Decimal, assessed_value: Decimal) -> Decimal | None:
    """The % shown: assessed / total as a whole percentage (half-up); None when the total is nil."""
    if total_value == ZERO:
        return None
    return (assessed_value * HUNDRED / total_value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    """One row's (or one total's) four figures, in pounds."""

    total_value: Decimal = ZERO
    assessed_value: Decimal = ZERO
    in_forecast: Decimal = ZERO
    residual: Decimal = ZERO

    def __sub__(self, other: Amounts) -> Amounts:
        return Amounts(
            total_value=self.total_value - other.total_value,
            assessed_value=self.assessed_value - other.assessed_value,
            in_forecast=self.in_forecast - other.in_forecast,
            residual=self.residual - other.residual,
        )


def row_amounts(total_value: Decimal, assessed_value: Decimal, in_forecast: Decimal) -> Amounts:
    return Amounts(total_value, assessed_value, in_forecast, residual(assessed_value, in_forecast))


def register_total(rows: Iterable[Amounts]) -> Amounts:
    """The sum of the rows' kept values (each figure added separately)."""
    total = Amounts()
    for row in rows:
        total = Amounts(
            total.total_value + row.total_value,
            total.assessed_value + row.assessed_value,
            total.in_forecast + row.in_forecast,
            total.residual + row.residual,
        )
    return total


def shortfall(risks: Amounts, mitigations: Amounts) -> Amounts:
    """Mitigations less risks: negative (shown in brackets) where mitigations fall short."""
    return mitigations - risks


def differences(computed: Amounts, published: Amounts | None) -> set[str]:
    """Which figures a paper's published total prints differently from the sum of its rows."""
    if published is None:
        return set()
    return {
        name for name in ("total_value", "assessed_value", "in_forecast", "residual")
        if getattr(published, name) is not None and getattr(published, name) != getattr(computed, name)
    }


# --- Budgets: pure arithmetic over a line's months ----------------------------------------------------

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


def variance_percent(variance: Decimal, plan: Decimal) -> Decimal | None:
    """Variance as a % of plan to one decimal (half away from zero, as the papers round); None if plan is nil."""
    if plan == ZERO:
        return None
    return (variance / plan * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


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


# --- The financial plan: QIPP commitment and the planned surplus or deficit -------------------------

@dataclass(frozen=True)
class PlanPosition:
    """What a plan asks of QIPP, with the paper's meanings (pounds; a deficit is negative).

    expenditure_before_qipp - allocation is the savings requirement (what would break even). The QIPP
    commitment is the saving the plan counts on: the QIPP netted off the planned expenditure where the plan
    nets it (Cambridgeshire 2018/19: 35,142), else the whole requirement (Shropshire). What the commitment
    leaves uncovered is the planned surplus or deficit after QIPP (Cambridgeshire: (35,069)).
    """

    expenditure_before_qipp: Decimal
    expenditure_after_qipp: Decimal
    savings_requirement: Decimal
    qipp_commitment: Decimal
    planned_surplus: Decimal


def plan_position(allocation: Decimal, planned_expenditure: Decimal, planned_qipp: Decimal) -> PlanPosition:
    """The plan's position from the figures as stated (`planned_qipp` = QIPP netted off the expenditure, or 0)."""
    before = planned_expenditure + planned_qipp
    requirement = before - allocation
    commitment = planned_qipp if planned_qipp > ZERO else max(requirement, ZERO)
    after = before - commitment
    return PlanPosition(expenditure_before_qipp=before, expenditure_after_qipp=after,
                        savings_requirement=requirement, qipp_commitment=commitment,
                        planned_surplus=allocation - after)


def plan_line_bridge(start: Decimal | None, adjustments: Iterable[Decimal | None]) -> Decimal:
    """A plan line's build-up: the recurrent exit plus each adjustment printed against it (blank = nil)."""
    return (start or ZERO) + sum((a for a in adjustments if a is not None), ZERO)


# --- Budgets: the table's rows from totals, the allocation and the surplus ----------------------------

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


# --- Activity: counts against the plan (whole numbers, not money) ------------------------------------

def activity_variance(plan: int, actual: int) -> int:
    """Activity variance = plan - actual: favourable (positive) when activity is under plan.

    Activity plans are demand management: each referral or admission over plan is commissioned and paid for,
    so over plan is adverse. The sign is the one spend uses (plan - actual), so an adverse variance is negative
    and shown in brackets on every page, as DOMAIN.md asks of adverse figures.
    """
    return plan - actual


def activity_percent(variance: int, plan: int) -> Decimal | None:
    """Variance as a % of plan, to one decimal (half away from zero); None where the plan is nil."""
    return variance_percent(Decimal(variance), Decimal(plan))


@dataclass(frozen=True)
class ActivityMonthFigures:
    """One month of an activity line: the planned count, and the actual where known (None = not yet)."""

    plan: int
    actual: int | None = None


@dataclass(frozen=True)
class ActivityPosition:
    """A line's figures for month N and year to date (M1..N).

    The month's and the YTD actual are None until every month they cover has an actual: a partial sum set
    against the whole plan would look like activity far under plan. `missing` names the months M1..N with no
    actual yet.
    """

    month: int
    month_plan: int
    month_actual: int | None
    month_variance: int | None
    month_variance_pct: Decimal | None
    ytd_plan: int
    ytd_actual: int | None
    ytd_variance: int | None
    ytd_variance_pct: Decimal | None
    missing: tuple[int, ...]


def activity_position(months: Iterable[ActivityMonthFigures], month: int) -> ActivityPosition:
    """The month's and YTD figures of a line from its 12 months (M1 first; a month not kept counts as plan 0)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    figures = list(months)
    figures += [ActivityMonthFigures(plan=0)] * (12 - len(figures))
    ytd = figures[:month]
    missing = tuple(number for number, m in enumerate(ytd, start=1) if m.actual is None)
    this = figures[month - 1]
    ytd_plan = sum(m.plan for m in ytd)
    ytd_actual = None if missing else sum(m.actual or 0 for m in ytd)
    month_variance = None if this.actual is None else activity_variance(this.plan, this.actual)
    ytd_variance = None if ytd_actual is None else activity_variance(ytd_plan, ytd_actual)
    return ActivityPosition(
        month=month, month_plan=this.plan, month_actual=this.actual, month_variance=month_variance,
        month_variance_pct=None if month_variance is None else activity_percent(month_variance, this.plan),
        ytd_plan=ytd_plan, ytd_actual=ytd_actual, ytd_variance=ytd_variance,
        ytd_variance_pct=None if ytd_variance is None else activity_percent(ytd_variance, ytd_plan),
        missing=missing,
    )


@dataclass(frozen=True)
class ActivityPlanCheck:
    """How a line's printed figures agree with each other; a difference is shown beside the line, never hidden.

    profile_difference = sum of the monthly profile - printed plan (seed 004, E.M.7a: 177,010 - 177,009 = 1).
    bridge_difference = do nothing + QIPP change - printed plan (None where the paper gives no bridge).
    change_pct = (plan - last year's outturn) / outturn, to one decimal (None without an outturn), to set
    beside the % the paper printed (rounded to whole numbers there).
    """

    profile_total: int
    profile_difference: int
    bridge_difference: int | None
    change_pct: Decimal | None

    @property
    def consistent(self) -> bool:
        return self.profile_difference == 0 and not self.bridge_difference


def activity_plan_check(
    *, plan: int, profile: Iterable[int], do_nothing: int | None = None, qipp_change: int | None = None,
    prior_outturn: int | None = None,
) -> ActivityPlanCheck:
    profile_total = sum(profile)
    bridge = None if do_nothing is None or qipp_change is None else do_nothing + qipp_change - plan
    change = (None if not prior_outturn
              else variance_percent(Decimal(plan - prior_outturn), Decimal(prior_outturn)))
    return ActivityPlanCheck(profile_total=profile_total, profile_difference=profile_total - plan,
                             bridge_difference=bridge, change_pct=change)

# --- Scheme savings in the month-end report ---------------------------------------------------------

def savings_row(months: Iterable[BudgetMonthFigures], month: int) -> BudgetRow:
    """A scheme's savings as at month N: the same YTD and outturn as a budget line's, but savings over plan are
    favourable, so variance = actual - plan (and forecast outturn - plan)."""
    return income_row(budget_row(months, month))


def savings_rows_total(rows: Iterable[BudgetRow]) -> BudgetRow:
    """A programme's or the portfolio's savings: the sums of its schemes' rows, variance actual - plan."""
    return income_row(budget_rows_total(rows))
