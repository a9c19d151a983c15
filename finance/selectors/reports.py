"""Month-end variance reports as issued: the list of a year's issues, one issue with its rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, Exists, OuterRef, Prefetch, QuerySet, Value, When

from finance.models import BudgetLine, VarianceReport, VarianceReportLine, VarianceReportSaving
from governance.models import JobRun, JobStatus, MonthStatus
from schemes.models import Scheme

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


def variance_reports_for(user: Viewer) -> QuerySet[VarianceReport]:
    """Every issue the user may read, with its rows (three queries a page, whatever the number of rows)."""
    return (
        VarianceReport.objects.for_user(user)
        .select_related("organisation", "year", "produced_by")
        .prefetch_related(Prefetch("lines", queryset=VarianceReportLine.objects.order_by("position")),
                          Prefetch("savings", queryset=VarianceReportSaving.objects.order_by("position")))
        .order_by("organisation__ods_code", "year__start_year", "month", "-issue")
    )


def variance_report_issues(user: Viewer, organisation: Organisation, year: FinancialYear) -> QuerySet[VarianceReport]:
    """The year's issues, newest month first, each month's current issue before the ones it superseded (one query)."""
    return (VarianceReport.objects.for_user(user).filter(organisation=organisation, year=year)
            .select_related("produced_by").order_by("-month", "-issue"))


def variance_report_for_page(user: Viewer, pk: int) -> VarianceReport | None:
    return variance_reports_for(user).filter(pk=pk).first()


def current_issue_of(report: VarianceReport) -> VarianceReport | None:
    """The month's current issue (the report itself if it is current)."""
    if report.is_current:
        return report
    return VarianceReport.objects.filter(organisation_id=report.organisation_id, year_id=report.year_id,
                                         month=report.month, is_current=True).first()


def current_reports_with_lines(
    user: Viewer, organisation: Organisation, year: FinancialYear,
) -> QuerySet[VarianceReport]:
    """The year's current issues with their budget lines (what the dashboard and the board pack show of one)."""
    return (VarianceReport.objects.for_user(user).filter(organisation=organisation, year=year, is_current=True)
            .select_related("organisation", "year", "produced_by")
            .prefetch_related(Prefetch("lines", queryset=VarianceReportLine.objects.order_by("position"))))


def month_first_then_latest(month: int | None) -> list[Any]:
    """An ordering of a year's current reports: `month`'s first, then the latest month's."""
    return ["-month"] if month is None else [Case(When(month=month, then=Value(0)), default=Value(1)), "-month"]


def has_something_to_report(organisation: Organisation, year: FinancialYear) -> bool:
    """A month-end report needs budget lines or schemes to report on."""
    return (BudgetLine.objects.filter(organisation=organisation, year=year).exists()
            or Scheme.objects.filter(organisation=organisation, year=year).exists())


def report_runs(user: Viewer, organisation: Organisation, year: FinancialYear, *, task: str) -> QuerySet[JobRun]:
    """The year's recent month-end report runs the user may see, newest first (the page's progress list)."""
    return (JobRun.objects.for_user(user).filter(organisation=organisation, year=year, task=task)
            .select_related("requested_by", "year").order_by("-queued_at", "-pk")[:10])


def months_due_a_report(*, report_task: str) -> QuerySet[MonthStatus]:
    """Closed months with no report issued and no `report_task` run queued or started, that have something to
    report (budget lines or schemes): the schedule's own read, across every organisation, so not scoped to a user.
    """
    same_year = {"organisation": OuterRef("organisation"), "year": OuterRef("year")}
    return (
        MonthStatus.objects.filter(is_closed=True)
        .exclude(Exists(VarianceReport.objects.filter(**same_year, month=OuterRef("month"))))
        .exclude(Exists(JobRun.objects.filter(**same_year, month=OuterRef("month"), task=report_task,
                                              status__in=[JobStatus.QUEUED, JobStatus.STARTED])))
        .filter(Exists(BudgetLine.objects.filter(**same_year)) | Exists(Scheme.objects.filter(**same_year)))
        .select_related("organisation", "year")
        .order_by("organisation__ods_code", "year__start_year", "month")
    )
