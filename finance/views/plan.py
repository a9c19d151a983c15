"""The financial plan page: the year's plan line by line, with the savings gap it sets QIPP (read-only here)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finance import selectors
from governance.middleware import working_of

# Column headings as the paper prints them (Cambridgeshire 2018/19), in selectors.PLAN_COLUMNS order.
COLUMN_HEADINGS = (
    "Last year's forecast outturn", "Recurrent exit position", "Increase in allocation", "Tariff inflator / inflation",
    "Growth", "MHIS and GPFV", "Other recurrent investments", "Non-recurrent investments", "Contingency",
    "Other reserves", "Planned QIPP", "Plan for the year",
)


@login_required
def financial_plan(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html")
    table = selectors.financial_plan_table(request.user, working.organisation, working.year)
    return render(request, "finance/financial_plan.html", {
        "table": table, "headings": COLUMN_HEADINGS, "organisation": working.organisation, "year": working.year,
    })
