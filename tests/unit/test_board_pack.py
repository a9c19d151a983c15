"""The Excel board pack, checked the way finance will open it: openpyxl reads its structure and formats, and
Debian's LibreOffice (headless) computes its formulas, whose totals must be the Bexley appendix's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from schemes.models import Scheme

pytestmark = pytest.mark.django_db
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


@pytest.fixture
def bexley_pack(tmp_path, django_capture_on_commit_callbacks, settings) -> Path:
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    # A scheme whose name looks like a formula must stay text in the pack.
    Scheme.objects.filter(organisation__ods_code="07N", reference="30").update(name="=1+1")
    output = tmp_path / "pack.xlsx"
    call_command("board_pack", organisation="07N", year="2013/14", month=10, output=str(output), verbosity=0)
    return output


def test_the_pack_has_its_sheets_formats_and_print_setup(bexley_pack) -> None:
    workbook: Any = load_workbook(bexley_pack)  # cells are read dynamically: their values are any kind
    assert workbook.sheetnames[:3] == ["Summary", "Schemes", "Budget variance"]
    assert workbook.properties.title == "QIPP board pack 2013/14 M10 (January 2014)"
    schemes = workbook["Schemes"]
    assert schemes.freeze_panes == "A5" and schemes.auto_filter.ref.startswith("A4:")
    assert schemes.page_setup.orientation == "landscape" and schemes.sheet_properties.pageSetUpPr.fitToPage
    assert schemes.print_title_rows == "$4:$4"  # the header row repeats on every printed page
    assert "NHS Bexley CCG (07N)" in schemes.oddFooter.left.text and "Page &P" in schemes.oddFooter.right.text
    rows = {row[0].value: row for row in schemes.iter_rows(min_row=5) if row[0].value}
    formula_name = next(row[2] for row in rows.values() if row[2].value == "=1+1")
    assert formula_name.data_type == "s"  # text, not a formula
    adult = rows["1"]
    plan = adult[7]
    assert plan.value == 1164417  # the hand-set plan, to the penny
    assert "£" in plan.number_format and "(" in plan.number_format  # adverse in brackets
    assert plan.comment is not None and "paper 1,164,417" in plan.comment.text  # the override's reason
    overall = adult[13]
    assert overall.value in ("Green", "Amber", "Red") and overall.fill.fgColor.rgb.endswith(
        {"Green": "007F3B", "Amber": "FFB81C", "Red": "D5281B"}[overall.value])
    total_row = next(row for row in schemes.iter_rows(min_row=5) if row[2].value == "Total")
    assert total_row[7].value.startswith("=SUM(H5:H")


@pytest.mark.skipif(not Path(SOFFICE).exists() and os.environ.get("CI") != "true",  # CI must have it: it fails
                    reason="needs Debian's LibreOffice: scripts/install-libreoffice.sh")
def test_libreoffice_opens_the_pack_and_its_totals_are_the_appendixs(bexley_pack, tmp_path) -> None:
    out = tmp_path / "computed"
    result = subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx", "--outdir", str(out), str(bexley_pack)],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    computed: Any = load_workbook(out / "pack.xlsx", data_only=True)
    schemes = computed["Schemes"]
    total_row = next(row for row in schemes.iter_rows(min_row=5) if row[2].value == "Total")
    assert round(total_row[7].value) == 11_576_188  # plan this year
    assert round(total_row[14].value) == 10_425_159  # most likely
    summary = computed["Summary"]
    assert round(summary["B5"].value) == 11_576_188 and round(summary["B6"].value) == 10_425_159
    assert computed["Schemes"].cell(row=next(r for r in range(5, 40) if schemes.cell(r, 1).value == "30"),
                                    column=3).value == "=1+1"
