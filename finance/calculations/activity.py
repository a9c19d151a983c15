"""Activity: counts against the plan (whole numbers, not money), as at a month, and the plan's own checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from finance.calculations.common import variance_percent


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
