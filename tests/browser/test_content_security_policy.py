"""The strict content-security policy in a real browser (issue 12): the dashboard's plotly charts draw, Swagger UI
renders the API docs and the admin works, with no violation reported and no console error on any of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from governance.models import Role
from tests.browser.csp import watch_csp
from tests.browser.test_financial_risks_journey import PASSWORD, sign_in
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

PANELS = ("bridge", "cumulative", "rag-mix", "programmes", "heat-map", "financial-risks", "plan-progress")


def _watched(new_page: Any) -> tuple[Any, list[str], list[str]]:
    """A page under the real policy (no bypass), its context's CSP violations and its console errors."""
    page = new_page()
    violations = watch_csp(page.context)
    errors: list[str] = []

    def console(message: Any) -> None:
        # The admin's pages link no icon, so the browser asks for /favicon.ico, which the portal does not serve.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} at {message.location.get('url')}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, violations, errors


def test_every_dashboard_chart_draws_with_plotlys_rules_from_the_file_and_no_violation(new_page, live_server):
    from tests.unit.test_dashboard_panels import add_everything

    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    add_everything(organisation, FinancialYearFactory(start_year=2013), 3)
    member(organisation, Role.VIEWER, username=Role.VIEWER)
    page, violations, errors = _watched(new_page)
    sign_in(page, live_server, Role.VIEWER)
    page.goto(f"{live_server.url}/dashboard/")
    for slug in PANELS:
        expect(page.locator(f"#chart-{slug}")).to_have_attribute("data-drawn", "true")
        expect(page.locator(f"#chart-{slug} .main-svg").first).to_be_visible()
    # plotly.js added no style element: its rules came from static/css/plotly.css, and they apply.
    styles = "() => [...document.querySelectorAll('style')].map(style => style.outerHTML.slice(0, 80))"
    assert page.evaluate(styles) == []
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('#chart-cumulative .main-svg')).position") == "absolute"
    page.hover("#chart-cumulative .main-svg >> nth=0")  # hover labels are drawn at run time too
    page.emulate_media(media="print")
    expect(page.locator("#chart-heat-map .main-svg").first).to_have_attribute("width", "1000")
    assert violations == [] and errors == []


def test_swagger_ui_renders_the_api_docs_with_no_violation(new_page, live_server) -> None:
    member(OrganisationFactory(), Role.FINANCE, username=Role.FINANCE)
    page, violations, errors = _watched(new_page)
    sign_in(page, live_server, Role.FINANCE)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("QIPP portal API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.locator(".swagger-ui .opblock-summary").first.click()  # an operation opens, with its parameters
    expect(page.locator(".swagger-ui .opblock-body").first).to_be_visible()
    assert violations == [] and errors == []


def test_the_admin_lists_and_edits_with_no_violation(new_page, live_server) -> None:
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    page, violations, errors = _watched(new_page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/governance/organisation/")
    expect(page.locator("#result_list")).to_contain_text("NHS Bexley CCG")
    page.get_by_role("link", name="NHS Bexley CCG").first.click()
    expect(page.locator("#id_name")).to_have_value("NHS Bexley CCG")
    assert violations == [] and errors == []
