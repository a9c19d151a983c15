"""An import cannot take the site down (issue 6, section 3): each hostile file of the probe is refused clearly.

Limits are checked before openpyxl parses anything (size, zip archive, unpacked size and ratio) or while it
reads (rows, columns, time); the page lists the first problems and counts the rest; the workbook is read
outside any database transaction; amounts and text are bounded as row and column problems.
"""

from __future__ import annotations

import html
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from openpyxl.utils import get_column_letter

from governance.models import Role
from schemes import importers, uploads
from schemes.importers import WorkbookInvalid, read_workbook, workbook_import
from schemes.models import FigureOverride, PanelSitting, Programme, Scheme
from tests.factories import FinancialYearFactory, OrganisationFactory, member
from tests.workbooks import active_sheet

URL = "/schemes/import/"
# Sign-in, working context and session (about a dozen), plus the check's own few reads, whatever the rows.
QUERIES_FOR_A_CHECK = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Workbooks built in the test, fast: the parts of an .xlsx written directly -----------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Schemes" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_END = "</sheetData></worksheet>"


def _cell(reference: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _sheet_xml(rows: Iterable[list[Any]]) -> Iterator[str]:
    yield _SHEET_START
    for number, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{get_column_letter(column)}{number}", value)
                        for column, value in enumerate(row, start=1))
        yield f'<row r="{number}">{cells}</row>'
    yield _SHEET_END


