"""The monthly Excel board pack (openpyxl): what finance takes to the governing body.

Built from stored figures only: the register's stored scheme figures, and for the budget the month's current
month-end report (a snapshot), so a pack for a past month shows what was reported then. Formats finance expects:
£ with adverse in brackets, frozen headers, autofilters, landscape A4 fitted to width with repeating title rows
and a footer naming the organisation and month. Totals are Excel formulas. Text is always written as text: a
scheme called "=1+1" is never a formula.

Sheets so far: Summary, Schemes (the Bexley appendix layout), Budget variance. Still to come (issue 10): the
monthly tracker, financial risks and mitigations, the risk register with its heat map and the improvement plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from finance.models import VarianceReport
from governance.formatting import format_financial_month, format_month
from governance.models import FinancialYear, Organisation
from schemes.models import Figure, Scheme, SchemeRating

POUNDS = '"£"#,##0;[Red]("£"#,##0);"–"'
POUNDS_K = '#,##0,;[Red](#,##0,);"–"'  # pounds shown in thousands, as the papers' £'000 tables
PERCENT = '0.0"%";[Red](0.0"%")'
RAG_FILL = {"green": "007F3B", "amber": "FFB81C", "red": "D5281B"}
RAG_FONT = {"green": "FFFFFF", "amber": "212B32", "red": "FFFFFF"}
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EDEE")


@dataclass(frozen=True)
class PackInputs:
    """Everything the pack shows, read by the caller through the selectors (scoped to the user)."""

    organisation: Organisation
    year: FinancialYear
    month: int
    produced_at: datetime
    schemes: list[Scheme]  # register order, active overrides prefetched as `active_overrides`
    ratings: dict[int, SchemeRating]
    report: VarianceReport | None


def _text(cell: Cell, value: str) -> None:
    """A text cell that stays text: openpyxl would take "=..." as a formula, and Excel "+", "-" and "@" too."""
    cell.value = value
    cell.data_type = "s"
    if value[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True


def _put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Cell:
    cell = ws.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # the pack merges no cells
    if isinstance(value, str):
        _text(cell, value)
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _title(ws: Worksheet, inputs: PackInputs, heading: str) -> int:
    month = format_financial_month(inputs.month, inputs.year.start_year)
    _put(ws, 1, 1, f"{inputs.organisation.name} ({inputs.organisation.ods_code}): {heading}").font = Font(
        bold=True, size=14)
    _put(ws, 2, 1, f"{inputs.year.name}, {month}. Produced {inputs.produced_at:%d %B %Y %H:%M}.")
    return 4


def _header(ws: Worksheet, row: int, names: list[str]) -> None:
    for column, name in enumerate(names, 1):
        cell = _put(ws, row, column, name)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{row + 1}"
    ws.print_title_rows = f"{row}:{row}"


def _finish(ws: Worksheet, inputs: PackInputs, widths: list[int], header_row: int, last_row: int) -> None:
    for column, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(column)].width = width
    if last_row > header_row:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(widths))}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    month = format_financial_month(inputs.month, inputs.year.start_year)
    footer = ws.oddFooter
    assert footer is not None  # openpyxl gives every sheet one
    footer.left.text = f"{inputs.organisation.name} ({inputs.organisation.ods_code})"
    footer.center.text = f"{inputs.year.name}, {month}"
    footer.right.text = "Page &P of &N"


SCHEME_COLUMNS = [
    ("Ref", 8), ("Programme", 22), ("Scheme", 40), ("Phase", 7), ("Go-live", 9), ("Months", 8),
    ("Full-year effect (£)", 14), ("Plan this year (£)", 14), ("Plan next year (£)", 14),
    ("Value", 9), ("Resources", 10), ("Timescales", 10), ("Co-dependencies", 12), ("Overall", 9),
    ("Most likely (£)", 14), ("Change in delivery (months)", 11), ("Director's value this year (£)", 15),
    ("Director's value next year (£)", 15),
]
MONEY_COLUMNS = {7: "full_year_effect", 8: "plan_in_year", 9: "next_year_effect", 15: "most_likely",
                 17: "director_value", 18: "director_next_year"}
RATING_COLUMNS = {10: "value", 11: "resources", 12: "timescales", 13: "codependencies", 14: "overall"}


def _schemes_sheet(ws: Worksheet, inputs: PackInputs) -> None:
    row = _title(ws, inputs, "QIPP schemes")
    _header(ws, row, [name for name, _ in SCHEME_COLUMNS])
    header_row = row
    figure_names = dict(Figure.choices)
    for scheme in inputs.schemes:
        row += 1
        _put(ws, row, 1, scheme.reference)
        _put(ws, row, 2, scheme.programme.name)
        _put(ws, row, 3, scheme.name)
        _put(ws, row, 4, scheme.phase if scheme.phase is not None else "")
        _put(ws, row, 5, format_month(scheme.go_live) if scheme.go_live else "")
        _put(ws, row, 6, scheme.months_in_year)
        overrides = {o.figure: o for o in getattr(scheme, "active_overrides", [])}
        for column, name in MONEY_COLUMNS.items():
            cell = _put(ws, row, column, _money(getattr(scheme, name)), POUNDS)
            if name in overrides:
                override = overrides[name]
                cell.comment = Comment(f"{figure_names.get(name, name)} set by hand: {override.reason}", "QIPP portal")
                cell.font = Font(italic=True)
        rating = inputs.ratings.get(scheme.pk)
        for column, dimension in RATING_COLUMNS.items():
            rag = getattr(rating, dimension, "") if rating else ""
            cell = _put(ws, row, column, rag.capitalize() if rag else "Not rated")
            if rag in RAG_FILL:
                cell.fill = PatternFill("solid", fgColor=RAG_FILL[rag])
                cell.font = Font(color=RAG_FONT[rag], bold=True)
        _put(ws, row, 16, scheme.delivery_change_months)
    last = row
    row += 1
    _put(ws, row, 3, "Total").font = BOLD
    for column in MONEY_COLUMNS:
        letter = get_column_letter(column)
        cell = ws.cell(row=row, column=column, value=f"=SUM({letter}{header_row + 1}:{letter}{last})")
        cell.number_format = POUNDS
        cell.font = BOLD
    _put(ws, row + 2, 1, "Overridden figures are in italics, with the reason in the cell's comment. RAG ratings are "
                         "the latest panel sitting's; words as well as colours.")
    _finish(ws, inputs, [width for _, width in SCHEME_COLUMNS], header_row, last)


BUDGET_COLUMNS = [("Line", 34), ("YTD plan £'000", 13), ("YTD actual £'000", 13), ("YTD variance £'000", 13),
                  ("YTD %", 8), ("Full-year plan £'000", 13), ("Forecast outturn £'000", 13),
                  ("Forecast variance £'000", 13), ("Forecast %", 9)]


def _budget_sheet(ws: Worksheet, inputs: PackInputs) -> None:
    row = _title(ws, inputs, "Budget variance")
    report = inputs.report
    if report is None:
        _put(ws, row, 1, "No month-end report has been produced for this month.")
        _finish(ws, inputs, [width for _, width in BUDGET_COLUMNS], row, row)
        return
    _put(ws, row, 1, f"From the month-end report, issue {report.issue}, produced {report.produced_at:%d %B %Y %H:%M}"
                     f"{'' if report.is_current else ' (superseded)'}. Variance = plan - actual: spend under plan "
                     "is favourable; adverse in brackets.")
    row += 2
    _header(ws, row, [name for name, _ in BUDGET_COLUMNS])
    header_row = row
    for line in report.lines.all():
        row += 1
        cell = _put(ws, row, 1, line.name)
        total = line.kind not in ("line", "allocation")
        for column, name in enumerate(("ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct", "forecast_plan",
                                       "forecast_actual", "forecast_variance", "forecast_variance_pct"), 2):
            value = getattr(line, name)
            target = _put(ws, row, column, value, PERCENT if name.endswith("_pct") else POUNDS_K)
            if total:
                target.font = BOLD
        if total:
            cell.font = BOLD
    _finish(ws, inputs, [width for _, width in BUDGET_COLUMNS], header_row, row)


def _summary_sheet(ws: Worksheet, inputs: PackInputs) -> None:
    row = _title(ws, inputs, "QIPP board pack")
    _header(ws, row, ["Figure", "Amount (£)", "What it is"])
    header_row = row
    schemes_sheet = "'Schemes'"
    last = 4 + len(inputs.schemes) + 1  # the Schemes sheet's total row
    for label, column, meaning in (
        ("In-year plan", "H", "Full-year effect phased from each scheme's go-live month"),
        ("Most likely", "O", "Plan adjusted by the RAG panel's overall rating"),
        ("Director's value", "Q", "Most likely moved by the director's change in delivery"),
        ("Next-year effect", "I", "Full-year effect not delivered this year, saved the year after"),
    ):
        row += 1
        _put(ws, row, 1, label)
        ws.cell(row=row, column=2, value=f"={schemes_sheet}!{column}{last}").number_format = POUNDS
        _put(ws, row, 3, meaning)
    row += 2
    _put(ws, row, 1, f"Schemes: {len(inputs.schemes)}. Month: "
                     f"{format_financial_month(inputs.month, inputs.year.start_year)}.")
    _finish(ws, inputs, [34, 16, 70], header_row, header_row)


def board_pack(inputs: PackInputs) -> bytes:
    """The pack as .xlsx bytes."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None  # a new workbook always has its first sheet
    summary.title = "Summary"
    _summary_sheet(summary, inputs)
    _schemes_sheet(workbook.create_sheet("Schemes"), inputs)
    _budget_sheet(workbook.create_sheet("Budget variance"), inputs)
    month = format_financial_month(inputs.month, inputs.year.start_year)
    workbook.properties.title = f"QIPP board pack {inputs.year.name} {month}"
    workbook.properties.subject = f"{inputs.organisation.name} ({inputs.organisation.ods_code})"
    workbook.properties.creator = "QIPP portal"
    workbook.properties.keywords = f"QIPP; {inputs.organisation.ods_code}; {inputs.year.name}; M{inputs.month}"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pack_inputs(
    user: Any, organisation: Organisation, year: FinancialYear, month: int, *, produced_at: datetime,
) -> PackInputs:
    """What the pack shows, read through the selectors scoped to `user`; `user=None` is the shell's board_pack
    command, whose operator can read every organisation already (it reads the same rows, unscoped)."""
    from finance.selectors import variance_reports_for
    from schemes.models import FigureOverride
    from schemes.selectors import latest_ratings, register_rows

    schemes: list[Scheme]
    reports: QuerySet[VarianceReport]
    if user is None:
        active = FigureOverride.objects.filter(cleared_at__isnull=True)
        unscoped: QuerySet[Scheme] = (
            Scheme.objects.filter(organisation=organisation, year=year).select_related("programme")
            .prefetch_related(Prefetch("overrides", queryset=active, to_attr="active_overrides"))
            .order_by("programme__name", "reference"))
        schemes = list(unscoped)
        reports = VarianceReport.objects.all()
    else:
        schemes = list(register_rows(user, organisation, year))
        reports = variance_reports_for(user)
    report = (reports.filter(organisation=organisation, year=year, month=month, is_current=True)
              .prefetch_related("lines").first())
    return PackInputs(organisation=organisation, year=year, month=month, produced_at=produced_at, schemes=schemes,
                      ratings=latest_ratings(schemes), report=report)
