"""Activity plans in a real browser: finance record a month's actual (a bad count, then a stale save, then a good
one); a governing-body viewer reads the plan with no edit buttons; every page without axe violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from finance import services
from governance.models import Role
from tests.browser.axe import axe_violations, format_violations
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"
# Seed 004, E.M.7 and E.M.7a (whose profile adds to 177,010 against a printed plan of 177,009).
EM7 = [25761, 27776, 26576, 27433, 26199, 24340, 28016, 27513, 22285, 27119, 25088, 27146]
EM7A = [14778, 15677, 15025, 15238, 15072, 13733, 15699, 15334, 12070, 15022, 14116, 15246]


@pytest.fixture
def world():
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2018)
    lines = {}
    for position, (code, title, outturn, do_nothing, qipp, plan, profile) in enumerate([
        ("E.M.7", "Total Referrals (Specific Acute)", 318285, 330640, -15388, 315252, EM7),
        ("E.M.7a", "Total GP Referrals (G&A)", 178715, 185649, -8640, 177009, EM7A),
    ], start=1):
        line = services.activity_line_record(
            actor=None, organisation=organisation, year=year, code=code, title=title, position=position,
            prior_outturn=outturn, do_nothing=do_nothing, qipp_change=qipp, plan=plan, published_change="-1%",
        )
        for month, count in enumerate(profile, start=1):
            services.activity_month_record(actor=None, line=line, month=month, plan=count)
        lines[code] = line
    for role in (Role.FINANCE, Role.VIEWER):
        member(organisation, role, username=role)
    return lines


def sign_in(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit], main input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def clean(page: Page) -> None:
    assert not (violations := axe_violations(page)), format_violations(violations)


def test_finance_record_an_actual_and_a_viewer_reads_the_plan(new_page, live_server, world) -> None:
    page = new_page()
    sign_in(page, live_server, Role.FINANCE)
    page.get_by_role("link", name="Activity", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Activity plan")
    expect(page.locator("main")).to_contain_text("No actuals recorded yet")
    expect(page.locator("main")).to_contain_text("+1 on the printed plan")  # E.M.7a, shown not hidden
    clean(page)
    page.locator("#id_month").select_option("10")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#against-caption")).to_contain_text("M10 (January 2019)")
    expect(page.locator("main")).to_contain_text("263,018")  # E.M.7 YTD plan, M1 to M10
    clean(page)

    page.get_by_role("link", name="E.M.7", exact=True).first.click()
    expect(page.locator("h1")).to_contain_text("E.M.7 Total Referrals")
    clean(page)
    page.get_by_role("link", name="Edit M1 (April 2018)").click()
    expect(page.locator("h1")).to_have_text("M1 (April 2018)")
    clean(page)
    page.fill("#id_actual", "lots")
    page.get_by_role("button", name="Save the month").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the actual as a whole number")
    clean(page)

    # Someone else saves the month meanwhile: the save answers 409 and keeps what was typed.
    line = world["E.M.7"]
    services.activity_month_record(actor=None, line=line, month=1, plan=25761, actual=25900, expected_version=1)
    page.fill("#id_actual", "26,000")
    page.get_by_role("button", name="Save the month").click()
    expect(page.locator("#conflict")).to_contain_text("Someone else changed this month")
    expect(page.locator("#id_actual")).to_have_value("26,000")
    clean(page)
    page.get_by_role("button", name="Save my version").click()
    expect(page.locator("h1")).to_contain_text("E.M.7 Total Referrals")
    expect(page.locator("main")).to_contain_text("(239)")  # 26,000 against 25,761: over plan, adverse
    expect(page.locator("main")).to_contain_text("(0.9)%")
    page.get_by_role("link", name="Edit the line").click()
    page.fill("#id_commentary", "GP referrals above plan in April")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("main")).to_contain_text("GP referrals above plan in April")
    page.get_by_role("link", name="History").click()
    expect(page.locator("h1")).to_contain_text("History of E.M.7")
    clean(page)

    viewer = new_page()
    sign_in(viewer, live_server, Role.VIEWER)
    viewer.goto(f"{live_server.url}/finance/activity/")
    expect(viewer.locator("#against-caption")).to_contain_text("M1 (April 2018)")  # the latest month recorded
    expect(viewer.locator("main")).to_contain_text("(239)")
    viewer.get_by_role("link", name="E.M.7", exact=True).first.click()
    expect(viewer.get_by_role("link", name="Edit the line")).to_have_count(0)
    expect(viewer.get_by_role("link", name="Edit M1 (April 2018)")).to_have_count(0)
    clean(viewer)
