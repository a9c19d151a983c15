"""What PMO staff, panels and viewers do in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from governance.models import Role
from schemes import services
from schemes.models import ProgrammeTarget, Scheme
from tests.browser.axe import axe_violations, format_violations
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
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


def sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit], main input[type=submit]").first.click()
    assert "/accounts/login/" not in page.url, page.content()[:2000]


def test_pmo_finds_a_scheme_enters_an_actual_and_sees_ytd_and_variance(page, live_server, world):
    sign_in(page, live_server, Role.PMO_EDITOR)
    page.goto(f"{live_server.url}/schemes/")
    if not page.locator("#id_q").is_visible():
        page.get_by_text("Filter schemes").click()  # the filters sit in a details element
    page.fill("#id_q", "Respir")
    with page.expect_navigation():
        page.press("#id_q", "Enter")
    shown = page.locator("table tbody").first.inner_text()
    assert "Respiratory" in shown
    assert "Ophthalmology" not in shown
    with page.expect_navigation():
        page.locator("table tbody tr", has_text="Respiratory").get_by_role("link", name="7", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Monthly tracker").first.click()
    before = page.locator("main").inner_text()
    assert "Nothing to report yet" in page.locator("dl").first.inner_text()
    page.fill("#actual_1", "15000")
    with page.expect_navigation():
        page.get_by_role("button", name="Save actuals and forecasts").click()
    text = page.locator("main").inner_text()
    assert text != before
    # Plan M1 is 120,000 / 12 = 10,000; an actual of 15,000 is 5,000 favourable, YTD to M1.
    summary = page.locator("dl").first.inner_text()
    assert "Plan £10,000, actual £15,000, variance £5,000" in summary
    assert "YTD covers M1 to M1 Apr-13" in summary
    assert "£125,000 against a plan of £120,000" in summary  # the forecast outturn moves too
    assert Scheme.objects.get(pk=world["scheme"].pk).months.get(month=1).actual == Decimal("15000")


def test_a_panel_sitting_changes_most_likely(page, live_server, world):
    sign_in(page, live_server, Role.PANEL_MEMBER)
    page.goto(f"{live_server.url}/schemes/panel/new/")
    scheme = world["scheme"]
    selects = page.locator(f"select[name^='r{scheme.pk}-']")
    assert selects.count() >= 5, page.content()[:3000]
    for index in range(selects.count()):
        selects.nth(index).select_option("amber")
    date_input = page.locator("input[name*='held_on'], input[name*='date']").first
    if date_input.count():
        date_input.fill("2013-01-23")
    with page.expect_navigation():
        page.locator("main button[type=submit]").last.click()
    # Plan 120,000 rated Amber: most likely 75% = 90,000.
    assert Scheme.objects.get(pk=scheme.pk).most_likely == Decimal("90000.00")
    assert "90,000" in page.locator("main").inner_text()


def test_a_viewer_sees_no_edit_controls_and_cannot_edit(page, live_server, world):
    sign_in(page, live_server, Role.VIEWER)
    scheme = world["scheme"]
    page.goto(f"{live_server.url}/schemes/{scheme.pk}/")
    assert page.get_by_role("link", name="Edit scheme").count() == 0
    assert page.locator("main form[method=post] input:not([type=hidden]), main form[method=post] textarea").count() == 0
    page.goto(f"{live_server.url}/schemes/{scheme.pk}/tracker/")
    assert page.locator("#actual_1").count() == 0
    response = page.goto(f"{live_server.url}/schemes/{scheme.pk}/edit/")
    assert response is not None and response.status == 403


def test_the_edit_conflict_is_shown(chromium_browser, live_server, world):
    scheme = world["scheme"]
    pages = []
    for _ in range(2):
        context = chromium_browser.new_context()
        pages.append(context.new_page())
    alice, bob = pages
    for browser_page in pages:
        sign_in(browser_page, live_server, Role.PMO_EDITOR)
        browser_page.goto(f"{live_server.url}/schemes/{scheme.pk}/edit/")
    alice.fill("#id_name", "Respiratory (Alice)")
    with alice.expect_navigation():
        alice.locator("main button[type=submit]").first.click()
    bob.fill("#id_name", "Respiratory (Bob)")
    with bob.expect_navigation():
        bob.locator("main button[type=submit]").first.click()
    text = bob.locator("main").inner_text()
    assert "changed by someone else" in text
    assert "Respiratory (Alice)" in text  # the saved version is shown
    assert bob.locator("#id_name").input_value() == "Respiratory (Bob)"  # what Bob typed is kept
    assert Scheme.objects.get(pk=scheme.pk).name == "Respiratory (Alice)"
    for browser_page in pages:
        browser_page.context.close()


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
    violations = axe_violations(page)
    assert not violations, f"login page:\n{format_violations(violations)}"
    sign_in(page, live_server, "administrator")
    failures = []
    for template in MAIN_PAGES:
        url = template.format(pk=scheme.pk, programme=scheme.programme_id)
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
        violations = axe_violations(page)
        if violations:
            failures.append(f"{url}:\n{format_violations(violations)}")
    assert not failures, "\n\n".join(failures)


def test_keyboard_only_pmo_can_skip_filter_and_enter_an_actual(page, live_server, world):
    sign_in(page, live_server, Role.PMO_EDITOR)
    page.goto(f"{live_server.url}/schemes/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#maincontent")
    # The filters open from the keyboard and submit with Enter.
    page.locator("summary", has_text="Filter schemes").focus()
    page.keyboard.press("Enter")
    page.locator("#id_q").focus()
    page.keyboard.type("Ophthal")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Respiratory" not in page.locator("table tbody").first.inner_text()
    # In the tracker, typing a figure and pressing Enter saves it.
    page.goto(f"{live_server.url}/schemes/{world['scheme'].pk}/tracker/")
    page.locator("#actual_2").focus()
    page.keyboard.type("9000")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Scheme.objects.get(pk=world["scheme"].pk).months.get(month=2).actual == Decimal("9000")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused in {"BODY", "DIV", "A", "H1", "MAIN", "INPUT"}  # the page is usable again from the keyboard


def test_error_and_conflict_states_have_no_wcag_violations(chromium_browser, live_server, world):
    scheme = world["scheme"]
    pages = [chromium_browser.new_context().new_page() for _ in range(2)]
    first, second = pages
    for browser_page in pages:
        sign_in(browser_page, live_server, Role.PMO_EDITOR)
    failures = []

    def scan(browser_page, what: str) -> None:  # type: ignore[no-untyped-def]
        violations = axe_violations(browser_page)
        if violations:
            failures.append(f"{what}:\n{format_violations(violations)}")

    # A validation error on the scheme form: error summary and inline messages.
    first.goto(f"{live_server.url}/schemes/{scheme.pk}/edit/")
    first.fill("#id_name", "")
    with first.expect_navigation():
        first.locator("main button[type=submit]").first.click()
    assert "There is a problem" in first.locator("main").inner_text()
    scan(first, "scheme edit with errors")
    # A tracker conflict (HTTP 409): both versions side by side.
    for browser_page in pages:
        browser_page.goto(f"{live_server.url}/schemes/{scheme.pk}/tracker/")
    first.fill("#actual_1", "1000")
    with first.expect_navigation():
        first.get_by_role("button", name="Save actuals and forecasts").click()
    second.fill("#actual_1", "2000")
    with second.expect_navigation() as navigation:
        second.get_by_role("button", name="Save actuals and forecasts").click()
    assert navigation.value.status == 409
    scan(second, "tracker conflict")
    # A bad figure typed in the tracker.
    first.goto(f"{live_server.url}/schemes/{scheme.pk}/tracker/")
    first.fill("#forecast_3", "lots")
    with first.expect_navigation():
        first.get_by_role("button", name="Save actuals and forecasts").click()
    assert "There is a problem" in first.locator("main").inner_text()
    scan(first, "tracker with a bad figure")
    for browser_page in pages:
        browser_page.context.close()
    assert not failures, "\n\n".join(failures)
