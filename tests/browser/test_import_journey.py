"""Importing a workbook in a real browser: choose the file, check what it will do, import it (WCAG 2.2 A/AA)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from governance.models import Role
from schemes.models import Scheme
from tests.browser.axe import axe_violations, format_violations
from tests.browser.test_journeys import posting, sign_in
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bexley(tmp_path, monkeypatch):
    import tempfile

    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    organisation = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    FinancialYearFactory(start_year=2013)
    member(organisation, Role.ADMINISTRATOR, username="administrator")
    return organisation


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{format_violations(violations)}"


def test_import_journey_pages_have_no_wcag_22_a_or_aa_violations(page, live_server, bexley, bexley_workbook,
                                                                  tmp_path):
    sign_in(page, live_server, "administrator")
    page.goto(f"{live_server.url}/schemes/")
    page.get_by_role("link", name="Import a workbook").click()
    page.wait_for_url("**/schemes/import/")
    expect(page.locator("main")).to_contain_text("Importing into NHS Bexley CCG, 2013/14")

    # A file with a problem: the error summary names sheet, row and column.
    book = openpyxl.load_workbook(bexley_workbook)
    book.active["P10"] = "Purple"
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    page.set_input_files("#id_workbook", str(bad))
    with posting(page, "/schemes/import/") as posted:
        page.get_by_role("button", name="Check the workbook").click()
    assert posted.value.status == 200  # the form again, with the problems
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("sheet 'Appendix 1', row 10, column P")
    expect(summary).to_contain_text("Nothing has been saved")
    assert_accessible(page, "import: problems in the file")

    # The real file: the preview, then the import.
    page.set_input_files("#id_workbook", str(bexley_workbook))
    with posting(page, "/schemes/import/") as posted:
        page.get_by_role("button", name="Check the workbook").click()
    assert posted.value.status == 200
    expect(page.locator("#overrides + p + ul")).to_contain_text("GP QIPP - PMC")
    assert_accessible(page, "import: preview")
    assert Scheme.objects.count() == 0
    page.get_by_role("button", name="Import 27 schemes").click()
    page.wait_for_url("**/schemes/")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "27 created, 0 updated, 0 unchanged; 4 figures kept as published overrides")
    assert Scheme.objects.filter(organisation=bexley).count() == 27
    assert Scheme.objects.get(organisation=bexley, name="GP QIPP - PMC").director_value == Decimal("141000.00")
    assert_accessible(page, "register after the import (every money column's total)")

    # The import is a record: listed on the imports page, with its warnings and a link to each scheme.
    page.goto(f"{live_server.url}/imports/")  # in the main menu (behind "More" at this width)
    expect(page.locator("main table")).to_contain_text("bexley_2013_14_appendix1.xlsx")
    assert_accessible(page, "imports")
    page.get_by_role("link", name="bexley_2013_14_appendix1.xlsx").click()
    page.wait_for_url("**/imports/*/")
    expect(page.locator("main")).to_contain_text("27 created, 0 updated, 0 unchanged")
    expect(page.locator("main")).to_contain_text("Adult Intergrated Care")
    assert_accessible(page, "an import")
    page.get_by_role("link", name="GP QIPP - PMC").first.click()
    page.wait_for_url("**/schemes/*/")
    expect(page.locator("h1")).to_contain_text("GP QIPP - PMC")


def test_import_refuses_a_csv_in_words_without_wcag_violations(page, live_server, bexley, tmp_path):
    csv = Path(tmp_path / "schemes.csv")
    csv.write_text("File REF,Scheme Heading\n1,Thing\n")
    sign_in(page, live_server, "administrator")
    page.goto(f"{live_server.url}/schemes/import/")
    page.set_input_files("#id_workbook", str(csv))
    with posting(page, "/schemes/import/") as posted:
        page.get_by_role("button", name="Check the workbook").click()
    assert posted.value.status == 200  # the form again, with the problems
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "is not an Excel workbook: choose a file ending .xlsx")
    assert_accessible(page, "import: not a workbook")
