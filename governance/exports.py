"""The one way every export writes text (the register's CSV, the board pack's workbook): formula-looking text stays
text, so a scheme called "=HYPERLINK(...)" or "@SUM(A1)" never runs when finance opens the file (CSV injection).

A spreadsheet program takes a cell starting =, +, - or @ (and tab or carriage return, which some strip first) as a
formula. In a CSV file such text is written after an apostrophe, which Excel and LibreOffice show as the text alone;
numbers (an amount of -1,234.50, say) are written as they are. In a workbook the cell is a string cell, marked
quote-prefixed so that editing it in Excel keeps it text. `tests/unit/test_export_formulas.py` checks every export.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from openpyxl.cell.cell import Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def csv_cell(value: object) -> str:
    """A value as a CSV cell: numbers as they are, formula-looking text after an apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, int | float | Decimal) or not text.startswith(FORMULA_START) or _NUMBER.fullmatch(text):
        return text
    return f"'{text}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Rows as CSV lines, every cell through csv_cell (for a streaming response)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def excel_text(cell: Cell, value: str) -> None:
    """A workbook cell that stays text: openpyxl would write "=..." as a formula, and Excel take "+", "-", "@" so."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
