from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards import charts
from finance.selectors import month_end_report_for_dashboard, savings_gap
from governance.formatting import format_financial_month, month_label
from governance.middleware import working_of
from schemes.selectors import (
    latest_closed_month,
    monthly_totals,
    portfolio_summary,
    programme_rollup,
    programme_targets,
    rag_mix,
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
        organisation, year = working.organisation, working.year
        closed = latest_closed_month(request.user, organisation, year)
        totals = monthly_totals(request.user, organisation, year)
        with_actuals = [t.month for t in totals if t.actual is not None]
        data_month = closed or (max(with_actuals) if with_actuals else None)
        labels = [month_label(year.start_year, t.month).split(" ", 1)[1] for t in totals]  # "Apr-13"
        as_at = format_financial_month(data_month, year.start_year) if data_month else "no month yet"
        shown = [charts.cumulative_delivery(
            labels=labels, plan=[t.plan for t in totals], actual=[t.actual for t in totals],
            forecast_or_plan=[t.forecast_or_plan for t in totals], data_month=data_month, year_name=year.name,
            as_at=as_at,
        )]
        shown.append(charts.rag_mix(rows=[(r.rag, r.schemes, r.plan_in_year, r.most_likely)
                                          for r in rag_mix(request.user, organisation, year)],
                                    as_at=as_at, year_name=year.name))
        rollup = programme_rollup(request.user, organisation, year)
        if rollup:
            shown.append(charts.programme_delivery(
                rows=[(name, t.plan_in_year, t.most_likely, t.director_value) for name, t in rollup.items()],
                as_at=as_at, year_name=year.name))
        report = month_end_report_for_dashboard(request.user, organisation, year, data_month)
        if report is not None:
            shown.append(charts.budget_variance(
                rows=[(line.name, line.ytd_variance, line.forecast_variance) for line in report.lines.all()
                      if line.kind == "line"],
                as_at=format_financial_month(report.month, year.start_year), issue=report.issue))
        context = {
            "data_month": data_month, "data_month_closed": closed is not None,
            "computed_at": portfolio_summary(request.user, organisation, year).figures_computed_at,
            "charts": shown,
        }
    return render(request, "dashboards/dashboard.html", context)
