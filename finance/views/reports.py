"""Month-end variance report pages: the year's issues, one issue as it was issued, and producing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from finance import selectors, services
from finance.forms.reports import ProduceReportForm
from governance.forms import add_service_errors
from governance.middleware import follow_into, working_of
from governance.models import JobRun, JobStatus
from governance.permissions import Action, acting_user, allowed_actions, require


@login_required
@require_http_methods(["GET", "POST"])
def variance_reports(request: HttpRequest) -> HttpResponse:
    """The working year's month-end reports (every issue), and producing one for finance."""
    working = working_of(request)
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working.organisation, working.year
    issues = list(selectors.variance_report_issues(request.user, organisation, year))
    form = ProduceReportForm(request.POST or None, initial={"month": issues[0].month if issues else 1})
    if request.method == "POST":
        require(request.user, Action.KEEP_BUDGETS, organisation)
        if form.is_valid():
            try:
                run = services.month_end_report_queue(
                    actor=acting_user(request), organisation=organisation, year=year, month=form.cleaned_data["month"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _after_queueing(request, run)
    return render(request, "finance/variance_reports.html", {
        "issues": issues, "form": form, "can": allowed_actions(request.user, organisation),
        "runs": list(selectors.report_runs(request.user, organisation, year, task=services.MONTH_END_REPORT_TASK)),
    })


def _after_queueing(request: HttpRequest, run: JobRun) -> HttpResponse:
    """Where the user goes once their report is queued: to it if it is already done (the embedded default runs
    it at once), else back to the list, whose progress table shows the run until the worker finishes it."""
    run.refresh_from_db()
    report = selectors.variance_reports_for(request.user).filter(job_run_id=run.pk).first()
    if report is not None:
        messages.success(request, f"Month-end report for M{report.month} produced: issue {report.issue}.")
        return redirect(report)
    if run.status == JobStatus.FAILED:
        messages.error(request, f"The report for M{run.month} could not be produced: {run.failure_reason}")
    else:
        messages.info(request, f"The report for M{run.month} is queued. It is listed below as soon as it is "
                               "produced; refresh the page to see its progress.")
    return redirect("finance:variance-reports")


@login_required
@require_safe
def variance_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.variance_report_for_page(request.user, pk)
    if report is None:
        raise Http404("No such report")
    follow_into(request, report.organisation, report.year)
    lines = list(report.lines.all())
    return render(request, "finance/variance_report.html", {
        "report": report, "current": selectors.current_issue_of(report), "lines": lines,
        "commented": [row for row in lines if row.commentary], "savings": list(report.savings.all()),
    })
