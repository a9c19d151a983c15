"""The month-end variance report: produce a month's snapshot, as one transaction, from the budget and the schemes."""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from finance import calculations
from finance.calculations import BudgetMonthFigures, BudgetRow
from finance.models import (
    BudgetLine,
    BudgetMonth,
    FinancialPlan,
    ReportRowKind,
    VarianceReport,
    VarianceReportLine,
    VarianceReportSaving,
    VarianceReportScheme,
)
from finance.selectors.budgets import BudgetTable, budget_table_of
from governance.formatting import format_month
from governance.models import FinancialYear, Organisation
from governance.permissions import Action, require
from schemes.models import FigureOverride, Scheme, SchemeMonth
from schemes.selectors import latest_ratings

if TYPE_CHECKING:
    from governance.permissions import Actor

ROW_FIGURES = ("ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct", "forecast_plan", "forecast_actual",
               "forecast_variance", "forecast_variance_pct")


def _figures(row: BudgetRow) -> dict[str, Decimal | None]:
    return {name: getattr(row, name) for name in ROW_FIGURES}


def _budget_rows(table: BudgetTable) -> list[dict[str, Any]]:
    """The budget table flattened in the paper's order: allocation, each section's lines and subtotal, totals."""
    rows: list[dict[str, Any]] = []
    for item in table.allocation:
        rows.append({"kind": ReportRowKind.ALLOCATION, "name": item.line.name, "section": "",
                     "commentary": item.line.commentary, **_figures(item.row)})
    for section in table.sections:
        for item in section.lines:
            rows.append({"kind": ReportRowKind.LINE, "name": item.line.name, "section": section.name,
                         "commentary": item.line.commentary, **_figures(item.row)})
        if section.subtotal is not None:
            rows.append({"kind": ReportRowKind.SUBTOTAL, "name": f"Total {section.name}", "section": section.name,
                         "commentary": "", **_figures(section.subtotal)})
    if table.sections:
        rows.append({"kind": ReportRowKind.TOTAL, "name": "Total Expenditure", "section": "", "commentary": "",
                     **_figures(table.expenditure)})
    if table.surplus is not None:
        rows.append({"kind": ReportRowKind.SURPLUS, "name": "In year surplus / (deficit)", "section": "",
                     "commentary": "", **_figures(table.surplus)})
    return rows


def _savings_rows(organisation: Organisation, year: FinancialYear, month: int) -> tuple[list[dict[str, Any]], int]:
    """Scheme savings by programme (and the total) as at the month, from every scheme's stored months."""
    by_scheme: dict[int, dict[int, BudgetMonthFigures]] = defaultdict(dict)
    programme_of: dict[int, str] = {}
    months = SchemeMonth.objects.filter(scheme__organisation=organisation, scheme__year=year).values_list(
        "scheme_id", "scheme__programme__name", "month", "plan", "actual", "forecast")
    for scheme_id, programme, number, plan, actual, forecast in months:
        by_scheme[scheme_id][number] = BudgetMonthFigures(plan=plan, actual=actual, forecast=forecast)
        programme_of[scheme_id] = programme
    rows_by_programme: dict[str, list[BudgetRow]] = defaultdict(list)
    for scheme_id, figures in by_scheme.items():
        twelve = [figures.get(n, BudgetMonthFigures(plan=Decimal("0"))) for n in range(1, 13)]
        rows_by_programme[programme_of[scheme_id]].append(calculations.savings_row(twelve, month))
    rows = [{"programme": name, "is_total": False, "schemes": len(scheme_rows),
             **_figures(calculations.savings_rows_total(scheme_rows))}
            for name, scheme_rows in sorted(rows_by_programme.items())]
    if rows:
        every = [row for scheme_rows in rows_by_programme.values() for row in scheme_rows]
        rows.append({"programme": "Total", "is_total": True, "schemes": len(every),
                     **_figures(calculations.savings_rows_total(every))})
    return rows, len(by_scheme)


SCHEME_FIGURES = ("gross_saving", "full_year_effect", "plan_in_year", "next_year_effect", "most_likely",
                  "director_value", "director_next_year")
RATING_DIMENSIONS = ("value", "resources", "timescales", "codependencies", "overall")


