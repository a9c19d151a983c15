"""What a month-end report is made of: a batch's inputs read in a fixed number of queries, and the rows of each
report built from them as plain values (the budget table, the savings by programme, each scheme's snapshot).

Used by finance.services.reports, which computes and writes the reports; nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from finance import calculations
from finance.calculations import BudgetMonthFigures, BudgetRow
from finance.models import (
    BudgetLine,
    BudgetMonth,
    FinancialPlan,
    ReportRowKind,
)
from finance.selectors.budgets import BudgetTable
from governance.formatting import format_month
from schemes.models import FigureOverride, Scheme, SchemeMonth, SchemeRating

ROW_FIGURES = ("ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct", "forecast_plan", "forecast_actual",
               "forecast_variance", "forecast_variance_pct")
SCHEME_FIGURES = ("gross_saving", "full_year_effect", "plan_in_year", "next_year_effect", "most_likely",
                  "director_value", "director_next_year")
RATING_DIMENSIONS = ("value", "resources", "timescales", "codependencies", "overall")
PENNY = Decimal("0.01")
NIL_PLAN = BudgetMonthFigures(plan=Decimal("0"))
UNRECORDED_MONTH = {"plan": "0.00", "actual": None, "forecast": None}


def row_figures(row: BudgetRow) -> dict[str, Decimal | None]:
    return {name: getattr(row, name) for name in ROW_FIGURES}


def budget_rows(table: BudgetTable) -> list[dict[str, Any]]:
    """The budget table flattened in the paper's order: allocation, each section's lines and subtotal, totals."""
    rows: list[dict[str, Any]] = []
    for item in table.allocation:
        rows.append({"kind": ReportRowKind.ALLOCATION, "name": item.line.name, "section": "",
                     "commentary": item.line.commentary, **row_figures(item.row)})
    for section in table.sections:
        for item in section.lines:
            rows.append({"kind": ReportRowKind.LINE, "name": item.line.name, "section": section.name,
                         "commentary": item.line.commentary, **row_figures(item.row)})
        if section.subtotal is not None:
            rows.append({"kind": ReportRowKind.SUBTOTAL, "name": f"Total {section.name}", "section": section.name,
                         "commentary": "", **row_figures(section.subtotal)})
    if table.sections:
        rows.append({"kind": ReportRowKind.TOTAL, "name": "Total Expenditure", "section": "", "commentary": "",
                     **row_figures(table.expenditure)})
    if table.surplus is not None:
        rows.append({"kind": ReportRowKind.SURPLUS, "name": "In year surplus / (deficit)", "section": "",
                     "commentary": "", **row_figures(table.surplus)})
    return rows


# What the report copies of each scheme, read as plain values (no model instances: a batch holds thousands).
SCHEME_VALUES = ("pk", "organisation_id", "year_id", "reference", "programme__name", "name", "phase", "go_live",
                 "months_in_year", "delivery_change_months", *SCHEME_FIGURES)


@dataclass
class ReportInputs:
    """What a batch reads, by (organisation id, year id): a few queries for any number of organisations."""

    lines: dict[tuple[int, int], list[BudgetLine]]
    schemes: dict[tuple[int, int], list[dict[str, Any]]]  # in the report's order: programme name, reference
    months: dict[int, dict[int, tuple[Decimal, Decimal | None, Decimal | None]]]  # scheme -> month -> figures
    ratings: dict[int, dict[str, str]]  # scheme -> its latest rating's dimensions
    overrides: dict[int, dict[str, str]]  # scheme -> figure -> reason, for the overrides in force
    targets: dict[tuple[int, int], Decimal]


def report_inputs(organisation_ids: set[int], year_ids: set[int], wanted: set[tuple[int, int]]) -> ReportInputs:
    """Read the batch's budget lines (with months), schemes, scheme months, ratings, overrides and plans.

    Filtered by organisation and year (an index on both everywhere); a batch mixing years reads a few pairs it
    does not need, which are dropped here. The schemes' rows are read by their ids, not through a join: the
    index on scheme_id finds them whatever the planner estimates for the join (at national size, with stale
    statistics, it chose a parallel scan of every scheme month, 0.2-0.3 s a query).
    """
    of = {"organisation_id__in": organisation_ids, "year_id__in": year_ids}
    lines: dict[tuple[int, int], list[BudgetLine]] = defaultdict(list)
    for line in (BudgetLine.objects.filter(**of)
                 .prefetch_related(Prefetch("months", queryset=BudgetMonth.objects.order_by("month")))
                 .order_by("position", "id")):
        lines[(line.organisation_id, line.year_id)].append(line)
    schemes: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for scheme in Scheme.objects.filter(**of).order_by("programme__name", "reference").values(*SCHEME_VALUES):
        key = (scheme["organisation_id"], scheme["year_id"])
        if key in wanted:
            schemes[key].append(scheme)
    of_scheme = {"scheme_id__in": [scheme["pk"] for rows in schemes.values() for scheme in rows]}
    months: dict[int, dict[int, tuple[Decimal, Decimal | None, Decimal | None]]] = defaultdict(dict)
    for scheme_id, number, plan, actual, forecast in SchemeMonth.objects.filter(**of_scheme).order_by().values_list(
            "scheme_id", "month", "plan", "actual", "forecast"):
        months[scheme_id][number] = (plan, actual, forecast)
    # Each scheme's latest rating: newest sitting first, as schemes.selectors.latest_ratings.
    ratings: dict[int, dict[str, str]] = {}
    for rating in SchemeRating.objects.filter(**of_scheme).order_by("scheme_id", "-sitting__held_on", "-id").values(
            "scheme_id", *RATING_DIMENSIONS):
        ratings.setdefault(rating["scheme_id"], rating)
    overrides: dict[int, dict[str, str]] = defaultdict(dict)
    for scheme_id, figure, reason in FigureOverride.objects.filter(**of_scheme, cleared_at__isnull=True).values_list(
            "scheme_id", "figure", "reason"):
        overrides[scheme_id][figure] = reason
    targets: dict[tuple[int, int], Decimal] = {}
    for financial_plan in FinancialPlan.objects.filter(**of).order_by("pk"):  # one a year (a constraint)
        targets[(financial_plan.organisation_id, financial_plan.year_id)] = calculations.plan_position(
            financial_plan.allocation, financial_plan.planned_expenditure, financial_plan.planned_qipp
        ).qipp_commitment
    return ReportInputs(lines=lines, schemes=schemes, months=months, ratings=ratings, overrides=overrides,
                   targets=targets)


def savings_rows(schemes: list[dict[str, Any]], months: ReportInputs, month: int) -> tuple[list[dict[str, Any]], int]:
    """Scheme savings by programme (and the total) as at the month, from the schemes' stored months (a scheme
    with no month stored is not counted)."""
    rows_by_programme: dict[str, list[BudgetRow]] = defaultdict(list)
    for scheme in schemes:
        figures = months.months.get(scheme["pk"])
        if not figures:
            continue
        twelve = [NIL_PLAN if (stored := figures.get(n)) is None else
                  BudgetMonthFigures(plan=stored[0], actual=stored[1], forecast=stored[2]) for n in range(1, 13)]
        rows_by_programme[scheme["programme__name"]].append(calculations.savings_row(twelve, month))
    rows = [{"programme": name, "is_total": False, "schemes": len(scheme_rows),
             **row_figures(calculations.savings_rows_total(scheme_rows))}
            for name, scheme_rows in sorted(rows_by_programme.items())]
    every = [row for scheme_rows in rows_by_programme.values() for row in scheme_rows]
    if rows:
        rows.append({"programme": "Total", "is_total": True, "schemes": len(every),
                     **row_figures(calculations.savings_rows_total(every))})
    return rows, len(every)


def penny_text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(PENNY))


def scheme_snapshot_rows(schemes: list[dict[str, Any]], inputs: ReportInputs) -> list[dict[str, Any]]:
    """Every scheme as it stands, for the board pack of this month: figures, reasons for overrides, latest
    ratings and twelve months (pounds as decimal strings, never floats)."""
    rows = []
    for scheme in schemes:
        rating = inputs.ratings.get(scheme["pk"])
        stored = inputs.months.get(scheme["pk"], {})
        twelve = []
        for n in range(1, 13):
            figures = stored.get(n)
            twelve.append(UNRECORDED_MONTH.copy() if figures is None else {
                "plan": penny_text(figures[0]), "actual": penny_text(figures[1]),
                "forecast": penny_text(figures[2])})
        rows.append({
            "reference": scheme["reference"], "programme": scheme["programme__name"], "name": scheme["name"],
            "phase": scheme["phase"], "go_live": format_month(scheme["go_live"]) if scheme["go_live"] else "",
            "months_in_year": scheme["months_in_year"], "delivery_change_months": scheme["delivery_change_months"],
            **{name: scheme[name] for name in SCHEME_FIGURES},
            **{f"{d}_rag": (rating[d] if rating else "") for d in RATING_DIMENSIONS},
            "overrides": inputs.overrides.get(scheme["pk"], {}),
            "months": twelve,
        })
    return rows
