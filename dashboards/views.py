from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finance.selectors import savings_gap
from schemes.selectors import scheme_register, totals_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    working = request.working  # type: ignore[attr-defined]
    context = {}
    if working.organisation and working.year:
        schemes = scheme_register(request.user, working.organisation, working.year)
        context = {
            "totals": totals_of(schemes),
            "gap": savings_gap(request.user, working.organisation, working.year),
        }
    return render(request, "dashboards/home.html", context)
