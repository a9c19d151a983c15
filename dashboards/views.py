from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards import panels
from finance.selectors import portfolio_rows, savings_gap
from governance.formatting import month_label
from governance.middleware import follow_into, working_of
from governance.models import FinancialYear, Organisation, Role
from governance.permissions import role_in
from governance.selectors import organisations_for
from schemes.selectors import (
    latest_closed_month,
    portfolio_summary,
    programme_rollup,
    programme_targets,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The year at a glance; a governing-body viewer, who reads rather than keeps the registers, has the dashboard
    as home (rendered here, so Home stays the current item; the glance is still at `at-a-glance`)."""
    working = working_of(request)
    if working.organisation and working.year and role_in(request.user, working.organisation) == Role.VIEWER:
        return _dashboard(request, working.organisation, working.year)
    return at_a_glance(request)


@login_required
def at_a_glance(request: HttpRequest) -> HttpResponse:
    """The working organisation's year at a glance: totals, savings gap, RAG mix, programme targets."""
    working = working_of(request)
    context = {}
    if working.organisation and working.year:
        context = {
            "summary": portfolio_summary(request.user, working.organisation, working.year),
            "gap": savings_gap(request.user, working.organisation, working.year),
            "ytd_month": latest_closed_month(request.user, working.organisation, working.year),
            "programmes": programme_rollup(request.user, working.organisation, working.year),
            "targets": programme_targets(request.user, working.organisation),
        }
    return render(request, "dashboards/home.html", context)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The governing body's view of the working organisation and year, drawn from stored figures only."""
    working = working_of(request)
    if working.organisation and working.year:
        return _dashboard(request, working.organisation, working.year)
    return render(request, "dashboards/dashboard.html", {})


@login_required
def organisation_dashboard(request: HttpRequest, ods_code: str, start_year: int) -> HttpResponse:
    """One organisation's dashboard for a year (the portfolio's drill-down): it becomes the working one, so the
    header and every other page follow. Another organisation's is not found."""
    organisation = organisations_for(request.user).filter(ods_code=ods_code).first()
    financial_year = FinancialYear.objects.filter(start_year=start_year).first()  # shared reference data
    if organisation is None or financial_year is None:
        raise Http404("No such organisation or year among yours.")
    follow_into(request, organisation, financial_year)
    return _dashboard(request, organisation, financial_year)


def _dashboard(request: HttpRequest, organisation: Organisation, year: FinancialYear) -> HttpResponse:
    """The dashboard as at the month asked for (`?month=1..12`), else the data month."""
    month = request.GET.get("month", "")
    chosen = int(month) if month.isdigit() and 1 <= int(month) <= 12 else None
    return render(request, "dashboards/dashboard.html", {
        "page": panels.dashboard_page(request.user, organisation, year, chosen), "chosen_month": chosen,
        "months": [(m, month_label(year.start_year, m)) for m in range(1, 13)]})


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """Every organisation of the user, one row each, each drilling down to its dashboard."""
    return render(request, "dashboards/portfolio.html", {"rows": portfolio_rows(request.user)})