def _package(write_sheet: Any, compresslevel: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            write_sheet(sheet)
    return buffer.getvalue()


def workbook(rows: Iterable[list[Any]]) -> bytes:
    """A one-sheet .xlsx ("Schemes") holding `rows`, written as XML in a fraction of openpyxl's time."""

    def write(sheet: Any) -> None:
        for part in _sheet_xml(rows):
            sheet.write(part.encode())

    return _package(write)


def zip_bomb(unpacked_bytes: int) -> bytes:
    """An .xlsx whose sheet is `unpacked_bytes` of one repeated row: small packed, huge unpacked."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000

    def write(sheet: Any) -> None:
        sheet.write(_SHEET_START.encode())
        written = 0
        while written < unpacked_bytes:
            sheet.write(row)
            written += len(row)
        sheet.write(_SHEET_END.encode())

    return _package(write, compresslevel=1)


HEADER = ["File REF", "Transformation Headings", "Scheme Heading", "Go 'Live' Date",
          "(Full Year) Effect Net Saving", "Value of Scheme", "Resources Required to Deliver",
          "Timescales / Readiness of Implementation", "Co-dependencies / multi-agency involvement",
          "Overall Scheme Rating", "Change in Delivery (Months +/-)", "2013/14 Plan"]
MONTHS = ["Apr-13", "May-13", "Jun-13", "Jul-13", "Aug-13", "Sep-13", "Oct-13", "Nov-13", "Dec-13", "Jan-14",
          "Feb-14", "Mar-14"]
RAGS = ["Green", "Amber", "Red"]


def valid_rows(count: int) -> Iterator[list[Any]]:
    """A header and `count` schemes with ratings, a change in delivery and, on every 50th, a published plan."""
    yield HEADER
    for i in range(count):
        rag = RAGS[i % 3]
        yield [f"R{i + 1}", f"Programme {i % 12}", f"Scheme number {i + 1}", MONTHS[i % 12], 100_000 + i,
               rag, rag, rag, rag, rag, i % 5 - 2, None if i % 50 else 1]


def bad_rows(count: int) -> Iterator[list[Any]]:
    """A header and `count` schemes each with one problem: a go-live date that is not a month."""
    yield ["File REF", "Scheme Heading", "Go 'Live' Date", "(Full Year) Effect Net Saving"]
    for i in range(count):
        yield [f"B{i + 1}", f"Bad scheme {i + 1}", "soon", 1000]


# --- Fixtures and helpers -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_temp_dir(tmp_path, monkeypatch):
    """Kept uploads go under this test's own temp folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


@pytest.fixture
def bexley():
    return OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")


@pytest.fixture
def admin(bexley) -> Client:
    FinancialYearFactory(start_year=2013)
    client = Client()
    client.force_login(member(bexley, Role.ADMINISTRATOR, username="ada"))
    return client


@pytest.fixture
def parses(monkeypatch) -> list[object]:
    """Records every call to openpyxl's parser, which must not be reached by a file refused before parsing."""
    calls: list[object] = []
    real = openpyxl.load_workbook

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    return calls


def check(client: Client, content: bytes, name: str = "schemes.xlsx"):
    return client.post(URL, {"workbook": SimpleUploadedFile(name, content, content_type=XLSX)})


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def command(path: Path) -> str:
    """Run the import command and return its refusal."""
    with pytest.raises(CommandError) as refused:
        call_command("import_workbook", str(path), "--organisation", "07N", "--year", "2013/14")
    return str(refused.value)


def edited(source: Path, tmp_path: Path, edits: dict[str, Any]) -> Path:
    book = openpyxl.load_workbook(source)
    for cell, value in edits.items():
        active_sheet(book)[cell] = value
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def nothing_saved() -> bool:
    return (Scheme.objects.count(), FigureOverride.objects.count(), PanelSitting.objects.count()) == (0, 0, 0)


# --- Before parsing: size, zip archive, unpacked size and ratio ---------------------------------------------


@pytest.mark.django_db
def test_an_oversize_upload_is_refused_before_parsing_on_the_page_and_by_the_command(
    admin, bexley, parses, tmp_path
):
    assert "up to 5 MB, 10,000 schemes and 200 columns" in text_of(admin.get(URL))  # the limits are stated
    content = b"PK\x03\x04" + bytes(6 * 1024 * 1024)
    page = text_of(check(admin, content, "big.xlsx"))
    assert "“big.xlsx” is 6.0 MB: the largest workbook you can import is 5 MB" in page
    path = tmp_path / "big.xlsx"
    path.write_bytes(content)
    assert "“big.xlsx” is 6.0 MB: the largest workbook you can import is 5 MB" in command(path)
    with pytest.raises(WorkbookInvalid, match="larger than 5 MB"):
        read_workbook(io.BytesIO(content), 2013)
    assert parses == []
    assert nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unpacked", "expected"),
    [
        # The probe's 317 KB file unpacked to 130 MB of XML and took 151 s and 4.7 GB.
        (120 * 1024 * 1024, "MB of data: the most the portal reads is 50 MB"),
        # Under the unpacked limit, but packed over a hundred times smaller than it unpacks.
        (20 * 1024 * 1024, "times its packed size: the most the portal accepts is 100 times"),
    ],
    ids=["over-50-mb-unpacked", "over-100-to-1"],
)
def test_a_zip_bomb_is_refused_before_parsing(admin, bexley, parses, tmp_path, unpacked, expected):
    content = zip_bomb(unpacked)
    assert len(content) < 1024 * 1024  # small enough to pass the upload limit
    response = check(admin, content, "bomb.xlsx")
    assert response.status_code == 200
    page = text_of(response)
    assert "bomb.xlsx cannot be imported" in page and expected in page
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(content)
    assert expected in command(path)
    assert parses == []
    assert nothing_saved() and uploads.pending(admin.session) is None


@pytest.mark.django_db
def test_a_file_that_is_not_a_zip_archive_is_refused_before_parsing(admin, bexley, parses, tmp_path):
    # It starts like a zip archive (so it passes the page's first look), but it is not one.
    content = b"PK\x03\x04" + b"this is not really a workbook" * 100
    page = text_of(check(admin, content, "fake.xlsx"))
    assert "“fake.xlsx” could not be read as an Excel workbook (.xlsx)" in page
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    assert "“fake.xlsx” could not be read as an Excel workbook (.xlsx)" in command(path)
    assert parses == []
    assert nothing_saved()


@pytest.mark.django_db
def test_an_archive_of_too_many_parts_is_refused_before_parsing(admin, bexley, parses):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1_001):
            archive.writestr(f"xl/media/image{number}.png", b"")
    page = text_of(check(admin, buffer.getvalue(), "parts.xlsx"))
    assert "“parts.xlsx” is made of 1,001 parts (sheets, pictures, styles and so on): a workbook you can import " \
           "has at most 1,000" in page
    assert parses == []


# --- While reading: rows, columns, time ---------------------------------------------------------------------


