"""Reading a scheme workbook into plain rows and problems: pure, no database (header matching, parsing)."""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import openpyxl
from openpyxl.utils import get_column_letter

from governance.services import file_checksum
from schemes.importers import files
from schemes.importers.content import check_workbook, hostile_xml_refused
from schemes.importers.files import (
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    Problem,
    WorkbookInvalid,
    cell_text,
    content_of,
    deadline_passed,
    limited_rows,
    not_a_workbook,
    too_slow,
)
from schemes.importers.headers import (
    COLUMNS,
    OTHER_YEAR,
    REQUIRED,
    date_in_header,
    header_key,
    normalise,
    year_forms,
)
from schemes.importers.rows import ParsedWorkbook, read_row


def _find_header(rows: list[tuple[Any, ...]], start_year: int) -> int | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(header_key(cell, start_year) == "name" for cell in row):
            return index
    return None


def read_workbook(source: str | Path | IO[bytes], start_year: int, sheet: str | None = None, *,
                  name: str | None = None) -> ParsedWorkbook:
    """Read the scheme table of a workbook. Pure: no database.

    Raises WorkbookInvalid, before parsing, for a file over the size limit, not a zip archive or
    unpacking to too much; and while reading, for too many rows or columns or a read over the time
    budget. Problems with the table's cells are returned in `problems`, by sheet, row and column.
    """
    deadline = time.monotonic() + files.CHECK_SECONDS
    name, content = content_of(source, name)
    check_workbook(name, content)  # by its bytes: a bounded .xlsx with no DTD (schemes.importers.content)
    try:
        # Read-only, the values Excel saved (data_only): nothing is evaluated (schemes.importers.content).
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    except Exception:  # openpyxl raises many types for an archive that is not a workbook
        raise WorkbookInvalid([not_a_workbook(name)]) from None
    with hostile_xml_refused(name):
        try:
            return _read_sheets(book, name, content, sheet, start_year, deadline)
        finally:
            book.close()


def _read_sheets(book: Any, name: str | None, content: bytes, sheet: str | None, start_year: int,
                 deadline: float) -> ParsedWorkbook:
    """The first (or the named) sheet with a scheme table, read."""
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise WorkbookInvalid([f"The workbook has no sheet called '{sheet}'."])
        candidates = [sheet]
    else:
        candidates = book.sheetnames
    for candidate in candidates:
        if deadline_passed(deadline):
            raise too_slow()
        worksheet = book[candidate]
        # The size a sheet states for itself can be wrong (or hostile): without it, rows are as long
        # as their last cell and there are only as many as the sheet holds.
        worksheet.reset_dimensions()
        rows = limited_rows(candidate, worksheet.iter_rows(values_only=True), deadline)
        top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        header = _find_header(top, start_year)
        if header is not None:
            parsed = _read_table(candidate, itertools.chain(top, rows), header, start_year, deadline)
            # Which file this was, for the import's record: the same bytes always give the same checksum.
            parsed.file_name, parsed.checksum = name or "", file_checksum(content)
            return parsed
    year = f"{start_year}/{(start_year + 1) % 100:02d}"
    raise WorkbookInvalid([f"No sheet has a header row with a 'Scheme Heading' column (looked for {year} labels)."])


def _is_total(cells: Iterable[Any]) -> bool:
    # Only short text can be a "Total" label: skip normalising numbers and long notes on every row.
    return any(isinstance(c, str) and len(c) < 20 and normalise(c) == "total" for c in cells)


def _read_table(sheet: str, rows: Iterator[tuple[Any, ...]], header: int, start_year: int,
                deadline: float) -> ParsedWorkbook:
    parsed = ParsedWorkbook(sheet=sheet)
    above = list(itertools.islice(rows, header + 2))  # up to the header and the row below it
    top = above[header]
    below = above[header + 1] if header + 1 < len(above) else ()
    sub_keys = [header_key(cell, start_year) for cell in below]
    has_subheader = any(sub_keys) and not any(
        header_key(cell, start_year) == "name" for cell in below
    ) and sum(1 for key in sub_keys if key) >= 2
    if not has_subheader and header + 1 < len(above):
        rows = itertools.chain([below], rows)  # the row below the header is the first scheme
    columns: dict[str, int] = {}
    labels: dict[int, str] = {}
    width = max(len(top), len(below))
    for index in range(width):
        top_cell = top[index] if index < len(top) else None
        sub_cell = below[index] if has_subheader and index < len(below) else None
        if date_in_header(top_cell) and normalise(top_cell).startswith("ragrating"):
            parsed.rated_on = date_in_header(top_cell)
        if date_in_header(top_cell) and normalise(top_cell).startswith("directorassessment"):
            parsed.assessed_on = date_in_header(top_cell)
        # The sub-heading is the more specific label where a heading spans several columns.
        for cell in (sub_cell, top_cell):
            key = header_key(cell, start_year)
            if key and key not in columns:
                columns[key] = index
                labels[index] = str(cell).strip()
                break
    header_row = header + 1  # 1-based
    year_name = f"{start_year}/{(start_year + 1) % 100:02d}"
    for cell in (*top, *(below if has_subheader else ())):
        label = normalise(cell)
        for form, token in year_forms(start_year):
            label = label.replace(form, token)
        if OTHER_YEAR.match(label):
            parsed.problems.append(Problem(
                sheet, header_row, "",
                f"the heading '{str(cell).strip()}' is for another year: this import is for {year_name}",
            ))
    for key in REQUIRED:
        if key not in columns:
            label = dict((k, lbl) for k, lbl, _ in COLUMNS)[key]
            parsed.problems.append(Problem(sheet, header_row, "", f"no '{label}' column was found in the header"))
    if parsed.problems:
        return parsed

    def where(index: int) -> str:
        return f"{get_column_letter(index + 1)} ({labels.get(index, '')})"

    first_data = header + (2 if has_subheader else 1)
    seen_references: dict[str, int] = {}
    data_rows = 0
    for offset, row in enumerate(rows, start=first_data + 1):
        if row.count(None) == len(row):  # cheap first test: most blank rows are all None
            continue
        cells = list(row) + [None] * (width - len(row))
        if _is_total(cells):
            break  # the table ends at its total row; summary rows below it are not schemes
        if all(cell_text(c) == "" for c in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise WorkbookInvalid([
                f"Sheet '{sheet}' has more than {MAX_ROWS:,} rows of schemes below its header (row {header_row}): "
                f"the most one import can take is {MAX_ROWS:,}. Nothing has been saved. Split the schemes "
                "into smaller workbooks, or delete the rows you do not need."
            ])
        read_row(parsed, sheet, offset, cells, columns, where, seen_references, start_year)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(sheet, header_row, "", "the table has no schemes"))
    return parsed
