"""The improvement plan and meetings in a real browser: the PMO resets a due date with its reason, publishes the
month's update and records a meeting's decision; a viewer reads without controls; no axe violations."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from governance import services
from governance.models import ActionRag, ActionStatus, Role
from governance.services import system_actor
from tests.browser.axe import axe_violations, format_violations
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2018)
    actor = system_actor("tests")
    domain = services.plan_domain_set(actor=actor, organisation=organisation, year=year, name="Improvement Plan",
                                      oversight="David Finlay, Dr Sripat Pai & Dr David Irwin")
    requirement = services.requirement_set(actor=actor, domain=domain, number=11, text="A credible financial plan.")
    action = services.plan_action_create(actor=actor, requirement=requirement, letter="d",
                                         text="3 Year financial plan final", due_date=date(2018, 12, 31), owner="CFO",
                                         rag=ActionRag.ON_TRACK, status=ActionStatus.OPEN)
    for role in (Role.PMO_EDITOR, Role.VIEWER):
        member(organisation, role, username=role)
    return {"action": action}


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit], main input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def no_violations(page: Page) -> None:
    assert not (violations := axe_violations(page)), format_violations(violations)


def test_pmo_resets_a_date_publishes_and_records_a_decision_and_a_viewer_reads(new_page, live_server, world) -> None:
    page = new_page()
    sign_in(page, live_server, Role.PMO_EDITOR)
    page.goto(f"{live_server.url}/plan/")
    expect(page.locator("h1")).to_contain_text("Improvement plan")
    expect(page.locator("main")).to_contain_text("3 Year financial plan final")
    no_violations(page)
    page.get_by_role("link", name="11d 3 Year financial plan final").first.click()
    expect(page.locator("h1")).to_contain_text("Action 11d")
    no_violations(page)
    page.get_by_role("link", name="Record a new due date for 11d").click()
    expect(page.locator("h1")).to_contain_text("Record a new due date for action 11d")
    page.fill("#id_new_date", "2019-01-14")
    page.get_by_role("button", name="Record the new due date").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the reason for the new date")
    no_violations(page)
    page.fill("#id_reason", "Re-set to 14 January 2019 to reflect national timetable.")
    page.get_by_role("button", name="Record the new due date").click()
    expect(page.locator("h1")).to_contain_text("Action 11d")
    expect(page.locator("main")).to_contain_text("Re-set to 14 January 2019 to reflect national timetable.")

    page.goto(f"{live_server.url}/plan/updates/")
    expect(page.locator("h1")).to_contain_text("Monthly updates")
    no_violations(page)
    page.select_option("#id_month", "10")
    page.get_by_role("button", name="Publish the update").click()
    expect(page.locator("h1")).to_contain_text("M10 (January 2019) improvement plan update")
    expect(page.locator("main")).to_contain_text("national timetable")
    no_violations(page)

    page.goto(f"{live_server.url}/meetings/new/")
    page.select_option("#id_kind", "governing_body")
    page.fill("#id_held_on", "2019-02-26")
    page.fill("#id_title", "Governing Body, Month 10 update")
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.locator("h1")).to_contain_text("Governing Body, Month 10 update")
    page.fill("#id_text", "Accept the revised date for 11d.")
    page.select_option("#id_action", str(world["action"].pk))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("main table")).to_contain_text("Accept the revised date for 11d.")
    no_violations(page)

    viewer = new_page()
    sign_in(viewer, live_server, Role.VIEWER)
    viewer.goto(f"{live_server.url}/plan/actions/{world['action'].pk}/")
    expect(viewer.locator("main")).to_contain_text("Accept the revised date for 11d.")
    expect(viewer.get_by_role("link", name="Edit action 11d")).to_have_count(0)
    no_violations(viewer)
    viewer.goto(f"{live_server.url}/meetings/")
    expect(viewer.locator("main")).to_contain_text("Governing Body, Month 10 update")
    expect(viewer.get_by_role("link", name="Add a meeting")).to_have_count(0)
    no_violations(viewer)