@pytest.fixture
def no_time_limit(monkeypatch):
    """For a test of another limit: the time budget is wall-clock, and a busy machine (CI running the layers
    side by side) can spend it before the limit under test is reached. Its own test is below."""
    monkeypatch.setattr(importers.files, "CHECK_SECONDS", 3600.0)


@pytest.mark.django_db
def test_too_many_rows_are_refused_with_a_clear_message(admin, bexley, tmp_path, no_time_limit):
    content = workbook(valid_rows(10_001))
    page = text_of(check(admin, content))
    assert ("Sheet 'Schemes' has more than 10,000 rows of schemes below its header (row 1): the most one import "
            "can take is 10,000.") in page
    path = tmp_path / "long.xlsx"
    path.write_bytes(content)
    assert "has more than 10,000 rows of schemes" in command(path)
    assert nothing_saved()


@pytest.mark.django_db
def test_too_many_columns_are_refused_with_a_clear_message(admin, bexley, tmp_path):
    rows = list(valid_rows(3))
    rows[2] = rows[2] + [None] * (200 - len(rows[2])) + ["a note too far right"]  # in column 201
    content = workbook(rows)
    page = text_of(check(admin, content))
    assert ("Sheet 'Schemes' has a value in column GS (row 3), beyond the 200 columns the portal reads. Delete the "
            "columns to the right of the scheme table") in page
    path = tmp_path / "wide.xlsx"
    path.write_bytes(content)
    assert "beyond the 200 columns the portal reads" in command(path)
    assert nothing_saved()


@pytest.mark.django_db
def test_empty_cells_beyond_the_column_limit_are_not_a_problem(bexley):
    rows = list(valid_rows(3))
    rows[2] = rows[2] + [None] * 300 + [""]  # formatting far to the right, no value
    assert len(read_workbook(io.BytesIO(workbook(rows)), 2013).rows) == 3


@pytest.mark.django_db
def test_a_check_over_its_time_budget_is_refused_clearly(admin, bexley, monkeypatch, tmp_path):
    monkeypatch.setattr(importers.files, "CHECK_SECONDS", 0.0)
    content = workbook(valid_rows(20))
    page = text_of(check(admin, content))
    assert "Checking the workbook took longer than 0 seconds, the most the portal allows, so it was stopped" in page
    assert "Nothing has been saved" in page
    path = tmp_path / "slow.xlsx"
    path.write_bytes(content)
    assert "Checking the workbook took longer than" in command(path)
    assert nothing_saved() and uploads.pending(admin.session) is None


# --- What the page shows ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_10000_bad_rows_list_the_first_50_problems_and_count_the_rest_on_a_small_page(admin, bexley, tmp_path,
                                                                                     no_time_limit):
    content = workbook(bad_rows(10_000))
    response = check(admin, content, "bad.xlsx")
    page = text_of(response)
    assert "Correct these 10,000 problems in the workbook" in page
    assert page.count("the go-live date must be a month like Jul-13, not 'soon'") == 50
    assert "sheet 'Schemes', row 51, column C" in page and "row 52, column C" not in page
    assert "and 9,950 more problems" in page
    assert len(response.content) < 60_000  # the probe's 100,000 bad rows made a 17 MB page
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    refusal = command(path)
    assert refusal.count("not 'soon'") == 50 and "and 9,950 more problems" in refusal
    assert nothing_saved()


@pytest.mark.django_db
def test_100000_bad_rows_are_refused_by_the_row_limit_on_a_small_page(admin, bexley, no_time_limit):
    content = workbook(bad_rows(100_000))
    assert len(content) < 5 * 1024 * 1024  # under the upload limit
    response = check(admin, content, "huge.xlsx")
    page = text_of(response)
    # Counted in the sheet's XML before openpyxl reads a row (schemes.importers.content).
    assert "has a sheet of more than 50,000 rows: an import takes at most 10,000 rows below its header" in page
    assert len(response.content) < 30_000
    assert nothing_saved()


