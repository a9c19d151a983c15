"""Financial risks and mitigations in a real browser: finance adds a row; a viewer reads; no axe violations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from finance import services
from governance.models import Role
from tests.browser.axe import axe_violations, format_violations
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2018)
    register = services.financial_risk_month_start(actor=None, organisation=organisation, year=year, month=10)
    services.financial_risk_create(actor=None, register=register, kind="risk", description="D2A demand",
                                   total_value=Decimal("4000000"), assessed_value=Decimal("3240000"),
                                   in_forecast=Decimal("3040000"), exec_lead="JT")
    services.financial_risk_create(actor=None, register=register, kind="mitigation", description="Contingency 0.5%",
                                   total_value=Decimal("3011000"), assessed_value=Decimal("3011000"),
                                   in_forecast=Decimal("3011000"))
    for role in (Role.FINANCE, Role.VIEWER):
        member(organisation, role, username=role)
    return {"register": register}


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit], main input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_finance_adds_a_risk_and_a_viewer_reads_the_register(new_page, live_server, world) -> None:
    page = new_page()
    sign_in(page, live_server, Role.FINANCE)
    page.goto(f"{live_server.url}/finance/financial-risks/")
    expect(page.locator("h1")).to_contain_text("Financial risks and mitigations")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.get_by_role("link", name="M10 (January 2019)").click()
    expect(page.locator("h1")).to_contain_text("M10 (January 2019)")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.get_by_role("link", name="Add a risk").click()
    expect(page.locator("h1")).to_contain_text("Add a risk or mitigation")
    page.fill("#id_description", "CHC placement costs")
    page.fill("#id_total_value", "lots")
    page.fill("#id_assessed_value", "2,822,000")
    page.fill("#id_in_forecast", "2,322,000")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the total value as an amount in pounds")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.fill("#id_total_value", "6,000,000")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("h1")).to_contain_text("M10 (January 2019)")
    expect(page.locator("#risk-caption").locator("xpath=..")).to_contain_text("(10,000)")  # risks total, adverse

    viewer = new_page()
    sign_in(viewer, live_server, Role.VIEWER)
    viewer.goto(f"{live_server.url}/finance/financial-risks/{world['register'].pk}/")
    expect(viewer.locator("h1")).to_contain_text("M10 (January 2019)")
    expect(viewer.locator("main")).to_contain_text("CHC placement costs")
    expect(viewer.get_by_role("link", name="Add a risk")).to_have_count(0)
    expect(viewer.get_by_role("link", name="Edit D2A demand")).to_have_count(0)
    assert not (violations := axe_violations(viewer)), format_violations(violations)
