"""The board pack as one workbook: its sheets in the governing body's order and its document properties."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles.cell_style import StyleArray

from dashboards.exports.finance import budget_sheet, financial_risks_sheet
from dashboards.exports.formats import PackSheet, Style, month_name
from dashboards.exports.inputs import PackInputs
from dashboards.exports.registers import heat_map_sheet, improvement_plan_sheet, risk_register_sheet
from dashboards.exports.schemes import schemes_sheet, schemes_total_row, tracker_sheet
from dashboards.exports.summary import SheetTotals, summary_sheet

SHEETS = ("Summary", "Schemes", "Monthly tracker", "Budget variance", "Financial risks", "Risk register",
          "Risk heat map", "Improvement plan")


def board_pack(inputs: PackInputs) -> bytes:
    """The pack as .xlsx bytes. The Summary comes first but is written last: it points at the others' totals."""
    workbook = Workbook(write_only=True)  # rows streamed once each, styles shared (dashboards.exports.formats)
    styles: dict[Style, StyleArray] = {}
    sheets = {name: PackSheet(workbook.create_sheet(name), styles) for name in SHEETS}
    summary = sheets[SHEETS[0]]
    schemes_sheet(sheets["Schemes"], inputs)
    tracker = tracker_sheet(sheets["Monthly tracker"], inputs)
    budget_sheet(sheets["Budget variance"], inputs)
    financial = financial_risks_sheet(sheets["Financial risks"], inputs)
    risk_register_sheet(sheets["Risk register"], inputs)
    heat_map_sheet(sheets["Risk heat map"], inputs)
    improvement_plan_sheet(sheets["Improvement plan"], inputs)
    summary_sheet(summary, inputs, SheetTotals(schemes_total_row=schemes_total_row(inputs), tracker=tracker,
                                               financial_risks=financial))
    organisation = f"{inputs.organisation.name} ({inputs.organisation.ods_code})"
    workbook.properties.title = f"QIPP board pack {inputs.year.name} {month_name(inputs)}"
    workbook.properties.subject = organisation
    workbook.properties.creator = "QIPP portal"
    workbook.properties.description = f"{organisation}, {inputs.year.name}, {month_name(inputs)}. {inputs.source_note}"
    workbook.properties.keywords = f"QIPP; {inputs.organisation.ods_code}; {inputs.year.name}; M{inputs.month}"
    workbook.properties.category = "Board pack"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
