"""Import a scheme workbook laid out like Bexley's Appendix 1 (the way real data arrives).

Reading (`read_workbook`) is pure: it turns a sheet into plain rows and a list of problems, and
touches no database, so a slow or hostile file never holds a lock other users wait on. It refuses,
before openpyxl parses anything, a file that is too large, is not a zip archive, or unpacks to too
much (a "zip bomb"), and it stops a read that goes over its row, column or time limits.

Checking (`workbook_check`) reads the file, then compares it with what is saved: it writes nothing
and opens no transaction. Importing (`workbook_import`) reads the file first, outside any
transaction, and only when the whole file is valid writes it in one short transaction through the
same services as the browser. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import io
import itertools
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.utils import get_column_letter

from governance.models import FinancialYear, Organisation
from governance.money import money_problem, parse_pounds
from governance.permissions import Action, require
from schemes import engine, services
from schemes.models import Figure, FigureOverride, Programme, Scheme
from schemes.selectors import engine_inputs, rag_factors

if TYPE_CHECKING:
    from governance.permissions import Actor

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

# Text is bounded by the columns it is stored in, here as PostgreSQL would refuse it.
TEXT_LIMITS = {
    "reference": Scheme._meta.get_field("reference").max_length or 0,
    "name": Scheme._meta.get_field("name").max_length or 0,
    "programme": Programme._meta.get_field("name").max_length or 0,
}

IMPORT_REASON = "imported from workbook"
TOLERANCE = Decimal("1")  # the papers round to the pound
RAG_WORDS = {"green": "green", "g": "green", "amber": "amber", "a": "amber", "red": "red", "r": "red"}
MONTH_NAMES = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

# Column keys, the words a user would recognise, and how a normalised header is recognised.
# THIS and NEXT stand for the imported year and the year after, in any of the ways papers write them.
COLUMNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("no", "No", re.compile(r"^no$")),
    ("reference", "File REF", re.compile(r"^(fileref|ref|reference|schemeref)$")),
    ("programme", "Transformation Headings", re.compile(r"^(transformationheadings?|programme|workstream)$")),
    ("name", "Scheme Heading", re.compile(r"^(schemeheading|schemename)$")),
    ("phase", "Phase", re.compile(r"^phase")),
    ("go_live", "Go 'Live' Date", re.compile(r"^golive(date)?$")),
    ("months", "No of Months Saving", re.compile(r"^noofmonthssaving(inTHIS)?$")),
    ("current_cost", "Initial Opportunity / Current Cost (GROSS)", re.compile(r"currentcost|gross")),
    ("full_year_effect", "(Full Year) Effect Net Saving", re.compile(r"^(fullyear)?effectnetsaving$")),
    ("plan_in_year", "THIS Plan", re.compile(r"^THISplan$")),
    ("next_year_effect", "NEXT Plan", re.compile(r"^NEXTplan$")),
    ("value", "Value of Scheme", re.compile(r"^valueofscheme")),
    ("resources", "Resources Required to Deliver", re.compile(r"^resources")),
    ("timescales", "Timescales / Readiness of Implementation", re.compile(r"^timescales")),
    ("codependencies", "Co-dependencies / multi-agency involvement", re.compile(r"^codependenc")),
    ("overall", "Overall Scheme Rating", re.compile(r"^overall")),
    ("most_likely", "Most Likely", re.compile(r"^mostlikely")),
    ("change", "Change in Delivery (Months +/-)", re.compile(r"^changeindelivery")),
    ("director_value", "THIS Delivery Value", re.compile(r"^THISdeliveryvalue")),
    ("director_next_year", "NEXT Delivery Value", re.compile(r"^NEXTdeliveryvalue")),
]
REQUIRED = ("name", "go_live", "full_year_effect")
RAG_COLUMNS = ("value", "resources", "timescales", "codependencies", "overall")
COMPUTED_COLUMNS = ("plan_in_year", "next_year_effect", "most_likely", "director_value", "director_next_year")
# A year-labelled heading still showing digits after THIS/NEXT substitution is another year's column.
OTHER_YEAR = re.compile(r"^(noofmonthssavingin\d{4,8}|\d{4,8}plan|\d{4,8}deliveryvalue)")
DATE_IN_TEXT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4})")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}', row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class WorkbookRow:
    row: int
    no: str
    reference: str
    programme: str
    name: str
    phase: int | None
    go_live: date | None
    months_in_file: int | None
    current_cost: Decimal | None
    full_year_effect: Decimal
    ratings: dict[str, str | None]
    change: int | None
    published: dict[str, Decimal | None]


@dataclass
class ParsedWorkbook:
    sheet: str
    rows: list[WorkbookRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rated_on: date | None = None
    assessed_on: date | None = None


@dataclass
class ImportReport:
    sheet: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class WorkbookInvalid(Exception):
    """The file has problems; nothing was saved. `problems` says where, in the user's words."""

    def __init__(self, problems: list[Problem] | list[str]) -> None:
        first, more = split_problems(list(problems))
        super().__init__("\n".join([*(str(p) for p in first), *([more_problems(more)] if more else [])]))
        self.problems = problems


