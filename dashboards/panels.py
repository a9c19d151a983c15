"""What a governing-body dashboard shows, gathered from the apps' selectors and drawn by the pure chart builders.

Every figure is a stored one (the recompute's scheme figures and months, month-end report snapshots, the registers
as saved); nothing is recalculated from inputs here. A month with a month-end report shows the schemes' figures as
that report stored them, read by the same selector as the board pack (finance.selectors.month_end_figures), so the
dashboard of a reported month and its pack agree whatever has changed since. The number of queries is fixed,
whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from dashboards import charts
from finance.calculations import Amounts
from finance.selectors import (
    financial_risk_summary_for_dashboard,
    month_end_figures,
)
from governance.formatting import format_financial_month, month_label
from governance.models import PlanUpdate
from governance.selectors import plan_actions, plan_as_at, plan_snapshot_rows, plan_update_detail
from risks.selectors import risk_summary

if TYPE_CHECKING:
    from finance.models import VarianceReport
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class DashboardPage:
    data_month: int | None
    data_month_closed: bool
    computed_at: datetime | None  # when the schemes' figures were last recomputed (None: reported, or never)
    charts: list[charts.Chart]
    reported_by: VarianceReport | None = None  # the month-end report whose stored scheme figures are shown


def dashboard_page(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None = None,
) -> DashboardPage:
    """The organisation's year as at `month` (default: the latest closed month, else the latest actual)."""
    figures = month_end_figures(user, organisation, year, month, or_latest_report=True)
    bridge, data_month, totals = figures.bridge, figures.month, figures.months
    labels = [month_label(year.start_year, t.month).split(" ", 1)[1] for t in totals]  # "Apr-13"
    as_at = format_financial_month(data_month, year.start_year) if data_month else "no month yet"
    shown = [
        charts.savings_bridge(
            target=bridge.target, identified_plan=bridge.identified_plan, most_likely=bridge.most_likely,
            director_value=bridge.director_value, ytd_actual=bridge.ytd_actual,
            forecast_outturn=bridge.forecast_outturn, unidentified=bridge.unidentified, as_at=as_at,
            year_name=year.name),
        charts.cumulative_delivery(
            labels=labels, plan=[t.plan for t in totals], actual=[t.actual for t in totals],
            forecast_or_plan=[t.forecast_or_plan for t in totals], data_month=data_month, year_name=year.name,
            as_at=as_at),
        charts.rag_mix(rows=[(r.rag, r.schemes, r.plan_in_year, r.most_likely) for r in figures.rag_mix],
                       as_at=as_at, year_name=year.name),
    ]
    if figures.programmes:
        shown.append(charts.programme_delivery(
            rows=[(name, t.plan_in_year, t.most_likely, t.director_value) for name, t in figures.programmes.items()],
            as_at=as_at, year_name=year.name))
    report = figures.budget_report  # the month's report, else the latest month's
    if report is not None:
        shown.append(charts.budget_variance(
            rows=[(line.name, line.ytd_variance, line.forecast_variance) for line in report.lines.all()
                  if line.kind == "line"],
            as_at=format_financial_month(report.month, year.start_year), issue=report.issue))
    shown += _risk_charts(user, organisation, year, data_month)
    shown += _plan_charts(user, organisation, year, data_month)
    return DashboardPage(data_month=data_month, data_month_closed=bridge.month_closed,
                         computed_at=bridge.figures_computed_at, charts=shown,
                         reported_by=figures.report if figures.reported else None)


def _risk_charts(
    user: Viewer, organisation: Organisation, year: FinancialYear, data_month: int | None,
) -> list[charts.Chart]:
    """The risk heat map and top risks, then the month's financial risks against mitigations.

    Risks are not kept month by month (each risk's history is on its page; no monthly register is stored, and the
    board pack shows today's register too: docs/adr/0004), so the heat map and top risks are today's register,
    titled with today's date, and say so beside a month the page shows. Financial risks are kept one register a
    month: the month's, else the latest before it (else the year's latest), titled with its own month, and said
    so where that is not the month shown.
    """
    shown = []
    summary = risk_summary(user, organisation, year)
    if summary.top or summary.unscored_current:
        day = f"{timezone.localdate():%-d %B %Y}"
        today = f"today, {day}"
        shown_month = format_financial_month(data_month, year.start_year) if data_month else None
        source = (f"Risks are not kept month by month: this is the register as it stands today ({day}), not as it "
                  f"stood at {shown_month}, the month the rest of this dashboard shows." if shown_month else
                  f"Risks are not kept month by month: this is the register as it stands today ({day}).")
        shown.append(charts.risk_heat_map(
            current=summary.current, target=summary.target, unscored_current=summary.unscored_current,
            unscored_target=summary.unscored_target, as_at=today, year_name=year.name, source=source))
        shown.append(charts.top_risks(risks=[
            charts.TopRisk(reference=risk.reference, title=risk.title, owner=risk.owner,
                           current=_pair(risk.current_likelihood, risk.current_impact),
                           target=_pair(risk.target_likelihood, risk.target_impact)) for risk in summary.top
        ], as_at=today, year_name=year.name, source=source))
    register = financial_risk_summary_for_dashboard(user, organisation, year, data_month)
    if register is not None:
        kept = register.month
        register_month = format_financial_month(kept, year.start_year)
        source = ""
        if data_month is not None and kept != data_month:
            asked = format_financial_month(data_month, year.start_year)
            source = (f"No financial risk register was kept for {asked}: this is the latest before it, "
                      f"{register_month}'s." if kept < data_month else f"No financial risk register was kept for "
                      f"{asked} or before: this is the year's latest, {register_month}'s.")
        shown.append(charts.financial_risks(
            risks=_side(register.risks), mitigations=_side(register.mitigations),
            shortfall=_side(register.shortfall), as_at=register_month, source=source))
    return shown


def _pair(likelihood: int | None, impact: int | None) -> tuple[int, int] | None:
    return None if likelihood is None or impact is None else (likelihood, impact)


def _side(amounts: Amounts) -> charts.RiskSide:
    return charts.RiskSide(total_value=amounts.total_value, assessed_value=amounts.assessed_value,
                           in_forecast=amounts.in_forecast, residual=amounts.residual)


def _plan_charts(
    user: Viewer, organisation: Organisation, year: FinancialYear, data_month: int | None,
) -> list[charts.Chart]:
    """The improvement plan as published for the data month if it was, else the plan as it stands."""
    rows: list[dict[str, Any]] | None = None
    if data_month is not None:
        try:
            update = plan_update_detail(user, organisation, year, data_month)
        except PlanUpdate.DoesNotExist:
            pass
        else:
            rows = list(update.rows)
            as_at = format_financial_month(data_month, year.start_year)
            source = f"As published in the {as_at} update on {update.published_at:%-d %B %Y}."
    if rows is None:
        day = plan_as_at(year, timezone.localdate())
        rows = plan_snapshot_rows(plan_actions(user, organisation, year), day)
        as_at = f"{day:%-d %B %Y}"
        source = "The plan as it stands (no monthly update is published for the data month); overdue as at that day."
    if not rows:
        return []
    return [charts.plan_progress(rows=rows, as_at=as_at, year_name=year.name, source=source),
            charts.plan_exceptions(rows=rows, as_at=as_at, year_name=year.name)]
