"""Workbooks built or edited by tests."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet


def active_sheet(book: Workbook) -> Worksheet:
    """The sheet a workbook opens on: a worksheet in every workbook the tests make (never a chart sheet)."""
    sheet = book.active
    assert isinstance(sheet, Worksheet), sheet
    return sheet