def normalise(text: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


def year_forms(start_year: int) -> list[tuple[str, str]]:
    """How papers write a year ("2013/14", "13/14", "2013 / 2014") normalised, longest first."""
    forms = []
    for token, start in (("THIS", start_year), ("NEXT", start_year + 1)):
        end = start + 1
        forms += [(f"{start}{end}", token), (f"{start}{end % 100:02d}", token),
                  (f"{start % 100:02d}{end % 100:02d}", token)]
    return sorted(forms, key=lambda pair: -len(pair[0]))


def header_key(text: Any, start_year: int) -> str | None:
    label = normalise(text)
    if not label:
        return None
    for form, token in year_forms(start_year):
        label = label.replace(form, token)
    for key, _, pattern in COLUMNS:
        if pattern.search(label):
            return key
    return None


def date_in_header(text: Any) -> date | None:
    match = DATE_IN_TEXT.search(str(text or ""))
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    year = year + 2000 if year < 100 else year
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_month(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip().lower()
    if len(text) > 40:  # longer than any way of writing a month
        raise ValueError(text[:40])
    match = re.fullmatch(r"([a-z]{3})[a-z]*[\s\-/']*(\d{2}|\d{4})", text)
    if match and match.group(1) in MONTH_NAMES:
        year = int(match.group(2))
        return date(year + 2000 if year < 100 else year, MONTH_NAMES[match.group(1)], 1)
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%Y-%m", "%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError


def parse_whole(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise ValueError


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _deadline_passed(deadline: float) -> bool:
    return time.monotonic() > deadline


def _too_slow() -> WorkbookInvalid:
    return WorkbookInvalid([
        f"Checking the workbook took longer than {CHECK_SECONDS:.0f} seconds, the most the portal allows, so it "
        "was stopped. Nothing has been saved. Copy just the scheme table into a new workbook, save it and "
        "import that."
    ])


def size_problem(name: str | None, size: int) -> str | None:
    """Why a file of `size` bytes is too large to import, or None. Shared by the page and the command."""
    if size <= MAX_UPLOAD_BYTES:
        return None
    return (f"{_label(name)} is {_size_in_words(size)}: the largest workbook you can import is {MAX_UPLOAD_WORDS}. "
            "Delete the sheets you do not need to import and try again.")


def _size_in_words(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def _label(name: str | None) -> str:
    """How a message names the file: by its name when it has one."""
    return f"“{name}”" if name else "The workbook"


def _not_a_workbook(name: str | None) -> str:
    return (f"{_label(name)} could not be read as an Excel workbook (.xlsx). Open it in Excel and save it as an Excel "
            "Workbook (.xlsx), then choose it again.")


def _content_of(source: str | Path | IO[bytes], name: str | None) -> tuple[str | None, bytes]:
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
            f"{_label(name)} is larger than {MAX_UPLOAD_WORDS}, the largest workbook you can import. Delete the sheets "
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
        raise WorkbookInvalid([_not_a_workbook(name)]) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise WorkbookInvalid([
            f"{_label(name)} is made of {len(members):,} parts (sheets, pictures, styles and so on): a workbook you "
            f"can import has at most {MAX_ZIP_MEMBERS:,}. Copy just the scheme table into a new workbook, save it and "
            "import that."
        ])
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookInvalid([
            f"{_label(name)} unpacks to {_size_in_words(unpacked)} of data: the most the portal reads is "
            f"{MAX_UNCOMPRESSED_WORDS}. Copy just the scheme table into a new workbook, save it and import that."
        ])
    for member in members:
        if member.file_size < RATIO_CHECKED_FROM_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise WorkbookInvalid([
                f"{_label(name)} has a part ({member.filename}) that unpacks to {ratio:,.0f} times its packed size: "
                f"the most the portal accepts is {MAX_COMPRESSION_RATIO} times, far more than any real "
                "workbook. Copy just the scheme table into a new workbook, save it and import that."
            ])


def _limited_rows(sheet_name: str, rows: Iterable[tuple[Any, ...]], deadline: float) -> Iterator[tuple[Any, ...]]:
    """A sheet's rows cut to MAX_COLUMNS, refusing a value beyond them, a row beyond Excel's last and a slow read."""
    for number, row in enumerate(rows, start=1):
        if _deadline_passed(deadline):
            raise _too_slow()
        if number > EXCEL_MAX_ROW:
            raise WorkbookInvalid([f"Sheet '{sheet_name}' has rows beyond row {EXCEL_MAX_ROW:,}, Excel's last row: "
                                   "the file was not saved by a spreadsheet program."])
        if len(row) > MAX_COLUMNS:
            beyond = next((i for i, value in enumerate(row[MAX_COLUMNS:], start=MAX_COLUMNS)
                           if value is not None and _text(value) != ""), None)
            if beyond is not None:
                raise WorkbookInvalid([
                    f"Sheet '{sheet_name}' has a value in column {get_column_letter(beyond + 1)} (row {number}), "
                    f"beyond the {MAX_COLUMNS} columns the portal reads. Delete the columns to the right of the "
                    "scheme table and try again."
                ])
            row = row[:MAX_COLUMNS]
        yield row


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
    deadline = time.monotonic() + CHECK_SECONDS
    name, content = _content_of(source, name)
    check_archive(name, content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    except Exception:  # openpyxl raises many types for an archive that is not a workbook
        raise WorkbookInvalid([_not_a_workbook(name)]) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise WorkbookInvalid([f"The workbook has no sheet called '{sheet}'."])
            candidates = [sheet]
        else:
            candidates = book.sheetnames
        for candidate in candidates:
            if _deadline_passed(deadline):
                raise _too_slow()
            worksheet = book[candidate]
            # The size a sheet states for itself can be wrong (or hostile): without it, rows are as long
            # as their last cell and there are only as many as the sheet holds.
            worksheet.reset_dimensions()
            rows = _limited_rows(candidate, worksheet.iter_rows(values_only=True), deadline)
            top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
            header = _find_header(top, start_year)
            if header is not None:
                return _read_table(candidate, itertools.chain(top, rows), header, start_year, deadline)
    finally:
        book.close()
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
        if all(_text(c) == "" for c in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise WorkbookInvalid([
                f"Sheet '{sheet}' has more than {MAX_ROWS:,} rows of schemes below its header (row {header_row}): "
                f"the most one import can take is {MAX_ROWS:,}. Nothing has been saved. Split the schemes "
                "into smaller workbooks, or delete the rows you do not need."
            ])
        _read_row(parsed, sheet, offset, cells, columns, where, seen_references, start_year)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(sheet, header_row, "", "the table has no schemes"))
    return parsed


def _read_row(parsed: ParsedWorkbook, sheet: str, offset: int, cells: list[Any], columns: dict[str, int],
              where: Any, seen_references: dict[str, int], start_year: int) -> None:
    """Add one scheme row to `parsed`, or its problems."""

    def cell(key: str) -> Any:
        return cells[columns[key]] if key in columns else None

    def problem(key: str | None, message: str) -> None:
        column = where(columns[key]) if key is not None and key in columns else ""
        parsed.problems.append(Problem(sheet, offset, column, message))

    name = _text(cell("name"))
    if not name:
        problem("name", "this row has figures but no scheme heading")
        return
    problems_before = len(parsed.problems)

    def read(key: str, parser: Any, what: str) -> Any:
        if key not in columns:
            return None
        try:
            return parser(cell(key))
        except (ValueError, TypeError, ArithmeticError):
            problem(key, f"{what}, not '{_shown(cell(key))}'")
            return None

    def money(key: str, what: str, wrong: str) -> Decimal | None:
        amount = read(key, partial(parse_pounds, to_penny=True), wrong)  # computed cells hold fractions
        refusal = money_problem(amount, what)
        if refusal:
            problem(key, refusal[0].lower() + refusal[1:])
            return None
        return amount

    def bounded(key: str, text: str, what: str) -> None:
        limit = TEXT_LIMITS[key]
        if len(text) > limit:
            problem(key, f"the {what} is {len(text):,} characters long: the most the portal keeps is {limit:,}")

    bounded("name", name, "scheme heading")
    go_live = read("go_live", parse_month, "the go-live date must be a month like Jul-13")
    fye = money("full_year_effect", "full-year effect", "the full-year effect must be an amount in pounds")
    current_cost = money("current_cost", "current cost", "the current cost must be an amount in pounds")
    published = {key: money(key, "amount in this column", "this must be an amount in pounds")
                 for key in COMPUTED_COLUMNS}
    change = read("change", parse_whole, "change in delivery must be a whole number of months like -1 or 2")
    months = read("months", parse_whole, "the number of months must be a whole number")
    phase = read("phase", parse_whole, "phase must be 1, 2, 3 or 4")
    if phase is not None and not 1 <= phase <= 4:
        problem("phase", "phase must be 1, 2, 3 or 4")
    if change is not None and not -12 <= change <= 12:
        problem("change", "change in delivery must be between -12 and +12 months")
    ratings: dict[str, str | None] = {}
    for key in RAG_COLUMNS:
        word = _text(cell(key))
        if not word:
            ratings[key] = None
        elif word.lower() in RAG_WORDS:
            ratings[key] = RAG_WORDS[word.lower()]
        else:
            problem(key, f"'{_shown(word)}' is not a RAG rating: use Green, Amber or Red")
    if fye is None and "full_year_effect" in columns and len(parsed.problems) == problems_before:
        problem("full_year_effect", "the full-year effect is missing")
    no = _text(cell("no"))
    reference = _text(cell("reference")) or no
    programme = _text(cell("programme")) or "Unassigned"
    bounded("programme", programme, "programme name (Transformation Headings)")
    if not reference:
        problem(None, "the scheme has neither a File REF nor a No")
    elif len(reference) > TEXT_LIMITS["reference"]:
        problem("reference" if _text(cell("reference")) else "no",
                f"the reference is {len(reference):,} characters long: the most the portal keeps is "
                f"{TEXT_LIMITS['reference']:,}")
    elif reference in seen_references:
        problem(None, f"reference {reference} is also used on row {seen_references[reference]}")
    else:
        seen_references[reference] = offset
    if len(parsed.problems) > problems_before:
        return
    if any(ratings.values()) and not all(ratings.values()):
        missing = ", ".join(k for k, v in ratings.items() if not v)
        problem(None, f"the RAG rating is incomplete ({missing} blank)")
        return
    expected_months = engine.months_in_year(start_year, go_live)
    if months is not None and months != expected_months:
        parsed.warnings.append(
            f"Row {offset} {name}: the file says {months} months of saving but go-live "
            f"{go_live:%b-%y} gives {expected_months}; the go-live date is used."
            if go_live else f"Row {offset} {name}: months in file ignored (no go-live date)."
        )
    parsed.rows.append(WorkbookRow(
        row=offset, no=no, reference=reference, programme=programme,
        name=name, phase=phase, go_live=go_live, months_in_file=months, current_cost=current_cost,
        full_year_effect=fye or Decimal("0"), ratings=ratings, change=change, published=published,
    ))


def _shown(value: Any, limit: int = 60) -> str:
    """A cell's text as quoted back in a problem: long text is cut, so one cell cannot fill the page."""
    text = _text(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def overrides_for(row: WorkbookRow, base: engine.SchemeInputs) -> dict[str, Decimal]:
    """Published figures that differ from the engine's by more than £1, in dependency order.

    Each override is applied before the next figure is compared, so a figure computed from an
    overridden one (e.g. most likely from an overridden plan) is not itself overridden. The engine
    runs once, and again only after an override changes what the later figures are computed from.
    """
    overrides: dict[str, Decimal] = {}
    figures: engine.SchemeFigures | None = None
    for key in COMPUTED_COLUMNS:
        published = row.published.get(key)
        if published is None:
            continue
        if figures is None:
            figures = engine.compute(replace(base, overrides=dict(overrides)))
        if abs(getattr(figures, key) - published) > TOLERANCE:
            overrides[key] = published
            figures = None
    return overrides


def _inputs(row: WorkbookRow, start_year: int, factors: engine.RagFactors) -> engine.SchemeInputs:
    """A row's engine inputs: the scheme it would save (the file's full-year effect is its gross saving)."""
    return engine_inputs(
        year_start=start_year, go_live=row.go_live, gross_saving=row.full_year_effect,
        overall_rag=row.ratings.get("overall"), delivery_change_months=row.change or 0, factors=factors,
    )


def _override_lines(row: WorkbookRow, inputs: engine.SchemeInputs, wanted: dict[str, Decimal]) -> list[str]:
    """What the report says about each published figure kept as an override."""
    lines = []
    for figure, value in wanted.items():
        earlier = {k: v for k, v in wanted.items() if COMPUTED_COLUMNS.index(k) < COMPUTED_COLUMNS.index(figure)}
        computed = getattr(engine.compute(replace(inputs, overrides=earlier)), figure)
        lines.append(
            f"Row {row.row} {row.reference} {row.name}: {Figure(figure).label} £{value:,.0f} in the file, "
            f"£{computed:,.2f} by the formula: kept as an override"
        )
    return lines


def _scheme_values(row: WorkbookRow, programme: Programme | None) -> dict[str, Any]:
    return {
        "programme": programme, "reference": row.reference, "name": row.name, "phase": row.phase,
        "go_live": row.go_live, "current_cost": row.current_cost, "gross_saving": row.full_year_effect,
    }


def _active_overrides(schemes: Iterable[Scheme]) -> dict[int, dict[str, FigureOverride]]:
    """The active overrides of many schemes, in one query."""
    active: dict[int, dict[str, FigureOverride]] = {}
    for override in FigureOverride.objects.filter(scheme__in=list(schemes), cleared_at__isnull=True):
        active.setdefault(override.scheme_id, {})[override.figure] = override
    return active


def _override_changes(wanted: dict[str, Decimal], active: dict[str, FigureOverride]) -> tuple[list[str], list[str]]:
    """Figures whose override importing sets, and imported overrides it clears (the file now agrees)."""
    to_set = [f for f, value in wanted.items() if f not in active or active[f].value != value]
    to_clear = [f for f, override in active.items() if f not in wanted and override.reason == IMPORT_REASON]
    return to_set, to_clear


def _require_roles(actor: Actor | None, organisation: Organisation, parsed: ParsedWorkbook,
                   changes_overrides: bool) -> None:
    """Refuse, before anything is written, a file recording what the user's role may not record.

    The same rules the services apply row by row, checked once for the whole file.
    """
    if actor is None:
        return
    require(actor, Action.EDIT_SCHEMES, organisation)
    if any(row.ratings.get("overall") for row in parsed.rows):
        require(actor, Action.RATE_SCHEMES, organisation)
    if any(row.change is not None for row in parsed.rows):
        require(actor, Action.ASSESS_DELIVERY, organisation)
    if changes_overrides:
        require(actor, Action.OVERRIDE_FIGURES, organisation)


def _parse(year_name: str, source: str | Path | IO[bytes], sheet: str | None,
           name: str | None) -> tuple[int, ParsedWorkbook]:
    start_year = FinancialYear.start_year_from_name(year_name)
    parsed = read_workbook(source, start_year, sheet, name=name)
    if parsed.problems:
        raise WorkbookInvalid(parsed.problems)
    return start_year, parsed


def workbook_check(
    *, actor: Actor | None, organisation: Organisation, year_name: str,
    source: str | Path | IO[bytes], sheet: str | None = None, name: str | None = None,
) -> ImportReport:
    """What importing the file would do, saving nothing: the preview before an import is confirmed.

    Reads the file, then compares it with what is saved in a fixed number of queries. It opens no
    transaction and writes nothing, so a check never holds a lock that other users' saves wait on.
    Raises WorkbookInvalid listing every problem, and PermissionDenied when the file records what
    the user's role may not.
    """
    start_year, parsed = _parse(year_name, source, sheet, name)
    report = ImportReport(sheet=parsed.sheet, warnings=list(parsed.warnings))
    year = FinancialYear.objects.filter(start_year=start_year).first()
    existing: dict[str, Scheme] = {}
    if year is not None:
        existing = {s.reference: s for s in Scheme.objects.filter(organisation=organisation, year=year)
                    .select_related("programme")}
    active = _active_overrides(existing.values())
    factors = rag_factors(organisation)
    changes_overrides = False
    for row in parsed.rows:
        inputs = _inputs(row, start_year, factors)
        wanted = overrides_for(row, inputs)
        report.overrides += _override_lines(row, inputs, wanted)
        label = f"{row.reference} {row.name}"
        scheme = existing.get(row.reference)
        if scheme is None:
            report.created.append(label)
            changes_overrides = changes_overrides or bool(wanted)
            continue
        same_programme = scheme.programme if scheme.programme.name == row.programme.strip() else None
        values = _scheme_values(row, same_programme)
        # As scheme_update decides: a scheme is updated when any value differs from what is saved.
        (report.updated if any(getattr(scheme, k) != v for k, v in values.items()) else report.unchanged).append(
            label)
        to_set, to_clear = _override_changes(wanted, active.get(scheme.pk, {}))
        changes_overrides = changes_overrides or bool(to_set or to_clear)
    _require_roles(actor, organisation, parsed, changes_overrides)
    return report


def workbook_import(
    *, actor: Actor | None, organisation: Organisation, year_name: str,
    source: str | Path | IO[bytes], sheet: str | None = None, name: str | None = None,
) -> ImportReport:
    """Import the whole file or nothing. Raises WorkbookInvalid listing every problem.

    The file is read first, outside any transaction (reading can take seconds and needs no lock);
    only a valid file is then written, in one transaction, whose schemes are recomputed by one task.
    """
    start_year, parsed = _parse(year_name, source, sheet, name)
    try:
        with transaction.atomic(), services.recompute_batch():
            return _write(actor, organisation, start_year, parsed)
    except ValidationError as error:
        raise WorkbookInvalid([f"Nothing was saved: {'; '.join(error.messages)}"]) from None


def _write(actor: Actor | None, organisation: Organisation, start_year: int,
           parsed: ParsedWorkbook) -> ImportReport:
    year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
    report = ImportReport(sheet=parsed.sheet, warnings=list(parsed.warnings))
    factors = rag_factors(organisation)
    rated_on = parsed.rated_on or year.starts_on
    assessed_on = parsed.assessed_on or rated_on
    # Read once what every row needs, rather than a query or two per row.
    existing = {s.reference: s for s in Scheme.objects.filter(organisation=organisation, year=year)}
    programmes = {p.name: p for p in Programme.objects.filter(organisation=organisation)}
    active = _active_overrides(existing.values())
    planned = []
    changes_overrides = False
    for row in parsed.rows:
        inputs = _inputs(row, start_year, factors)
        wanted = overrides_for(row, inputs)
        scheme = existing.get(row.reference)
        to_set, to_clear = _override_changes(wanted, active.get(scheme.pk, {}) if scheme else {})
        changes_overrides = changes_overrides or bool(to_set or to_clear)
        planned.append((row, inputs, wanted, to_set, to_clear))
    _require_roles(actor, organisation, parsed, changes_overrides)
    ratings: list[services.RatingInput] = []
    for row, inputs, wanted, to_set, to_clear in planned:
        name = row.programme.strip()
        if name not in programmes:
            programmes[name] = services.programme_get_or_create(actor=actor, organisation=organisation, name=name)
        scheme = _upsert_scheme(actor, organisation, year, row, programmes[name], existing.get(row.reference),
                                report)
        if row.ratings.get("overall"):
            # A row with an overall rating has all of them (an incomplete rating is a problem when it is read).
            ratings.append(services.RatingInput(scheme=scheme, **{k: v for k, v in row.ratings.items() if v}))
        if row.change is not None:
            services.director_assessment_record(
                actor=actor, scheme=scheme, assessed_on=assessed_on, change_months=row.change,
                note=IMPORT_REASON,
            )
        report.overrides += _override_lines(row, inputs, wanted)
        for figure in to_set:
            services.figure_override_set(actor=actor, scheme=scheme, figure=figure, value=wanted[figure],
                                         reason=IMPORT_REASON)
        for figure in to_clear:
            services.figure_override_clear(actor=actor, scheme=scheme, figure=figure,
                                           reason="the re-imported workbook agrees with the formula")
    if ratings:
        services.panel_sitting_record(actor=actor, organisation=organisation, year=year, held_on=rated_on,
                                      ratings=ratings, notes=IMPORT_REASON)
    return report


def _upsert_scheme(actor: Actor | None, organisation: Organisation, year: FinancialYear,
                   row: WorkbookRow, programme: Programme, existing: Scheme | None, report: ImportReport) -> Scheme:
    values = _scheme_values(row, programme)
    label = f"{row.reference} {row.name}"
    if existing is None:
        scheme = services.scheme_create(actor=actor, organisation=organisation, year=year, **values)
        report.created.append(label)
        return scheme
    before = existing.version
    scheme = services.scheme_update(actor=actor, scheme=existing, expected_version=None, changes=values)
    (report.updated if scheme.version != before else report.unchanged).append(label)
    return scheme


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


def more_problems(count: int) -> str:
    return f"and {count:,} more problem{'' if count == 1 else 's'}"
