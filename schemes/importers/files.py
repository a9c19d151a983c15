"""The workbook as a file: the limits every import states, the checks made before parsing, problems listed.

Shared by the scheme and risk imports (risks.importers), so both refuse a hostile file the same way.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter

# --- Limits ------------------------------------------------------------------------------------------
# One set of limits for the browser page and the import_workbook command, stated on the upload page
# and in every refusal. A commissioner's scheme workbook has tens to a few hundred schemes (Bexley's
# 2013/14 appendix: 27 rows, 20 columns, 13 KB), so each limit is far above any real workbook and far
# below what lets one file occupy a server: before these, a 580 KB file of 100,000 rows was checked
# for 20 minutes and a 4.4 MB zip bomb ran out of memory at 7.5 GB.

# The file as uploaded. A few hundred schemes with formatting are well under 1 MB.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_WORDS = "5 MB"
# Rows of schemes below the header (blank rows and rows below the total row do not count). Far more
# than any one organisation's schemes; a 10,000-row workbook checks in a few seconds.
MAX_ROWS = 10_000
# Columns read. Bexley's appendix has 20; room for notes and working columns to the right.
MAX_COLUMNS = 200
# What the archive unpacks to, read from its central directory before anything is unpacked. zipfile
# never returns more than a member's declared size, so the declared sizes bound what openpyxl can read.
# 50 MB of XML is about 50,000 formatted rows of 20 columns: five times the row limit.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_WORDS = "50 MB"
# How much a part may shrink when packed. Spreadsheet XML packs 5 to 20 times smaller; a zip bomb of
# repeated bytes packs 1,000 times smaller. Small parts are exempt: their ratio says nothing.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# Parts of the archive (sheets, styles, pictures, ...). A workbook of a hundred sheets has a few
# hundred; tens of thousands of tiny parts would be another way to make reading slow.
MAX_ZIP_MEMBERS = 1_000
# Wall-clock budget for reading a workbook. Within the other limits a read takes a few seconds; a
# file that still takes longer is refused rather than keeping a server process busy.
CHECK_SECONDS = 30.0
# Problems listed on the page and by the command; the rest are counted ("and 9,950 more problems").
# Fifty is enough to see what is wrong; a page of 100,000 problems was 17 MB.
PROBLEMS_SHOWN = 50
# A title, notes and blank rows may sit above the header, which must start within this many rows.
HEADER_SEARCH_ROWS = 40
# Excel's own last row: a row numbered beyond it is not from a spreadsheet program.
EXCEL_MAX_ROW = 1_048_576

LIMITS_IN_WORDS = (
    f"up to {MAX_UPLOAD_WORDS}, {MAX_ROWS:,} schemes and {MAX_COLUMNS} columns; "
    f"checking a workbook stops after {CHECK_SECONDS:.0f} seconds"
)

@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        # A CSV file has no sheets: its problems are by row and column only.
        where = f"sheet '{self.sheet}', row {self.row}" if self.sheet else f"row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"

class WorkbookInvalid(Exception):
    """The file has problems; nothing was saved. `problems` says where, in the user's words."""

    def __init__(self, problems: list[Problem] | list[str]) -> None:
        first, more = split_problems(list(problems))
        super().__init__("\n".join([*(str(p) for p in first), *([more_problems(more)] if more else [])]))
        self.problems = problems

def deadline_passed(deadline: float) -> bool:
    return time.monotonic() > deadline


def too_slow() -> WorkbookInvalid:
    return WorkbookInvalid([
        f"Checking the workbook took longer than {CHECK_SECONDS:.0f} seconds, the most the portal allows, so it "
        "was stopped. Nothing has been saved. Copy just the scheme table into a new workbook, save it and "
        "import that."
    ])


def size_problem(name: str | None, size: int) -> str | None:
    """Why a file of `size` bytes is too large to import, or None. Shared by the page and the command."""
    if size <= MAX_UPLOAD_BYTES:
        return None
    return (f"{label(name)} is {_size_in_words(size)}: the largest workbook you can import is {MAX_UPLOAD_WORDS}. "
            "Delete the sheets you do not need to import and try again.")


