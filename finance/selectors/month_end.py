"""A month's scheme figures as they are shown for that month: the month-end report's snapshot where the month has
one, else today's stored figures.

One reader for every place that shows a month's figures, the governing-body dashboard (savings bridge, cumulative
delivery, RAG mix, programmes, budget variance) and the board pack (docs/adr/0004), so that the dashboard of a
reported month and that month's pack show what was reported, whatever has changed in the schemes since. Nothing is
recalculated from scheme inputs: the snapshot's stored figures and months are added up as the registers' are.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch, prefetch_related_objects

from finance.models import VarianceReportScheme
from finance.selectors.bridge import SavingsBridge, data_month, savings_bridge_of, year_to_date_and_outturn
from finance.selectors.reports import current_reports_with_lines, month_first_then_latest
from schemes import engine
from schemes.models import Rag
from schemes.selectors import (
    MonthTotals,
    RagMixRow,
    latest_closed_month,
    monthly_totals,
    programme_rollup,
    year_scheme_sums,
)

if TYPE_CHECKING:
    from finance.models import VarianceReport
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer

ZERO = Decimal("0")


@dataclass(frozen=True)
class MonthEndFigures:
    """The schemes' figures for a month, from the month's report as issued (`reported`) or as stored today."""

    month: int | None  # the month asked for, else the data month (the latest closed month, else the latest actual)
    report: VarianceReport | None  # the month's current month-end report (its budget table); None: none issued
    reported: bool  # the scheme figures are that report's snapshot (else today's stored figures)
    bridge: SavingsBridge
    months: list[MonthTotals]  # M1..M12 added up over the schemes
    rag_mix: list[RagMixRow]
    programmes: dict[str, engine.Totals]  # programme name -> its schemes' totals, in the register's order
    schemes: list[VarianceReportScheme]  # the snapshot's schemes in the report's order; empty when not reported
    # Asked for with `or_latest_report`: the month's report, else the latest month's current report (whose budget
    # table a dashboard shows, titled with its own month); None: no report issued this year.
    budget_report: VarianceReport | None = None


def month_end_figures(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None = None, *,
    or_latest_report: bool = False,
) -> MonthEndFigures:
    """The figures of `organisation`'s `year` as at `month` (default: the data month). A fixed number of queries.

    With `or_latest_report`, the same query finds the latest month's report where the month has none
    (`budget_report`)."""
    closed = latest_closed_month(user, organisation, year)
    live_months = monthly_totals(user, organisation, year) if month is None and closed is None else None
    chosen = month if month is not None else data_month(closed, live_months or [])
    reports = current_reports_with_lines(user, organisation, year)
    found = (reports.order_by(*month_first_then_latest(chosen)).first() if or_latest_report else
             None if chosen is None else reports.filter(month=chosen).first())
    report = found if found is not None and found.month == chosen else None
    if report is not None and report.schemes_stored:
        prefetch_related_objects([report], Prefetch("schemes", queryset=VarianceReportScheme.objects.order_by(
            "position")))
    month_closed = chosen is not None and closed is not None and chosen <= closed
    if report is None or not report.schemes_stored:
        months = live_months if live_months is not None else monthly_totals(user, organisation, year)
        sums = year_scheme_sums(user, organisation, year)
        return MonthEndFigures(
            month=chosen, report=report, reported=False,
            bridge=savings_bridge_of(user, organisation, year, chosen, month_closed=month_closed, months=months,
                                     sums=sums),
            months=months, rag_mix=sums.rag_mix,
            programmes=programme_rollup(user, organisation, year), schemes=[], budget_report=found)
    schemes = list(report.schemes.all())
    months = _month_totals(schemes)
    figures = [{name: getattr(scheme, name) for name in engine.OVERRIDABLE} for scheme in schemes]
    totals = engine.totals(figures)
    ytd, outturn = year_to_date_and_outturn(months, chosen)
    target = report.savings_target
    gross = sum((scheme.gross_saving for scheme in schemes), ZERO)
    bridge = SavingsBridge(
        month=chosen, month_closed=month_closed, target=target, identified_plan=totals.plan_in_year,
        most_likely=totals.most_likely, director_value=totals.director_value, ytd_actual=ytd,
        forecast_outturn=outturn, unidentified=None if target is None else target - gross, schemes=totals.schemes,
        figures_computed_at=None,  # the report's, as issued: `report.produced_at` says when
    )
    return MonthEndFigures(
        month=chosen, report=report, reported=True, bridge=bridge, months=months, rag_mix=_rag_mix(schemes),
        programmes=engine.rollup((scheme.programme, row) for scheme, row in zip(schemes, figures, strict=True)),
        schemes=schemes, budget_report=found)


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _month_totals(schemes: list[VarianceReportScheme]) -> list[MonthTotals]:
    """M1..M12 of the snapshot's schemes added up, as schemes.selectors.monthly_totals adds today's."""
    totals = []
    for index in range(12):
        stored = [scheme.months[index] for scheme in schemes if len(scheme.months) > index]
        plans = [_money(m["plan"]) or ZERO for m in stored]
        actuals = [actual for actual in (_money(m["actual"]) for m in stored) if actual is not None]
        forecasts = [_money(m["forecast"]) for m in stored]
        totals.append(MonthTotals(
            month=index + 1, plan=sum(plans, ZERO), actual=sum(actuals, ZERO) if actuals else None,
            forecast_or_plan=sum((plan if forecast is None else forecast for plan, forecast in zip(plans, forecasts,
                                                                                                  strict=True)),
                                 ZERO)))
    return totals


def _rag_mix(schemes: list[VarianceReportScheme]) -> list[RagMixRow]:
    """The snapshot's schemes by overall rating, Green to Red then unrated, as schemes.selectors.rag_mix."""
    rows = []
    for rag in (Rag.GREEN, Rag.AMBER, Rag.RED, ""):
        rated = [scheme for scheme in schemes if scheme.overall_rag == rag]
        rows.append(RagMixRow(rag=rag, schemes=len(rated),
                              plan_in_year=sum((scheme.plan_in_year for scheme in rated), ZERO),
                              most_likely=sum((scheme.most_likely for scheme in rated), ZERO)))
    return rows