# --- No lock held while reading; a large valid workbook is accepted ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_workbook_is_read_outside_any_database_transaction(admin, bexley, bexley_workbook, monkeypatch):
    """During the probe's long check on SQLite, other users' sign-ins and saves failed: "database is locked"."""
    in_transaction: list[bool] = []
    real = importers.read_workbook

    def spy(*args: Any, **kwargs: Any) -> Any:
        in_transaction.append(transaction.get_connection().in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(importers.writing, "read_workbook", spy)
    checked = check(admin, bexley_workbook.read_bytes(), bexley_workbook.name)
    assert checked.status_code == 200 and len(checked.context["report"].created) == 27
    confirmed = admin.post(URL, {"step": "confirm", "digest": checked.context["upload"].digest})
    assert confirmed.status_code == 302
    assert Scheme.objects.filter(organisation=bexley).count() == 27
    call_command("import_workbook", str(bexley_workbook), "--organisation", "07N", "--year", "2013/14")
    assert in_transaction == [False, False, False]  # the check, the confirmation and the command


@pytest.mark.django_db
def test_a_10000_row_valid_workbook_is_accepted_by_the_check(admin, bexley, django_assert_max_num_queries,
                                                            no_time_limit):
    """The probe's 10,000 rows took 80 to 94 s to check; see docs/benchmarks.md for the time now.

    Without the time budget: under coverage on a busy CI machine the check once took longer than its 30 s, and
    the time is the benchmark's to measure (the budget has its own test above).

    The check compares the file with what is saved in a fixed number of queries and writes nothing (it used
    to run the whole import and roll it back: several queries a row, holding the database's write lock).
    """
    content = workbook(valid_rows(10_000))
    with django_assert_max_num_queries(QUERIES_FOR_A_CHECK):
        response = check(admin, content, "ten-thousand.xlsx")
    assert response.status_code == 200
    report = response.context["report"]
    assert report is not None, text_of(response)[:2000]  # what the page said instead of a report
    assert len(report.created) == 10_000 and report.updated == [] and report.unchanged == []
    assert len(report.overrides) == 200  # every 50th row publishes a plan of £1
    assert "Import 10000 schemes" in text_of(response)
    assert nothing_saved() and Programme.objects.count() == 0
    assert uploads.pending(admin.session) is not None


# --- Money and text bounded as row and column problems ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ({"I12": 10_000_000_000_000},
         "row 12, column I ((Full Year) Effect Net Saving): the full-year effect must be less than £10,000,000,000"),
        ({"J15": "£10,000,000,000,000"},
         "row 15, column J (2013 / 2014 Plan): the amount in this column must be less than £10,000,000,000"),
        ({"C10": "x" * 10_000},
         "row 10, column C (\"Transformation Headings\"): the programme name (Transformation Headings) is 10,000 "
         "characters long: the most the portal keeps is 200"),
        ({"D11": "y" * 301}, "row 11, column D (Scheme Heading): the scheme heading is 301 characters long: the most "
                             "the portal keeps is 300"),
        ({"B13": "R" * 31}, "row 13, column B (File REF): the reference is 31 characters long: the most the portal "
                            "keeps is 30"),
    ],
    ids=["ten-trillion-effect", "ten-trillion-plan", "10000-character-programme", "long-name", "long-reference"],
)
def test_an_amount_of_ten_trillion_or_text_too_long_for_its_column_is_a_row_problem_and_nothing_is_saved(
    admin, bexley, bexley_workbook, tmp_path, edits, expected
):
    path = edited(bexley_workbook, tmp_path, edits)
    page = text_of(check(admin, path.read_bytes(), "edited.xlsx"))
    assert f"sheet 'Appendix 1', {expected}" in page
    assert "x" * 100 not in page  # the long text is not copied back onto the page
    with pytest.raises(WorkbookInvalid) as refused:
        workbook_import(actor=None, organisation=bexley, year_name="2013/14", source=path)
    assert f"sheet 'Appendix 1', {expected}" in str(refused.value)
    assert nothing_saved() and Programme.objects.count() == 0


@pytest.mark.django_db
def test_amounts_with_fractions_of_a_penny_are_kept_to_the_penny(bexley, bexley_workbook, tmp_path):
    """Cells computed by formulas hold fractions of a penny; the portal keeps money to the penny, half-up."""
    path = edited(bexley_workbook, tmp_path, {"I12": 600000.005})
    row = next(r for r in read_workbook(path, 2013).rows if r.row == 12)
    assert str(row.full_year_effect) == "600000.01"