def _size_in_words(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def label(name: str | None) -> str:
    """How a message names the file: by its name when it has one."""
    return f"“{name}”" if name else "The workbook"


def not_a_workbook(name: str | None) -> str:
    return (f"{label(name)} could not be read as an Excel workbook (.xlsx). Open it in Excel and save it as an Excel "
            "Workbook (.xlsx), then choose it again.")


def content_of(source: str | Path | IO[bytes], name: str | None) -> tuple[str | None, bytes]:
    """The file's name (for messages) and bytes, refusing a file over the size limit before reading it all."""
    if isinstance(source, str | Path):
        path = Path(source)
        name = name or path.name
        problem = size_problem(name, path.stat().st_size)
        if problem:
            raise WorkbookInvalid([problem])
        return name, path.read_bytes()
    content = source.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise WorkbookInvalid([
            f"{label(name)} is larger than {MAX_UPLOAD_WORDS}, the largest workbook you can import. Delete the sheets "
            "you do not need to import and try again."
        ])
    return name, content


def check_archive(name: str | None, content: bytes) -> None:
    """Refuse a file that is not a zip archive or would unpack to too much, before anything is unpacked.

    An .xlsx file is a zip archive of XML parts. Only its central directory is read here: how many
    parts, how large each says it is unpacked, and how far each was packed.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise WorkbookInvalid([not_a_workbook(name)]) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise WorkbookInvalid([
            f"{label(name)} is made of {len(members):,} parts (sheets, pictures, styles and so on): a workbook you "
            f"can import has at most {MAX_ZIP_MEMBERS:,}. Copy just the scheme table into a new workbook, save it and "
            "import that."
        ])
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookInvalid([
            f"{label(name)} unpacks to {_size_in_words(unpacked)} of data: the most the portal reads is "
            f"{MAX_UNCOMPRESSED_WORDS}. Copy just the scheme table into a new workbook, save it and import that."
        ])
    for member in members:
        if member.file_size < RATIO_CHECKED_FROM_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise WorkbookInvalid([
                f"{label(name)} has a part ({member.filename}) that unpacks to {ratio:,.0f} times its packed size: "
                f"the most the portal accepts is {MAX_COMPRESSION_RATIO} times, far more than any real "
                "workbook. Copy just the scheme table into a new workbook, save it and import that."
            ])


def limited_rows(sheet_name: str, rows: Iterable[tuple[Any, ...]], deadline: float) -> Iterator[tuple[Any, ...]]:
    """A sheet's rows cut to MAX_COLUMNS, refusing a value beyond them, a row beyond Excel's last and a slow read."""
    for number, row in enumerate(rows, start=1):
        if deadline_passed(deadline):
            raise too_slow()
        if number > EXCEL_MAX_ROW:
            raise WorkbookInvalid([f"Sheet '{sheet_name}' has rows beyond row {EXCEL_MAX_ROW:,}, Excel's last row: "
                                   "the file was not saved by a spreadsheet program."])
        if len(row) > MAX_COLUMNS:
            beyond = next((i for i, value in enumerate(row[MAX_COLUMNS:], start=MAX_COLUMNS)
                           if value is not None and cell_text(value) != ""), None)
            if beyond is not None:
                raise WorkbookInvalid([
                    f"Sheet '{sheet_name}' has a value in column {get_column_letter(beyond + 1)} (row {number}), "
                    f"beyond the {MAX_COLUMNS} columns the portal reads. Delete the columns to the right of the "
                    "scheme table and try again."
                ])
            row = row[:MAX_COLUMNS]
        yield row

def describe(problems: Iterable[Problem | str], shown: int | None = None) -> str:
    """Problems as a list for the command line: the first PROBLEMS_SHOWN, then how many more."""
    listed = list(problems)
    first, more = split_problems(listed, shown)
    lines = [f"  - {p}" for p in first]
    if more:
        lines.append(f"  - {more_problems(more)}")
    return "\n".join(lines)


def split_problems(problems: list[Any], shown: int | None = None) -> tuple[list[Any], int]:
    """The problems to list and how many more there are (read PROBLEMS_SHOWN at call time)."""
    limit = PROBLEMS_SHOWN if shown is None else shown
    return problems[:limit], max(0, len(problems) - limit)


def problem_summary(problems: Iterable[Problem | str]) -> dict[str, Any]:
    """What an import page shows of a file's problems (includes/import_problems.html): the first, then a count.

    The first problems are listed and the rest counted: a file of 100,000 bad rows made a 17 MB page.
    """
    listed = list(problems)
    shown, more = split_problems(listed)
    return {"problems": shown, "problem_count": len(listed), "problem_count_text": f"{len(listed):,}",
            "more_problems": more, "more_problems_text": more_problems(more)}


def more_problems(count: int) -> str:
    return f"and {count:,} more problem{'' if count == 1 else 's'}"

def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
