"""The financial plan in a real browser: a viewer reads the commitment and the deficit; no axe violations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from finance import services
from governance.models import Role
from tests.browser.test_financial_risks_journey import sign_in
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
K = Decimal(1000)


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2018)
    plan = services.financial_plan_set(actor=None, organisation=organisation, year=year,
                                       allocation=1_181_022 * K, planned_expenditure=1_216_091 * K)
    services.financial_plan_lines_set(actor=None, plan=plan, lines=[
        services.PlanLineInput(name="Allocation", section="allocation", recurrent_exit=1_143_103 * K,
                               allocation_increase=37_919 * K, planned=1_181_022 * K),
        services.PlanLineInput(name="Acute", section="expenditure", recurrent_exit=581_292 * K,
                               inflation=4_668 * K, growth=23_367 * K, other_recurrent_investment=5_456 * K,
                               planned_qipp=-13_969 * K, planned=600_814 * K, published_growth="3.4%"),
        services.PlanLineInput(name="Everything else", section="expenditure", planned_qipp=-21_173 * K,
                               planned=615_277 * K),
    ])
    member(organisation, Role.VIEWER, username=Role.VIEWER)


def test_a_viewer_reads_the_qipp_commitment_and_the_planned_deficit(new_page, live_server, world) -> None:
    from tests.browser.axe import axe_violations, format_violations

    page = new_page()

    def row(name: str):  # the table row whose heading cell is exactly `name`
        return page.locator("tr", has=page.get_by_role("rowheader", name=name, exact=True))

    sign_in(page, live_server, Role.VIEWER)
    page.goto(f"{live_server.url}/at-a-glance/")  # a viewer's home is the dashboard
    expect(row("QIPP commitment")).to_contain_text("35,142")
    expect(row("Planned deficit after QIPP")).to_contain_text("(35,069)")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.get_by_role("link", name="The financial plan, line by line").click()
    page.wait_for_url("**/finance/plan/")
    expect(page.locator("h1")).to_contain_text("Financial plan 2018/19")
    expect(row("Total spend")).to_contain_text("1,216,091")
    expect(row("Surplus/(deficit)")).to_contain_text("(35,069)")
    assert not (violations := axe_violations(page)), format_violations(violations)
