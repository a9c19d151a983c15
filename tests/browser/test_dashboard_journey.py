"""The dashboard in a real browser: the chart is drawn from our own plotly.js, and the page (on screen and as
printed) has no axe violations."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from governance.models import Role
from schemes.models import SchemeMonth
from tests.browser.axe import axe_violations, format_violations
from tests.browser.test_financial_risks_journey import sign_in
from tests.factories import FinancialYearFactory, MembershipFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    year = FinancialYearFactory(start_year=2013)
    scheme = SchemeFactory(organisation=organisation, year=year)
    for month in range(1, 13):
        SchemeMonth.objects.create(scheme=scheme, month=month, plan=Decimal("12500"),
                                   actual=Decimal("11000") if month <= 4 else None)
    member(organisation, Role.VIEWER, username=Role.VIEWER)


def test_a_viewer_sees_the_chart_drawn_with_its_table_and_the_printed_page_is_accessible(
        new_page, live_server, world) -> None:
    page = new_page()
    sign_in(page, live_server, Role.VIEWER)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("h1")).to_contain_text("QIPP dashboard 2013/14")
    expect(page.locator("#chart-cumulative")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#chart-cumulative .main-svg").first).to_be_visible()
    expect(page.locator("#title-cumulative ~ .app-takeaway")).to_contain_text("£44,000 saved against £50,000 planned")
    for slug in ("cumulative", "rag-mix", "programmes"):  # every chart drawn, each with its table
        expect(page.locator(f"#chart-{slug}")).to_have_attribute("data-drawn", "true")
        expect(page.locator(f"#table-{slug} tbody tr").first).to_be_visible()
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.emulate_media(media="print")
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    assert not (violations := axe_violations(page)), format_violations(violations)


@pytest.fixture
def everything():
    """Two organisations of one viewer, one with every panel's data (schemes, risks, financial risks, a plan)."""
    from tests.unit.test_dashboard_panels import add_everything

    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2013)
    add_everything(organisation, year, 3)
    viewer = member(organisation, Role.VIEWER, username=Role.VIEWER)
    other = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    MembershipFactory(user=viewer, organisation=other, role=Role.VIEWER)
    add_everything(other, year, 1)
    return organisation


PANELS = ("bridge", "cumulative", "rag-mix", "programmes", "heat-map", "financial-risks", "plan-progress")
TABLES = ("top-risks", "plan-exceptions")


def test_every_panel_is_drawn_with_its_table_on_screen_and_in_print_and_the_portfolio_drills_down(
        new_page, live_server, everything) -> None:
    page = new_page()
    sign_in(page, live_server, Role.VIEWER)
    page.goto(f"{live_server.url}/")  # a governing-body viewer's home is the dashboard (the first organisation)
    expect(page.locator(".nhsuk-caption-l")).to_contain_text("NHS Bexley CCG (07N)")
    expect(page.locator("h1")).to_contain_text("QIPP dashboard 2013/14")
    for slug in PANELS:
        expect(page.locator(f"#chart-{slug}")).to_have_attribute("data-drawn", "true")
        expect(page.locator(f"#chart-{slug} .main-svg").first).to_be_visible()
        expect(page.locator(f"#table-{slug} tbody tr").first).to_be_visible()
    for slug in TABLES:
        expect(page.locator(f"#table-{slug} tbody tr").first).to_be_visible()
    expect(page.locator("#title-heat-map ~ .app-takeaway")).to_contain_text("1 of 1 scored risk is Red")
    expect(page.locator("#chart-heat-map")).to_contain_text("Red")  # the band's word in its cell
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.emulate_media(media="print")
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.locator("#table-bridge")).to_be_visible()
    # Laid out at the width of an A4 landscape page for printing.
    expect(page.locator("#chart-heat-map .main-svg").first).to_have_attribute("width", "1000")
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.emulate_media(media="screen")
    expect(page.locator("#chart-heat-map .main-svg").first).not_to_have_attribute("width", "1000")

    # The dashboard as at an earlier month: M1's actuals only.
    page.get_by_label("Show the dashboard as at").select_option("1")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"\?month=1$"))  # the same page (the viewer's home) as at M1
    expect(page.locator("#title-cumulative")).to_contain_text("as at M1 (April 2013)")

    page.get_by_role("link", name="Portfolio", exact=True).click()
    page.wait_for_url("**/portfolio/")
    expect(page.locator("#table-portfolio tbody tr")).to_have_count(2)
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.emulate_media(media="print")
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    assert not (violations := axe_violations(page)), format_violations(violations)
    page.emulate_media(media="screen")
    page.get_by_role("link", name="NHS Cambridgeshire and Peterborough CCG (06H)").click()
    page.wait_for_url("**/dashboard/06H/2013/")
    expect(page.locator(".nhsuk-caption-l")).to_contain_text("NHS Cambridgeshire and Peterborough CCG (06H)")
    expect(page.locator("#title-heat-map ~ .app-takeaway")).to_contain_text("3 of 3 scored risks are Red")
    expect(page.locator("#chart-heat-map")).to_have_attribute("data-drawn", "true")
