"""Activity plan reads: the lines of an organisation's year with their months, as the page and API show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from finance import calculations
from finance.calculations import ActivityMonthFigures, ActivityPlanCheck, ActivityPosition
from finance.models import ActivityLine, ActivityMonth
from governance.selectors import closed_months

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class ActivityRow:
    """A line as the activity page shows it: its 12 months (None where not kept), its figures for the chosen
    month and YTD, and how its printed figures agree (profile vs plan, do nothing + QIPP vs plan)."""

    line: ActivityLine
    months: list[ActivityMonth | None]
    position: ActivityPosition
    check: ActivityPlanCheck


def activity_lines_for(user: Viewer) -> QuerySet[ActivityLine]:
    """Every line the user may read, with its organisation, year and months (two queries for any number)."""
    return (
        ActivityLine.objects.for_user(user).select_related("organisation", "year")
        .prefetch_related(Prefetch("months", queryset=ActivityMonth.objects.order_by("month")))
    )


def _twelve(line: ActivityLine) -> list[ActivityMonth | None]:
    kept = {m.month: m for m in line.months.all()}  # prefetched: no query
    return [kept.get(number) for number in range(1, 13)]


def activity_row(line: ActivityLine, month: int) -> ActivityRow:
    months = _twelve(line)
    figures = [ActivityMonthFigures(plan=m.plan, actual=m.actual) if m else ActivityMonthFigures(plan=0)
               for m in months]
    return ActivityRow(
        line=line, months=months, position=calculations.activity_position(figures, month),
        check=calculations.activity_plan_check(
            plan=line.plan, profile=[m.plan for m in months if m], do_nothing=line.do_nothing,
            qipp_change=line.qipp_change, prior_outturn=line.prior_outturn,
        ),
    )


def activity_plan(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int,
    lines: QuerySet[ActivityLine] | None = None,
) -> list[ActivityRow]:
    """The year's lines in the paper's order (or those of `lines`, a filter), as at `month` (two queries)."""
    chosen = activity_lines_for(user) if lines is None else lines
    found = chosen.filter(organisation=organisation, year=year).order_by("position", "code")
    return [activity_row(line, month) for line in found]


def activity_default_month(organisation: Organisation, year: FinancialYear, today: date | None = None) -> int:
    """The month the page opens on: the latest month with an actual, else the latest closed month, else where the
    year is today (M12 for a year gone by, M1 for one to come)."""
    latest = (ActivityMonth.objects.filter(line__organisation=organisation, line__year=year, actual__isnull=False)
              .order_by("-month").values_list("month", flat=True).first())
    if latest:
        return latest
    closed = closed_months(organisation, year)
    if closed:
        return max(closed)
    today = today or date.today()
    months = (today.year - year.start_year) * 12 + today.month - 4 + 1
    return min(max(months, 1), 12)


def activity_line_for_page(user: Viewer, pk: int) -> ActivityLine | None:
    return activity_lines_for(user).filter(pk=pk).first()


def activity_month_for_page(user: Viewer, line: ActivityLine, month: int) -> ActivityMonth | None:
    return ActivityMonth.objects.for_user(user).filter(line=line, month=month).first()


def activity_actuals_recorded(lines: list[ActivityRow]) -> bool:
    return any(m is not None and m.actual is not None for row in lines for m in row.months)


def activity_history(line: ActivityLine) -> tuple[list[Any], list[Any]]:
    """Every saved version of a line and of its months, newest first, with who saved them (two queries)."""
    return (
        list(line.history.select_related("history_user").order_by("-history_date", "-history_id")),
        list(ActivityMonth.history.filter(line_id=line.pk).select_related("history_user")
             .order_by("-history_date", "-history_id")),
    )
