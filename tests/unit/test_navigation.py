"""The header's main menu: every item links to a page that opens, for every role; a wrong URL name fails."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import NoReverseMatch, resolve, reverse

from governance.models import Role
from tests.factories import FinancialYearFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

MENU_LINK = re.compile(
    r'<a class="nhsuk-header__navigation-link" href="([^"]+)"[^>]*>\s*(?:<strong[^>]*>)?([^<]+?)\s*<'
)


def menu(html: str) -> list[tuple[str, str]]:
    """(text, href) of each item of the main menu, in order."""
    return [(text, href) for href, text in MENU_LINK.findall(html)]


def signed_in(client, role: str):
    """A member of one organisation with `role` ("staff": an administrator who is staff; "superuser")."""
    FinancialYearFactory(start_year=2013)
    user = UserFactory(is_staff=role in ("staff", "superuser"), is_superuser=role == "superuser")
    MembershipFactory(user=user, organisation=OrganisationFactory(ods_code="07N"),
                      role=Role.ADMINISTRATOR if role in ("staff", "superuser") else role)
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", [*Role.values, "staff", "superuser"])
def test_every_menu_item_links_to_a_page_the_role_can_open(client, role):
    signed_in(client, role)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    expected = [(text, reverse(name)) for text, name in settings.PORTAL_NAVIGATION]
    if role in (Role.ADMINISTRATOR, "staff", "superuser"):  # administrators of the working organisation
        expected.append(("Background jobs", reverse("job-runs")))
        expected.append(("Audit log", reverse("audit-log")))
    if role in ("staff", "superuser"):
        expected.append(("Administration", reverse("admin:index")))
    items = menu(response.content.decode())
    assert items == expected
    for text, href in items:
        resolve(href)  # raises Resolver404 for a link to nowhere
        assert client.get(href).status_code == 200, f"{role}: menu item {text!r} ({href})"


def test_a_user_of_several_organisations_also_gets_the_portfolio_after_the_dashboard(client):
    user = signed_in(client, Role.PMO_EDITOR)
    assert ("Portfolio", reverse("portfolio")) not in menu(client.get(reverse("home")).content.decode())
    MembershipFactory(user=user, organisation=OrganisationFactory(ods_code="06H"), role=Role.VIEWER)
    texts = [text for text, _ in menu(client.get(reverse("home")).content.decode())]
    assert texts[texts.index("Dashboard") + 1] == "Portfolio"
    assert client.get(reverse("portfolio")).status_code == 200


def test_the_current_section_is_marked(client):
    signed_in(client, Role.PMO_EDITOR)
    html = client.get(reverse("schemes:tracker")).content.decode()
    assert re.search(r'navigation-item--current">\s*<a [^>]*href="/schemes/tracker/" aria-current="page"', html)
    assert html.count("nhsuk-header__navigation-item--current") == 1


@override_settings(PORTAL_NAVIGATION=[*settings.PORTAL_NAVIGATION, ("Risks", "risks:nowhere")])
def test_a_menu_item_whose_url_name_does_not_exist_fails_instead_of_vanishing(client):
    signed_in(client, Role.VIEWER)
    with pytest.raises(NoReverseMatch, match="nowhere"):
        client.get(reverse("home"))
