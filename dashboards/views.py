from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards import panels
from finance.selectors import savings_gap
from governance.middleware import working_of
from schemes.selectors import (
    latest_closed_month,
    portfolio_summary,
    programme_rollup,
    programme_targets,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The working organisation's year at a glance: totals, savings gap, RAG mix."""
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
    context: dict[str, object] = {}
    if working.organisation and working.year:
        context = {"page": panels.dashboard_page(request.user, working.organisation, working.year)}
    return render(request, "dashboards/dashboard.html", context)
