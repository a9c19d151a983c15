"""The risk register in a real browser: a PMO editor adds a risk, reads the heat map and follows a cell to its
risks; a viewer reads without controls; no axe violations on the register, detail, form and heat map."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from governance.models import Role
from risks.services import risk_create
from tests.browser.axe import axe_violations, format_violations
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2018)
    risk = risk_create(
        actor=None, organisation=organisation, year=year,
        title="Failure to address Section 117/CHC disputes with Local Authorities", owner="Chief Operating Officer",
        year_start_likelihood=4, year_start_impact=4, current_likelihood=4, current_impact=4,
        current_published="20 4x4", target_likelihood=1, target_impact=4,
    )
    for role in (Role.PMO_EDITOR, Role.VIEWER):
        member(organisation, role, username=role)
    return {"risk": risk}


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit], main input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def no_violations(page: Page) -> None:
    assert not (violations := axe_violations(page)), format_violations(violations)


def test_pmo_adds_a_risk_and_follows_the_heat_map_and_a_viewer_reads(new_page, live_server, world) -> None:
    page = new_page()
    sign_in(page, live_server, Role.PMO_EDITOR)
    page.goto(f"{live_server.url}/risks/")
    expect(page.locator("h1")).to_contain_text("Risk register")
    expect(page.locator("main")).to_contain_text("Discrepancy: Published “20 4x4” (score 20), but 4 × 4 = 16 Red")
    no_violations(page)
    page.get_by_role("link", name="Add a risk").click()
    expect(page.locator("h1")).to_contain_text("Add a risk")
    page.fill("#id_title", "Activity above plan")
    page.select_option("#id_current_likelihood", "3")
    page.get_by_role("button", name="Add the risk").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("likelihood and impact together")
    no_violations(page)
    page.select_option("#id_current_impact", "5")
    page.get_by_role("button", name="Add the risk").click()
    expect(page.locator("h1")).to_contain_text("Activity above plan")
    expect(page.locator("main")).to_contain_text("15 (3×5)")
    no_violations(page)
    page.goto(f"{live_server.url}/risks/heat-map/")
    expect(page.locator("h1")).to_contain_text("Risk heat map: current scores")
    no_violations(page)
    page.get_by_role("link", name="1 risk with likelihood 4 and impact 4").click()
    expect(page.locator("main")).to_contain_text("1 risk of NHS Cambridgeshire and Peterborough CCG, 2018/19")
    expect(page.locator("main")).to_contain_text("Section 117/CHC")

    viewer = new_page()
    sign_in(viewer, live_server, Role.VIEWER)
    viewer.goto(f"{live_server.url}/risks/{world['risk'].pk}/")
    expect(viewer.locator("h1")).to_contain_text("Section 117/CHC")
    expect(viewer.get_by_role("link", name="Edit or review this risk")).to_have_count(0)
    no_violations(viewer)
