"""nhsuk-frontend starts from our static files, with no inline script (issue 12's CSP needs none)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from governance.models import Role
from tests.browser.test_financial_risks_journey import sign_in
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_design_systems_components_start_without_errors(new_page, live_server) -> None:
    member(OrganisationFactory(), Role.FINANCE, username=Role.FINANCE)
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, Role.FINANCE)
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled nhsuk-frontend-supported\b"))
    # initAll() marks each component it starts.
    expect(page.locator("a.nhsuk-skip-link[data-nhsuk-skip-link-init]")).to_have_count(1)
    assert errors == []
