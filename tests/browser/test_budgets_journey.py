"""Budgets in a real browser: finance edits a month's actual and sees the YTD change; a viewer reads; axe-clean."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from finance import services
from governance.models import Role
from tests.browser.axe import axe_violations, format_violations
from tests.browser.test_financial_risks_journey import sign_in
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2018)
    line = services.budget_line_record(actor=None, organisation=organisation, year=year, name="Acute Services",
                                       position=1, section="Programme Expenditure",
                                       commentary="In year overspend driven by Discharge to Assess")
    for month in range(1, 13):
        services.budget_month_record(actor=None, line=line, month=month, plan=Decimal("50000000"),
                                     actual=Decimal("51000000") if month <= 2 else None)
    for role in (Role.FINANCE, Role.VIEWER):
        member(organisation, role, username=role)
    return {"line": line}


def test_finance_edits_a_months_actual_and_sees_the_ytd_change(new_page, live_server, world) -> None:
    page = new_page()
    sign_in(page, live_server, Role.FINANCE)
    page.goto(f"{live_server.url}/finance/budgets/")
    expect(page.locator("#budget-caption")).to_contain_text("M2 (May 2018), 2018/19")
    expect(page.locator("main")).to_contain_text("(2,000)")  # 100,000 planned, 102,000 spent (£'000)
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.get_by_role("link", name="Acute Services").click()
    expect(page.locator("h1")).to_contain_text("Acute Services")
    expect(page.locator("#ytd-actual")).to_have_text("£102,000,000")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.get_by_role("link", name="Edit M2").click()
    expect(page.locator("h1")).to_contain_text("M2 (May 2018)")
    page.fill("#id_actual", "a lot")
    page.get_by_role("button", name="Save month").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the actual in pounds")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.fill("#id_actual", "£49,500,000")
    page.get_by_role("button", name="Save month").click()
    expect(page.locator("h1")).to_contain_text("Acute Services")
    expect(page.locator("#ytd-actual")).to_have_text("£100,500,000")
    expect(page.locator("#ytd-variance")).to_have_text("(£500,000)")
    page.get_by_role("link", name="The budget, M2 (May 2018)").click()
    expect(page.locator("main")).to_contain_text("(500)")

    viewer = new_page()
    sign_in(viewer, live_server, Role.VIEWER)
    viewer.goto(f"{live_server.url}{world['line'].get_absolute_url()}")
    expect(viewer.locator("#ytd-actual")).to_have_text("£100,500,000")
    expect(viewer.get_by_role("link", name="Edit M2")).to_have_count(0)
    expect(viewer.get_by_role("link", name="Edit line and commentary")).to_have_count(0)
    assert not (violations := axe_violations(viewer)), format_violations(violations)
