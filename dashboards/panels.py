"""What a governing-body dashboard shows, gathered from the apps' selectors and drawn by the pure chart builders.

Every figure is a stored one (the recompute's scheme figures and months, month-end report snapshots, the registers
as saved); nothing is recalculated from inputs here. The number of queries is fixed, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from dashboards import charts
from finance.selectors import month_end_report_for_dashboard, savings_bridge
from governance.formatting import format_financial_month, month_label
from schemes.selectors import monthly_totals, programme_rollup, rag_mix

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class DashboardPage:
    data_month: int | None
    data_month_closed: bool
    computed_at: datetime | None  # when the schemes' figures were last recomputed
    charts: list[charts.Chart]


def dashboard_page(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None = None,
) -> DashboardPage:
    """The organisation's year as at `month` (default: the latest closed month, else the latest actual)."""
    bridge = savings_bridge(user, organisation, year, month)
    data_month = bridge.month
    totals = monthly_totals(user, organisation, year)
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
        charts.rag_mix(rows=[(r.rag, r.schemes, r.plan_in_year, r.most_likely)
                             for r in rag_mix(user, organisation, year)], as_at=as_at, year_name=year.name),
    ]
    rollup = programme_rollup(user, organisation, year)
    if rollup:
        shown.append(charts.programme_delivery(
            rows=[(name, t.plan_in_year, t.most_likely, t.director_value) for name, t in rollup.items()],
            as_at=as_at, year_name=year.name))
    report = month_end_report_for_dashboard(user, organisation, year, data_month)
    if report is not None:
        shown.append(charts.budget_variance(
            rows=[(line.name, line.ytd_variance, line.forecast_variance) for line in report.lines.all()
                  if line.kind == "line"],
            as_at=format_financial_month(report.month, year.start_year), issue=report.issue))
    return DashboardPage(data_month=data_month, data_month_closed=bridge.month_closed,
                         computed_at=bridge.figures_computed_at, charts=shown)
