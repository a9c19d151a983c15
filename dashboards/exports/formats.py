"""What every sheet of the board pack shares: number formats, cell styles, and writing, titling and finishing a sheet.

Formats finance expects: £ and £'000 with adverse in brackets, frozen headers, autofilters, landscape A4 fitted
to width with the title rows repeated and a footer naming the organisation, month and page. Text is always
written as text: a scheme called "=1+1" is never a formula.

The pack is written with openpyxl's write-only mode (docs/performance.md): a `PackSheet` keeps its cells by row
until `finish`, then streams them in order, after the widths and frozen panes that a write-only sheet writes
before its first row. Each cell's look is a `Style`, registered once a workbook as a named style, so no cell
builds or hashes a Font or a Fill of its own. The pack merges no cells (write-only sheets cannot).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
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
FORMAT_NAMES = {POUNDS: "£", POUNDS_K: "£'000", PERCENT: "%", WHOLE_PERCENT: "whole %", COUNT: "count",
                DATE: "date"}
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
HEADER_BACKGROUND = "E8EDEE"


@dataclass(frozen=True)
class Style:
    """How a cell looks: its number format, font, fill and alignment (the defaults: Excel's plain cell)."""

    number_format: str | None = None
    bold: bool = False
    italic: bool = False
    size: int | None = None
    colour: str | None = None
    background: str | None = None
    wrap: bool = False
    horizontal: str | None = None
    vertical: str | None = None

    @property
    def name(self) -> str:
        """The named style's name, from every field that is not the default: two looks never share one."""
        parts = [FORMAT_NAMES.get(self.number_format, self.number_format) if self.number_format else "",
                 "bold" if self.bold else "", "italic" if self.italic else "", f"{self.size} pt" if self.size else "",
                 f"{self.colour} text" if self.colour else "", f"on {self.background}" if self.background else "",
                 "wrapped" if self.wrap else "", f"{self.horizontal}" if self.horizontal else "",
                 f"{self.vertical}" if self.vertical else ""]
        return "QIPP pack: " + (", ".join(part for part in parts if part) or "plain")

    def named(self) -> NamedStyle:
        style = NamedStyle(name=self.name, font=Font(bold=self.bold or None, italic=self.italic or None,
                                                     size=self.size, color=self.colour))
        if self.background:
            style.fill = PatternFill("solid", fgColor=self.background)
        if self.wrap or self.horizontal or self.vertical:
            style.alignment = Alignment(wrap_text=self.wrap or None, horizontal=self.horizontal,
                                        vertical=self.vertical)
        if self.number_format:
            style.number_format = self.number_format
        return style


PLAIN = Style()
BOLD = Style(bold=True)
ITALIC = Style(italic=True)
WRAPPED = Style(wrap=True, vertical="top")
HEADER = Style(bold=True, background=HEADER_BACKGROUND, wrap=True, vertical="top")


@cache
def formatted(style: Style, number_format: str | None) -> Style:
    return style if number_format is None else replace(style, number_format=number_format)


@cache
def filled(background: str, colour: str, *, bold: bool = True) -> Style:
    """A coloured cell (a RAG rating, a band) whose words say what the colour does."""
    return Style(bold=bold, colour=colour, background=background)


class PackSheet:
    """One sheet of the pack: cells kept by row until `finish` writes them, in order, to a write-only sheet.

    `sheet` is openpyxl's write-only worksheet; `settings` its frozen panes, widths and print setup.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, styles: dict[Style, StyleArray]) -> None:
        self.sheet = sheet
        self._styles = styles  # the workbook's named styles so far (shared by its sheets), as their indexes
        self._rows: dict[int, dict[int, Cell]] = defaultdict(dict)

    @property
    def settings(self) -> Worksheet:
        """The sheet's widths, panes and print setup: a write-only sheet has a worksheet's own, made by the same
        code (Worksheet._setup), which openpyxl's type stubs do not declare on it."""
        return cast(Worksheet, self.sheet)

    def cell(self, row: int, column: int, style: Style) -> Cell:
        if style is PLAIN:
            cell = Cell(self.sheet, row=row, column=column)  # what openpyxl's WriteOnlyCell is
        else:
            indexes = self._styles.get(style)
            if indexes is None:
                workbook = self.sheet.parent
                assert isinstance(workbook, Workbook)
                named = style.named()
                workbook.add_named_style(named)  # registers its font, fill, alignment and format once
                indexes = self._styles[style] = named.as_tuple()
            # The named style's indexes, copied (as `cell.style = name` does): no Font or Fill built or hashed.
            cell = Cell(self.sheet, row=row, column=column, style_array=indexes)
        self._rows[row][column] = cell
        return cell

    def write(self) -> None:
        """Stream the rows, top to bottom (an empty list for a row with no cells). A cell with no style and no
        comment goes as its value, which openpyxl writes the same way (text that could read as a formula always
        has a style: excel_text marks it quote-prefixed), without the cost of taking a cell apart."""
        for number in range(1, max(self._rows, default=0) + 1):
            cells = self._rows.get(number)
            row: list[Any] = [None] * max(cells, default=0) if cells else []
            for column, cell in (cells or {}).items():
                row[column - 1] = cell if cell.has_style or cell.comment is not None else cell.value
            self.sheet.append(row)
        self._rows.clear()


def month_name(inputs: PackInputs) -> str:
    """"M10 (January 2014)": the month every sheet names."""
    return format_financial_month(inputs.month, inputs.year.start_year)


def put(ws: PackSheet, row: int, column: int, value: Any, number_format: str | None = None,
        style: Style = PLAIN) -> Cell:
    """Write a value: strings always as text, money as Decimal (openpyxl writes it exactly as a number)."""
    cell = ws.cell(row, column, formatted(style, number_format))  # the style first: excel_text may add to it
    if isinstance(value, str):
        excel_text(cell, value)  # the one safe writer of every export (governance.exports)
    else:
        cell.value = value
    return cell


def formula(ws: PackSheet, row: int, column: int, expression: str, number_format: str | None = None,
            style: Style = PLAIN) -> Cell:
    """A formula the pack means (a total): the only way a cell starting with "=" is written."""
    cell = ws.cell(row, column, formatted(style, number_format))
    cell.value = expression
    return cell


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def rag(ws: PackSheet, row: int, column: int, value: str) -> Cell:
    """A RAG rating as a coloured cell with its word (never the colour alone)."""
    style = filled(RAG_FILL[value], RAG_FONT[value]) if value in RAG_FILL else PLAIN
    return put(ws, row, column, value.capitalize() if value else "Not rated", style=style)


def title(ws: PackSheet, inputs: PackInputs, heading: str) -> int:
    """The sheet's two title rows; returns the row to start on."""
    put(ws, 1, 1, f"{inputs.organisation.name} ({inputs.organisation.ods_code}): {heading}",
        style=Style(bold=True, size=14))
    put(ws, 2, 1, f"{inputs.year.name}, {month_name(inputs)}. Produced {inputs.produced_at:%d %B %Y %H:%M}. "
                  f"{inputs.source_note}")
    return 4


def header(ws: PackSheet, row: int, names: list[str], *, freeze_columns: int = 0) -> None:
    """The column headings: frozen (with the first `freeze_columns` columns) and repeated on every printed page."""
    for column, name in enumerate(names, 1):
        put(ws, row, column, name, style=HEADER)
    ws.settings.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{row + 1}"
    ws.settings.print_title_rows = f"{row}:{row}"


def table_start(ws: PackSheet, inputs: PackInputs, explanation: str, names: list[str], *,
                freeze_columns: int = 0) -> int:
    """Under the title rows, a line saying what the table shows, then its frozen headings; returns their row."""
    note(ws, 4, explanation)
    header(ws, 6, names, freeze_columns=freeze_columns)
    return 6


def finish(ws: PackSheet, inputs: PackInputs, widths: list[int], header_row: int, last_row: int) -> None:
    """Widths, the autofilter over the table, A4 landscape fitted to one page wide, and the footer; then the
    sheet's rows are written (a write-only sheet writes its widths and panes before its first row)."""
    sheet = ws.settings
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    if last_row > header_row:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(widths))}{last_row}"
    if not sheet.print_title_rows:  # a sheet without a table (nothing recorded) repeats its title rows instead
        sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    footer = sheet.oddFooter
    assert footer is not None  # openpyxl gives every sheet one
    footer.left.text = f"{inputs.organisation.name} ({inputs.organisation.ods_code})"
    footer.center.text = f"{inputs.year.name}, {month_name(inputs)}"
    footer.right.text = "Page &P of &N"
    ws.write()


def note(ws: PackSheet, row: int, value: str) -> Cell:
    return put(ws, row, 1, value, style=ITALIC)
