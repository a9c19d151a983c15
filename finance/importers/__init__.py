"""Import a ledger (budget lines' monthly plan, actual and forecast) from a CSV file or an Excel workbook.

Long layout: one row per budget line and month, columns Budget line, Month, Plan, Actual, Forecast (headings
matched ignoring case and spacing; title rows may sit above them). Reading (`read_ledger`) is pure and
collects every problem by sheet, row and column; checking (`ledger_check`) compares the file with what is
saved and writes nothing; importing (`ledger_import`) saves all or nothing in one transaction through the
budget services and keeps a record of the import. Re-importing the same file changes nothing.

By concern: `reading` (the file: CSV or .xlsx, months, money), `ledger` (the preview and the import).
"""

from finance.importers.ledger import FigureChange, LedgerPlan, LinePlan, ledger_check, ledger_import
from finance.importers.reading import (
    COLUMNS,
    LIMITS_IN_WORDS,
    LedgerRow,
    ParsedLedger,
    money,
    month_number,
    read_ledger,
)
from schemes.importers import WorkbookInvalid, describe, size_problem

__all__ = [
    "COLUMNS", "LIMITS_IN_WORDS", "FigureChange", "LedgerPlan", "LedgerRow", "LinePlan", "ParsedLedger",
    "WorkbookInvalid", "describe", "ledger_check", "ledger_import", "money", "month_number", "read_ledger",
    "size_problem",
]
