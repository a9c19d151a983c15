"""What every sheet of the board pack shares: number formats, fills, and writing, titling and finishing a sheet.

Formats finance expects: £ and £'000 with adverse in brackets, frozen headers, autofilters, landscape A4 fitted
to width with the title rows repeated and a footer naming the organisation, month and page. Text is always
written as text: a scheme called "=1+1" is never a formula.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from dashboards.exports.inputs import PackInputs
from governance.exports import excel_text
from governance.formatting import format_financial_month

POUNDS = '"£"#,##0;[Red]("£"#,##0);"–"'
POUNDS_K = '#,##0,;[Red](#,##0,);"–"'  # pounds shown in thousands, as the papers' £'000 tables
PERCENT = '0.0"%";[Red](0.0"%")'
WHOLE_PERCENT = '0"%";[Red](0"%")'
COUNT = "0"
DATE = "dd/mm/yyyy"
RAG_FILL = {"green": "007F3B", "amber": "FFB81C", "red": "D5281B"}
RAG_FONT = {"green": "FFFFFF", "amber": "212B32", "red": "FFFFFF"}
# The 5x5 matrix's bands (DOMAIN.md): Green 1-3, Yellow 4-6, Amber 8-12, Red 15-25; the cell says its band too.
BAND_FILL = {"Green": "007F3B", "Yellow": "FFEB3B", "Amber": "FFB81C", "Red": "D5281B"}
BAND_FONT = {"Green": "FFFFFF", "Yellow": "212B32", "Amber": "212B32", "Red": "FFFFFF"}
# The improvement plan's key: Complete, On-Track, Delayed, Reset Date, Not Started.
ACTION_FILL = {"Complete": "007F3B", "On-Track": "78BE20", "Delayed": "D5281B", "Reset Date": "FFB81C",
               "Not Started": "E8EDEE"}
ACTION_FONT = {"Complete": "FFFFFF", "On-Track": "212B32", "Delayed": "FFFFFF", "Reset Date": "212B32",
               "Not Started": "212B32"}
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EDEE")


def month_name(inputs: PackInputs) -> str:
    """"M10 (January 2014)": the month every sheet names."""
    return format_financial_month(inputs.month, inputs.year.start_year)


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Cell:
    """Write a value: strings always as text, money as Decimal (openpyxl writes it exactly as a number)."""
    cell = ws.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # the pack merges no cells
    if isinstance(value, str):
        excel_text(cell, value)  # the one safe writer of every export (governance.exports)
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def formula(ws: Worksheet, row: int, column: int, expression: str, number_format: str | None = None) -> Cell:
    """A formula the pack means (a total): the only way a cell starting with "=" is written."""
    cell = ws.cell(row=row, column=column, value=expression)
    assert isinstance(cell, Cell)
    if number_format:
        cell.number_format = number_format
    return cell


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def fill(cell: Cell, background: str, colour: str, *, bold: bool = True) -> None:
    cell.fill = PatternFill("solid", fgColor=background)
    cell.font = Font(color=colour, bold=bold)


def rag(cell: Cell, value: str) -> None:
    """A RAG rating as a coloured cell with its word (never the colour alone)."""
    excel_text(cell, value.capitalize() if value else "Not rated")
    if value in RAG_FILL:
        fill(cell, RAG_FILL[value], RAG_FONT[value])


def title(ws: Worksheet, inputs: PackInputs, heading: str) -> int:
    """The sheet's two title rows; returns the row to start on."""
    put(ws, 1, 1, f"{inputs.organisation.name} ({inputs.organisation.ods_code}): {heading}").font = Font(
        bold=True, size=14)
    put(ws, 2, 1, f"{inputs.year.name}, {month_name(inputs)}. Produced {inputs.produced_at:%d %B %Y %H:%M}. "
                  f"{inputs.source_note}")
    return 4


def header(ws: Worksheet, row: int, names: list[str], *, freeze_columns: int = 0) -> None:
    """The column headings: frozen (with the first `freeze_columns` columns) and repeated on every printed page."""
    for column, name in enumerate(names, 1):
        cell = put(ws, row, column, name)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{row + 1}"
    ws.print_title_rows = f"{row}:{row}"


def table_start(ws: Worksheet, inputs: PackInputs, explanation: str, names: list[str], *,
                freeze_columns: int = 0) -> int:
    """Under the title rows, a line saying what the table shows, then its frozen headings; returns their row."""
    note(ws, 4, explanation)
    header(ws, 6, names, freeze_columns=freeze_columns)
    return 6


def finish(ws: Worksheet, inputs: PackInputs, widths: list[int], header_row: int, last_row: int) -> None:
    """Widths, the autofilter over the table, A4 landscape fitted to one page wide, and the footer."""
    for column, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(column)].width = width
    if last_row > header_row:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(widths))}{last_row}"
    if not ws.print_title_rows:  # a sheet without a table (nothing recorded) repeats its title rows instead
        ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    footer = ws.oddFooter
    assert footer is not None  # openpyxl gives every sheet one
    footer.left.text = f"{inputs.organisation.name} ({inputs.organisation.ods_code})"
    footer.center.text = f"{inputs.year.name}, {month_name(inputs)}"
    footer.right.text = "Page &P of &N"


def note(ws: Worksheet, row: int, value: str) -> Cell:
    cell = put(ws, row, 1, value)
    cell.font = Font(italic=True)
    return cell
