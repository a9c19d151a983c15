"""Month-end reports in a real browser: finance produces and reissues a month; a viewer reads both issues; axe-clean."""

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
K = Decimal(1000)


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2018)
    line = services.budget_line_record(actor=None, organisation=organisation, year=year, name="Acute Services",
                                       section="Programme Expenditure", commentary="D2A and winter beds")
    for month in range(1, 13):
        services.budget_month_record(actor=None, line=line, month=month, plan=50_330 * K,
                                     actual=50_753 * K if month <= 10 else None)
    for role in (Role.FINANCE, Role.VIEWER, Role.ADMINISTRATOR):
        member(organisation, role, username=role)


def test_finance_produces_and_reissues_a_month_and_a_viewer_reads_it(new_page, live_server, world) -> None:
    page = new_page()
    sign_in(page, live_server, Role.FINANCE)
    page.goto(f"{live_server.url}/finance/reports/")
    expect(page.locator("h1")).to_contain_text("Month-end reports 2018/19")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.get_by_label("Month", exact=True).select_option("10")
    page.get_by_role("button", name="Produce report").click()
    expect(page.locator("h1")).to_have_text("Month-end report, M10 (January 2019)")
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Acute Services", exact=True))
    expect(row).to_contain_text("(4,230)")  # 503,300 plan against 507,530 spent: adverse
    expect(page.get_by_text("Issue 1, produced")).to_be_visible()
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.goto(f"{live_server.url}/finance/reports/")
    page.get_by_label("Month", exact=True).select_option("10")
    page.get_by_role("button", name="Produce report").click()
    expect(page.get_by_text("Issue 2, produced")).to_be_visible()

    viewer = new_page()
    sign_in(viewer, live_server, Role.VIEWER)
    viewer.goto(f"{live_server.url}/finance/reports/")
    expect(viewer.get_by_role("button", name="Produce report")).to_have_count(0)
    expect(viewer.locator("table.app-variance-reports tbody tr")).to_have_count(2)
    viewer.locator("tr", has_text="Superseded").get_by_role("link").click()
    expect(viewer.get_by_text("Superseded").first).to_be_visible()
    expect(viewer.get_by_role("link", name="Issue 2")).to_be_visible()
    assert not (violations := axe_violations(viewer)), format_violations(violations)

    # The administrator reads both runs on the Background jobs page, linked from the menu.
    admin = new_page()
    sign_in(admin, live_server, Role.ADMINISTRATOR)
    expect(admin.locator("header a", has_text="Background jobs")).not_to_have_count(0)
    admin.goto(f"{live_server.url}/jobs/")
    expect(admin.locator("h1")).to_have_text("Background jobs")
    expect(admin.locator("table.app-job-runs tbody tr")).to_have_count(2)
    expect(admin.locator("table.app-job-runs")).to_contain_text("Issue 2 of M10 2018/19")
    assert not (violations := axe_violations(admin)), format_violations(violations)
    # The finance page's progress table shows the same runs, finished.
    page.goto(f"{live_server.url}/finance/reports/")
    expect(page.locator("table.app-report-runs tbody tr")).to_have_count(2)
    assert not (violations := axe_violations(page)), format_violations(violations)

