"""Month-end variance report pages: the year's issues, one issue as it was issued, and producing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from finance import selectors, services
from finance.forms.reports import ProduceReportForm
from governance.forms import add_service_errors
from governance.middleware import follow_into, working_of
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
                report = services.month_end_report_produce(
                    actor=acting_user(request), organisation=organisation, year=year, month=form.cleaned_data["month"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Month-end report for M{report.month} produced: issue {report.issue}.")
                return redirect(report)
    return render(request, "finance/variance_reports.html", {
        "issues": issues, "form": form, "can": allowed_actions(request.user, organisation),
    })


@login_required
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