def _penny_text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _scheme_rows(organisation: Organisation, year: FinancialYear) -> list[dict[str, Any]]:
    """Every scheme as it stands, for the board pack of this month: figures, reasons for overrides, latest
    ratings and twelve months (four queries, whatever the number of schemes)."""
    active = FigureOverride.objects.filter(cleared_at__isnull=True)
    schemes = list(Scheme.objects.filter(organisation=organisation, year=year).select_related("programme")
                   .prefetch_related(Prefetch("overrides", queryset=active, to_attr="active_overrides"))
                   .order_by("programme__name", "reference"))
    ratings = latest_ratings(schemes)
    months: dict[int, dict[int, dict[str, str | None]]] = defaultdict(dict)
    for scheme_id, number, plan, actual, forecast in SchemeMonth.objects.filter(
            scheme__in=[s.pk for s in schemes]).values_list("scheme_id", "month", "plan", "actual", "forecast"):
        months[scheme_id][number] = {"plan": _penny_text(plan), "actual": _penny_text(actual),
                                     "forecast": _penny_text(forecast)}
    rows = []
    for scheme in schemes:
        rating = ratings.get(scheme.pk)
        rows.append({
            "reference": scheme.reference, "programme": scheme.programme.name, "name": scheme.name,
            "phase": scheme.phase, "go_live": format_month(scheme.go_live) if scheme.go_live else "",
            "months_in_year": scheme.months_in_year, "delivery_change_months": scheme.delivery_change_months,
            **{name: getattr(scheme, name) for name in SCHEME_FIGURES},
            **{f"{d}_rag": (getattr(rating, d) if rating else "") for d in RATING_DIMENSIONS},
            "overrides": {o.figure: o.reason for o in getattr(scheme, "active_overrides", [])},
            "months": [months[scheme.pk].get(n, {"plan": "0.00", "actual": None, "forecast": None})
                       for n in range(1, 13)],
        })
    return rows


def _savings_target(organisation: Organisation, year: FinancialYear) -> Decimal | None:
    plan = FinancialPlan.objects.filter(organisation=organisation, year=year).first()
    if plan is None:
        return None
    return calculations.plan_position(plan.allocation, plan.planned_expenditure, plan.planned_qipp).qipp_commitment


def _pause_for_tests() -> None:
    """Integration tests kill a worker here, mid-report, to prove the snapshot is all or nothing (0 = no pause)."""
    seconds = float(getattr(settings, "MONTH_END_REPORT_TEST_PAUSE", 0) or 0)
    if seconds > 0:
        time.sleep(seconds)


@transaction.atomic
def month_end_report_produce(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, month: int,
    job_run: Any = None,
) -> VarianceReport:
    """Issue the month's variance report: the budget table and scheme savings as they stand, as issue n+1, with
    every scheme's figures, ratings and months and the savings target, so the month's board pack reads them.

    One transaction: a failure part-way leaves no snapshot and the previous issue current. A retried job
    (the same `job_run`) that already produced its report returns that report, never a second issue.
    """
    if actor is not None:
        require(actor, Action.KEEP_BUDGETS, organisation)
    if not 1 <= month <= 12:
        raise ValidationError({"month": [f"Choose a month from M1 (April) to M12 (March), not {month}."]})
    if job_run is not None:
        done = VarianceReport.objects.filter(job_run_id=job_run.pk).first()
        if done is not None:
            return done
    # Lock the organisation's row so two reissues of the same month take turns (the issue number is max + 1).
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    lines = list(BudgetLine.objects.filter(organisation=organisation, year=year)
                 .prefetch_related(Prefetch("months", queryset=BudgetMonth.objects.order_by("month")))
                 .order_by("position", "id"))
    budget = _budget_rows(budget_table_of(lines, organisation, year, month))
    savings, schemes = _savings_rows(organisation, year, month)
    if not budget and not savings:
        raise ValidationError(f"{organisation.name} has no budget lines and no schemes for {year}: there is "
                              "nothing to report yet.")
    issues = VarianceReport.objects.filter(organisation=organisation, year=year, month=month)
    last = issues.order_by("-issue").values_list("issue", flat=True).first() or 0
    issues.filter(is_current=True).update(is_current=False)
    report = VarianceReport.objects.create(
        organisation=organisation, year=year, month=month, issue=last + 1, is_current=True,
        produced_at=timezone.now(), produced_by=actor if getattr(actor, "is_active", False) else None,
        job_run_id=None if job_run is None else job_run.pk, budget_lines_read=len(lines), schemes_read=schemes,
        schemes_stored=True, savings_target=_savings_target(organisation, year),
    )
    VarianceReportLine.objects.bulk_create(
        VarianceReportLine(report=report, position=position, **row) for position, row in enumerate(budget, 1))
    _pause_for_tests()
    VarianceReportSaving.objects.bulk_create(
        VarianceReportSaving(report=report, position=position, **row) for position, row in enumerate(savings, 1))
    VarianceReportScheme.objects.bulk_create(
        VarianceReportScheme(report=report, position=position, **row)
        for position, row in enumerate(_scheme_rows(organisation, year), 1))
    return report
