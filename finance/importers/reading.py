"""Reading a ledger file (CSV or .xlsx) into plain rows and a list of problems. Pure: no database.

pandas reads the cells as text (`dtype=str`, `keep_default_na=False`), so no amount passes through a float
on our side: each is parsed to an exact Decimal (governance.money.parse_pounds). The file's limits and the
checks made before an .xlsx is unpacked are the scheme importer's (schemes.importers), imported, not copied.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

import pandas as pd
from openpyxl.utils import get_column_letter

from governance.formatting import MONTH_NAMES
from governance.money import money_problem, parse_pounds
from governance.services import file_checksum
from schemes.importers import (
    CHECK_SECONDS,
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_WORDS,
    Problem,
    WorkbookInvalid,
    check_workbook,
    content_of,
    csv_text,
    is_workbook,
    normalise,
)

COLUMNS = ("Budget line", "Month", "Plan", "Actual", "Forecast")
KEYS = {normalise(label): label for label in COLUMNS}
LINE_NAME_LIMIT = 200  # BudgetLine.name
MONEY_COLUMNS = ("Plan", "Actual", "Forecast")
READ_ROWS = MAX_ROWS + HEADER_SEARCH_ROWS + 1  # of a sheet: a table at the header's lowest place, and one more
LIMITS_IN_WORDS = (f"a CSV file or an Excel workbook (.xlsx) of up to {MAX_UPLOAD_WORDS} and {MAX_ROWS:,} rows; "
                   f"checking a file stops after {CHECK_SECONDS:.0f} seconds")

_MONTH_NUMBER = re.compile(r"^m(?:onth)?\s*0?(\d{1,2})$")
# "Apr-19", "Apr 2019", "April 2019", "Sept-18" (and the day-first dates a spreadsheet may print).
_MONTH_LABEL = re.compile(r"^(?:\d{1,2}[\s/-]+)?([a-z]{3,9})[\s/.-]*'?(\d{2}|\d{4})$")
# A real date cell of an .xlsx, as pandas writes it as text.
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?$")
_CALENDAR = {name[:3].lower(): number for number, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"), start=1)}


@dataclass(frozen=True)
class LedgerRow:
    """One line-month of the file: where it is (for messages) and its exact figures (None = not yet known)."""

    row: int
    line: str
    month: int  # M1 = April
    plan: Decimal
    actual: Decimal | None
    forecast: Decimal | None


@dataclass
class ParsedLedger:
    sheet: str  # "" for a CSV file
    rows: list[LedgerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_name: str = ""
    checksum: str = ""


def month_number(text: str, start_year: int) -> tuple[int | None, str]:
    """The month of the financial year starting in April `start_year` that `text` names, or a problem.

    M1..M12 (M1 = April), a label such as Apr-18 or April 2018, or a date within the month.
    """
    written = " ".join(text.split())
    key = written.lower()
    year_words = f"{start_year}/{(start_year + 1) % 100:02d} (April {start_year} to March {start_year + 1})"
    if not key:
        return None, "the month is blank: write M1 (April) to M12 (March), or a month such as Apr-" \
                     f"{start_year % 100:02d}"
    number = _MONTH_NUMBER.match(key)
    if number:
        month = int(number.group(1))
        if 1 <= month <= 12:
            return month, ""
        return None, f"'{written[:40]}' is not a month: write M1 (April) to M12 (March)"
    calendar_month: int | None = None
    calendar_year = 0
    iso = _ISO_DATE.match(key)
    label = _MONTH_LABEL.match(key)
    if iso:
        calendar_year, calendar_month = int(iso.group(1)), int(iso.group(2))
    elif label and label.group(1)[:3] in _CALENDAR and _is_month_word(label.group(1)):
        calendar_month = _CALENDAR[label.group(1)[:3]]
        calendar_year = int(label.group(2))
        if calendar_year < 100:
            calendar_year += 2000
    if calendar_month is None or not 1 <= calendar_month <= 12:
        return None, (f"'{written[:40]}' is not a month: write M1 (April) to M12 (March), or a month such as "
                      f"Apr-{start_year % 100:02d} or April {start_year}")
    month = (calendar_month - 4) % 12 + 1
    expected_year = start_year + (1 if month >= 10 else 0)
    if calendar_year != expected_year:
        return None, f"{written[:40]} is not in {year_words}"
    return month, ""


def _is_month_word(word: str) -> bool:
    """"apr", "april", "sept" and "september" name a month; "aprx" does not."""
    for name in MONTH_NAMES:
        full = name.lower()
        if word == full or word == full[:3] or (full == "september" and word == "sept"):
            return True
    return False


def money(text: str, what: str) -> tuple[Decimal | None, str]:
    """An amount in pounds written as the ledger does (£, thousands commas, (negative)), or a problem."""
    written = text.strip()
    try:
        amount = parse_pounds(written)
    except ValueError:
        return None, (f"'{written[:40]}' is not an amount in pounds: write it like 50,330,400 or 1234.56, "
                      "with a negative in brackets like (1,234.56)")
    if amount is None:
        return None, ""
    problem = money_problem(amount, what)
    return (None, problem) if problem else (amount, "")


def _label(name: str | None) -> str:
    return f"“{name}”" if name else "The file"


def _csv_table(name: str | None, content: bytes) -> list[list[str]]:
    text = csv_text(name, content)
    # pandas needs the widest row's width up front: title rows above the header are narrower.
    width = 1
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise _too_many_rows("The file")
        width = max(width, len(cells))
    if width > MAX_COLUMNS:
        raise WorkbookInvalid([f"{_label(name)} has rows of {width:,} values: the portal reads at most "
                               f"{MAX_COLUMNS}. Delete the columns to the right of the ledger and try again."])
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, names=list(range(width)), dtype=str,
                            keep_default_na=False, skip_blank_lines=False, engine="python")
    except (pd.errors.ParserError, csv.Error, ValueError):
        raise WorkbookInvalid([f"{_label(name)} could not be read as a CSV file. Save the ledger from Excel as CSV "
                               "and choose it again."]) from None
    return [[str(cell) for cell in row] for row in frame.itertuples(index=False)]


def _xlsx_tables(name: str | None, content: bytes) -> dict[str, list[list[str]]]:
    check_workbook(name, content, accepts_csv=True)  # by its bytes (schemes.importers.content)
    try:
        # openpyxl read-only with the values Excel saved (pandas' way with this engine): nothing is evaluated.
        sheets = pd.read_excel(io.BytesIO(content), sheet_name=None, header=None, dtype=str,
                               keep_default_na=False, engine="openpyxl",
                               nrows=READ_ROWS)
    except Exception:  # openpyxl and pandas raise many types for an archive that is not a workbook
        raise WorkbookInvalid([f"{_label(name)} could not be read as an Excel workbook (.xlsx). Open it in Excel "
                               "and save it as an Excel Workbook (.xlsx) or as CSV, then choose it again."]) from None
    tables: dict[str, list[list[str]]] = {}
    for sheet, frame in sheets.items():
        if len(frame) >= READ_ROWS:  # rows beyond those read would be left out unseen: refuse instead
            raise _too_many_rows(f"Sheet '{sheet}'")
        if frame.shape[1] > MAX_COLUMNS:
            raise WorkbookInvalid([f"Sheet '{sheet}' has {frame.shape[1]:,} columns: the portal reads at most "
                                   f"{MAX_COLUMNS}. Delete the columns to the right of the ledger and try again."])
        tables[str(sheet)] = [[str(cell) for cell in row] for row in frame.itertuples(index=False)]
    return tables


def _too_many_rows(where: str) -> WorkbookInvalid:
    return WorkbookInvalid([f"{where} has more than {MAX_ROWS:,} rows below its header: nothing has been saved. "
                            "Split the ledger into smaller files."])


def _header(table: list[list[str]]) -> int | None:
    """The index of the header row: the first of the top rows naming the Budget line and Month columns."""
    for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        keys = {normalise(cell) for cell in cells}
        if normalise("Budget line") in keys and normalise("Month") in keys:
            return index
    return None


def read_ledger(source: str | Path | IO[bytes], *, start_year: int, name: str | None = None) -> ParsedLedger:
    """Read the ledger table of a CSV file or a workbook for the year starting April `start_year`.

    Every problem is collected (sheet, row as Excel numbers it, column letter and heading, a message);
    the caller saves nothing unless there are none.
    """
    deadline = time.monotonic() + CHECK_SECONDS
    name, content = content_of(source, name)
    if not content.strip():
        raise WorkbookInvalid([f"{_label(name)} is empty. Choose the ledger file (CSV or .xlsx) again."])
    # What the file is follows from its bytes, not its name (schemes.importers.content).
    tables = _xlsx_tables(name, content) if is_workbook(content) else {"": _csv_table(name, content)}
    if time.monotonic() > deadline:
        raise WorkbookInvalid([f"Reading {_label(name)} took longer than {CHECK_SECONDS:.0f} seconds, the most the "
                               "portal allows, so it is refused. Nothing has been saved. Copy just the ledger into "
                               "a new file and import that."])

    for sheet, table in tables.items():
        header = _header(table)
        if header is not None:
            parsed = _read_table(sheet, table, header, start_year)
            parsed.file_name, parsed.checksum = name or "", file_checksum(content)
            return parsed
    where = "of any sheet" if len(tables) > 1 or "" not in tables else "of the file"
    raise WorkbookInvalid([f"No header row with the columns {', '.join(COLUMNS)} was found in the first "
                           f"{HEADER_SEARCH_ROWS} rows {where}. Put the headings in one row above the figures."])


def _read_table(sheet: str, table: list[list[str]], header: int, start_year: int) -> ParsedLedger:
    parsed = ParsedLedger(sheet=sheet)
    header_row = header + 1  # as Excel numbers rows
    columns: dict[str, int] = {}
    for index, cell in enumerate(table[header]):
        label = KEYS.get(normalise(cell))
        if label and label not in columns:
            columns[label] = index
    for label in COLUMNS:
        if label not in columns:
            parsed.problems.append(Problem(sheet, header_row, "", f"there is no '{label}' column in the header "
                                                                  f"row: the columns are {', '.join(COLUMNS)}"))
    if parsed.problems:
        return parsed

    def where(label: str) -> str:
        return f"{get_column_letter(columns[label] + 1)} ({label})"

    seen: dict[tuple[str, int], int] = {}
    data_rows = 0
    for number, cells in enumerate(table[header + 1:], start=header_row + 1):
        if all(not cell.strip() for cell in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise _too_many_rows(f"Sheet '{sheet}'" if sheet else "The file")
        row = _read_row(parsed, sheet, number, cells, columns, where, start_year)
        if row is None:
            continue
        key = (row.line.casefold(), row.month)
        if key in seen:
            parsed.problems.append(Problem(sheet, number, where("Month"),
                                           f"M{row.month} of {row.line} is also on row {seen[key]}: give each "
                                           "line's month once"))
            continue
        seen[key] = number
        parsed.rows.append(row)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(sheet, header_row, "", "there are no rows of figures below the header"))
    return parsed


def _read_row(parsed: ParsedLedger, sheet: str, number: int, cells: list[str], columns: dict[str, int],
              where: Callable[[str], str], start_year: int) -> LedgerRow | None:
    problems: list[Problem] = []

    def cell(label: str) -> str:
        index = columns[label]
        return cells[index] if index < len(cells) else ""

    def problem(label: str, message: str) -> None:
        problems.append(Problem(sheet, number, where(label), message))

    line = " ".join(cell("Budget line").split())
    if not line:
        problem("Budget line", "the budget line is blank: name the line, e.g. Acute")
    elif len(line) > LINE_NAME_LIMIT:
        problem("Budget line", f"the budget line's name has {len(line):,} characters: at most {LINE_NAME_LIMIT} "
                               "are kept")
    month, bad = month_number(cell("Month"), start_year)
    if bad:
        problem("Month", bad)
    figures: dict[str, Decimal | None] = {}
    for label in MONEY_COLUMNS:
        figures[label], bad = money(cell(label), f"{label.lower()}")
        if bad:
            problem(label, bad)
    if not problems and figures["Plan"] is None:
        problem("Plan", "the plan is blank: give the month's budget in pounds (0 if it has none)")
    if problems or month is None or figures["Plan"] is None:
        parsed.problems.extend(problems)
        return None
    return LedgerRow(number, line, month, figures["Plan"], figures["Actual"], figures["Forecast"])
