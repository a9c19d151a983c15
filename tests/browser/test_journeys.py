"""What PMO staff, panels and viewers do in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from governance.models import Role
from schemes import services
from schemes.models import ProgrammeTarget, Scheme
from tests.browser.axe import axe_violations, format_violations
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world():
    """One organisation with two schemes; each create commits, so the eager recompute has run."""
    organisation = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    year = FinancialYearFactory(start_year=2013)
    programme = ProgrammeFactory(organisation=organisation, name="Planned Care")
    respiratory = services.scheme_create(
        actor=None, organisation=organisation, year=year, programme=programme, reference="7",
        name="Respiratory", go_live=date(2013, 4, 1), gross_saving=Decimal("120000"),
    )
    services.scheme_create(
        actor=None, organisation=organisation, year=year, programme=programme, reference="23",
        name="Ophthalmology", go_live=date(2013, 4, 1), gross_saving=Decimal("500000"),
    )
    users = {role: member(organisation, role, username=role) for role in
             (Role.PMO_EDITOR, Role.PANEL_MEMBER, Role.VIEWER, Role.FINANCE)}
    return {"organisation": organisation, "scheme": respiratory, "users": users}


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit], main input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def posting(page: Page, path: str) -> Any:
    """Wait for the answer to the form POST to `path` that the next action sends (to check its status)."""
    return page.expect_response(lambda response: response.request.method == "POST" and response.url.endswith(path))


def test_pmo_finds_a_scheme_enters_an_actual_and_sees_ytd_and_variance(page, live_server, world):
    scheme = world["scheme"]
    sign_in(page, live_server, Role.PMO_EDITOR)
    page.goto(f"{live_server.url}/schemes/")
    # The filters sit in a details element, closed on the unfiltered register.
    page.get_by_text("Filter schemes").click()
    expect(page.locator("#id_q")).to_be_visible()
    page.fill("#id_q", "Respir")
    page.press("#id_q", "Enter")
    page.wait_for_url(re.compile(r"/schemes/\?(.*&)?q=Respir"))
    shown = page.locator("table tbody").first
    expect(shown).to_contain_text("Respiratory")
    expect(shown).not_to_contain_text("Ophthalmology")
    page.locator("table tbody tr", has_text="Respiratory").get_by_role("link", name="7", exact=True).click()
    page.wait_for_url(f"**/schemes/{scheme.pk}/")
    page.get_by_role("link", name="Monthly tracker").first.click()
    page.wait_for_url(f"**/schemes/{scheme.pk}/tracker/")
    summary = page.locator("dl").first
    expect(summary).to_contain_text("Nothing to report yet")
    page.fill("#actual_1", "15000")
    with posting(page, f"/schemes/{scheme.pk}/tracker/") as posted:
        page.get_by_role("button", name="Save actuals and forecasts").click()
    assert posted.value.status == 302  # saved, then back to the tracker
    # Plan M1 is 120,000 / 12 = 10,000; an actual of 15,000 is 5,000 favourable, YTD to M1.
    expect(summary).to_contain_text("Plan £10,000, actual £15,000, variance £5,000")
    expect(summary).to_contain_text("YTD covers M1 to M1 Apr-13")
    expect(summary).to_contain_text("£125,000 against a plan of £120,000")  # the forecast outturn moves too
    expect(summary).not_to_contain_text("Nothing to report yet")
    assert Scheme.objects.get(pk=scheme.pk).months.get(month=1).actual == Decimal("15000")


def test_a_panel_sitting_changes_most_likely(page, live_server, world):
    scheme = world["scheme"]
    sign_in(page, live_server, Role.PANEL_MEMBER)
    page.goto(f"{live_server.url}/schemes/panel/new/")
    selects = page.locator(f"select[name^='r{scheme.pk}-']")
    expect(selects).to_have_count(5)  # four dimensions and overall
    for index in range(5):
        selects.nth(index).select_option("amber")
    page.fill("#id_held_on", "2013-01-23")
    page.get_by_role("button", name="Save all ratings").click()
    page.wait_for_url(re.compile(r"/schemes/panel/\d+/$"))
    # Plan 120,000 rated Amber: most likely 75% = 90,000.
    expect(page.locator("main")).to_contain_text("£90,000")
    assert Scheme.objects.get(pk=scheme.pk).most_likely == Decimal("90000.00")


def test_a_viewer_sees_no_edit_controls_and_cannot_edit(page, live_server, world):
    scheme = world["scheme"]
    sign_in(page, live_server, Role.VIEWER)
    page.goto(f"{live_server.url}/schemes/{scheme.pk}/")
    expect(page.locator("h1")).to_contain_text("Respiratory")  # the page is there before counting what is not
    expect(page.get_by_role("link", name="Edit scheme")).to_have_count(0)
    expect(page.locator("main form[method=post] input:not([type=hidden]), main form[method=post] textarea")
           ).to_have_count(0)
    page.goto(f"{live_server.url}/schemes/{scheme.pk}/tracker/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Respiratory")
    expect(page.locator("#actual_1")).to_have_count(0)
    response = page.goto(f"{live_server.url}/schemes/{scheme.pk}/edit/")
    assert response is not None and response.status == 403


def test_the_edit_conflict_is_shown(new_page, live_server, world):
    scheme = world["scheme"]
    alice, bob = new_page(), new_page()
    for browser_page in (alice, bob):
        sign_in(browser_page, live_server, Role.PMO_EDITOR)
        browser_page.goto(f"{live_server.url}/schemes/{scheme.pk}/edit/")
        expect(browser_page.locator("#id_name")).to_have_value("Respiratory")
    alice.fill("#id_name", "Respiratory (Alice)")
    alice.locator("main button[type=submit]").first.click()
    alice.wait_for_url(f"**/schemes/{scheme.pk}/")  # saved
    bob.fill("#id_name", "Respiratory (Bob)")
    with posting(bob, f"/schemes/{scheme.pk}/edit/") as posted:
        bob.locator("main button[type=submit]").first.click()
    assert posted.value.status == 409
    main = bob.locator("main")
    expect(main).to_contain_text("changed by someone else")
    expect(main).to_contain_text("Respiratory (Alice)")  # the saved version is shown
    expect(bob.locator("#id_name")).to_have_value("Respiratory (Bob)")  # what Bob typed is kept
    assert Scheme.objects.get(pk=scheme.pk).name == "Respiratory (Alice)"


MAIN_PAGES = [
    "/",
    "/schemes/",
    "/schemes/{pk}/",
    "/schemes/{pk}/edit/",
    "/schemes/new/",
    "/schemes/import/",
    "/schemes/{pk}/tracker/",
    "/schemes/programmes/{programme}/tracker/",
    "/schemes/tracker/",
    "/schemes/panel/",
    "/schemes/panel/new/",
    "/schemes/{pk}/director/",
    "/schemes/{pk}/stage/",
    "/schemes/{pk}/key-stages/",
    "/schemes/{pk}/key-stages/timeline/",
    "/schemes/{pk}/override/",
    "/months/",
]


def test_main_pages_have_no_wcag_22_a_or_aa_violations(page, live_server, world):
    scheme = world["scheme"]
    admin = member(world["organisation"], Role.ADMINISTRATOR, username="administrator")
    assert admin.pk
    # So the home page also shows the programme targets table (NHS Surrey's four-year plan).
    ProgrammeTarget.objects.create(programme=scheme.programme, year=scheme.year, planned_saving=Decimal("1000000"))
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("#id_username")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, f"login page:\n{format_violations(violations)}"
    sign_in(page, live_server, "administrator")
    failures = []
    for template in MAIN_PAGES:
        url = template.format(pk=scheme.pk, programme=scheme.programme_id)
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
        expect(page.locator("h1")).to_be_visible()
        violations = axe_violations(page)
        if violations:
            failures.append(f"{url}:\n{format_violations(violations)}")
    assert not failures, "\n\n".join(failures)


def test_keyboard_only_pmo_can_skip_filter_and_enter_an_actual(page, live_server, world):
    scheme = world["scheme"]
    sign_in(page, live_server, Role.PMO_EDITOR)
    page.goto(f"{live_server.url}/schemes/")
    skip = page.get_by_role("link", name="Skip to main content")
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#maincontent$"))
    expect(page.locator("#maincontent")).to_be_focused()
    # The filters open from the keyboard and submit with Enter.
    summary = page.locator("summary", has_text="Filter schemes")
    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    search = page.locator("#id_q")
    expect(search).to_be_visible()
    search.focus()
    expect(search).to_be_focused()
    page.keyboard.type("Ophthal")
    expect(search).to_have_value("Ophthal")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/schemes/\?(.*&)?q=Ophthal"))
    shown = page.locator("table tbody").first
    expect(shown).to_contain_text("Ophthalmology")
    expect(shown).not_to_contain_text("Respiratory")
    # In the tracker, typing a figure and pressing Enter saves it.
    page.goto(f"{live_server.url}/schemes/{scheme.pk}/tracker/")
    actual = page.locator("#actual_2")
    actual.focus()
    expect(actual).to_be_focused()
    page.keyboard.type("9000")
    expect(actual).to_have_value("9000")
    with posting(page, f"/schemes/{scheme.pk}/tracker/") as posted:
        page.keyboard.press("Enter")
    assert posted.value.status == 302
    expect(page.locator("#actual_2")).to_have_value(re.compile(r"^9,?000$"))  # the tracker drawn again, saved
    assert Scheme.objects.get(pk=scheme.pk).months.get(month=2).actual == Decimal("9000")
    # The page is usable again from the keyboard: focus is on the banner that says what was saved, and the
    # next Tabs lead into the tracker's grid and its first figure.
    banner = page.locator(".nhsuk-notification-banner--success")
    expect(banner).to_be_focused()
    expect(banner).to_contain_text("Saved M2 May-13 for 7.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("region", name=re.compile(r"^Savings by month for 7"))).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#actual_1")).to_be_focused()


def test_error_and_conflict_states_have_no_wcag_violations(new_page, live_server, world):
    scheme = world["scheme"]
    first, second = new_page(), new_page()
    for browser_page in (first, second):
        sign_in(browser_page, live_server, Role.PMO_EDITOR)
    failures = []

    def scan(browser_page: Page, what: str) -> None:
        violations = axe_violations(browser_page)
        if violations:
            failures.append(f"{what}:\n{format_violations(violations)}")

    # A validation error on the scheme form: error summary and inline messages.
    first.goto(f"{live_server.url}/schemes/{scheme.pk}/edit/")
    first.fill("#id_name", "")
    with posting(first, f"/schemes/{scheme.pk}/edit/") as posted:
        first.locator("main button[type=submit]").first.click()
    assert posted.value.status == 200
    expect(first.locator(".nhsuk-error-summary")).to_contain_text("There is a problem")
    scan(first, "scheme edit with errors")
    # A tracker conflict (HTTP 409): both versions side by side.
    tracker = f"/schemes/{scheme.pk}/tracker/"
    for browser_page in (first, second):
        browser_page.goto(f"{live_server.url}{tracker}")
        expect(browser_page.locator("#actual_1")).to_have_value("")
    first.fill("#actual_1", "1000")
    with posting(first, tracker) as posted:
        first.get_by_role("button", name="Save actuals and forecasts").click()
    assert posted.value.status == 302
    expect(first.locator("#actual_1")).to_have_value(re.compile(r"^1,?000$"))
    second.fill("#actual_1", "2000")
    with posting(second, tracker) as posted:
        second.get_by_role("button", name="Save actuals and forecasts").click()
    assert posted.value.status == 409
    expect(second.locator("main")).to_contain_text("Someone else saved")
    scan(second, "tracker conflict")
    # A bad figure typed in the tracker.
    first.goto(f"{live_server.url}{tracker}")
    first.fill("#forecast_3", "lots")
    with posting(first, tracker) as posted:
        first.get_by_role("button", name="Save actuals and forecasts").click()
    assert posted.value.status == 200
    expect(first.locator(".nhsuk-error-summary")).to_contain_text("There is a problem")
    scan(first, "tracker with a bad figure")
    assert not failures, "\n\n".join(failures)
