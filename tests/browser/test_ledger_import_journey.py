"""Importing a ledger in a real browser: choose the file, check what it will do, import it (WCAG 2.2 A/AA)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from finance.models import BudgetLine, BudgetMonth
from governance.models import Role
from tests.browser.axe import axe_violations, format_violations
from tests.browser.test_journeys import posting, sign_in
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
HEADER = "Budget line,Month,Plan,Actual,Forecast\n"
URL = "/finance/budgets/import/"


@pytest.fixture
def cambs(tmp_path, monkeypatch):
    import tempfile

    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    FinancialYearFactory(start_year=2018)
    member(organisation, Role.FINANCE, username="finance")
    return organisation


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{format_violations(violations)}"


def test_ledger_import_journey_pages_have_no_wcag_22_a_or_aa_violations(page, live_server, cambs, tmp_path):
    sign_in(page, live_server, "finance")
    page.goto(f"{live_server.url}/finance/budgets/")
    page.get_by_role("link", name="Import ledger figures").click()
    page.wait_for_url(f"**{URL}")
    expect(page.locator("main")).to_contain_text("Importing into NHS Cambridgeshire and Peterborough CCG, 2018/19")
    assert_accessible(page, "ledger import: choose a file")

    # A file with problems: the error summary names row and column, and nothing is saved.
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Acute,M13,100,,\nAcute,M1,TBC,,\n", encoding="utf-8-sig")
    page.set_input_files("#id_ledger", str(bad))
    with posting(page, URL) as posted:
        page.get_by_role("button", name="Check the file").click()
    assert posted.value.status == 200
    summary = page.locator("#problems")
    expect(summary).to_contain_text("row 2, column B (Month): 'M13' is not a month")
    expect(summary).to_contain_text("row 3, column C (Plan): 'TBC' is not an amount in pounds")
    assert_accessible(page, "ledger import: problems in the file")

    # A good file (saved by Excel, with a byte-order mark): the preview, then the import.
    good = tmp_path / "ledger-m10.csv"
    good.write_text("Month 10 ledger\n" + HEADER + 'Acute,M1,"£50,330,400.00","50,752,800.00",\n'
                    "Acute,Feb-19,50330400,,50440000\n", encoding="utf-8-sig")
    page.set_input_files("#id_ledger", str(good))
    with posting(page, URL) as posted:
        page.get_by_role("button", name="Check the file").click()
    assert posted.value.status == 200
    expect(page.locator("main table")).to_contain_text("not seen before in 06H 2018/19, will be created (M1, M11)")
    assert_accessible(page, "ledger import: preview")
    assert not BudgetLine.objects.exists()
    page.get_by_role("button", name="Import 2 rows").click()
    page.wait_for_url("**/imports/*/")
    expect(page.locator("main")).to_contain_text("ledger-m10.csv")
    assert_accessible(page, "ledger import: the import's record")
    acute = BudgetLine.objects.get(organisation=cambs, name="Acute")
    assert BudgetMonth.objects.get(line=acute, month=1).actual == Decimal("50752800.00")
    assert BudgetMonth.objects.get(line=acute, month=11).forecast == Decimal("50440000.00")

    # The record links to the budget line it created.
    page.locator("main").get_by_role("link", name="Acute").click()
    page.wait_for_url(f"**{acute.get_absolute_url()}")
    expect(page.locator("h1")).to_contain_text("Acute")
    assert_accessible(page, "the imported budget line")
