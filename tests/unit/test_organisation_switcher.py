"""The header's organisation switcher stays short whatever the number of organisations; a search page finds the rest."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import Organisation, Role
from governance.selectors.organisations import SEARCH_LIMIT, SWITCHER_LIMIT
from tests.factories import FinancialYearFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SELECT = re.compile(r'<select[^>]*id="context-organisation"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="(\d+)"( selected)?>([^<]*)</option>')


def options(html: str) -> list[tuple[int, bool, str]]:
    """(id, selected, text) of each organisation the header's switcher offers."""
    found = SELECT.search(html)
    assert found, "no organisation switcher on the page"
    return [(int(pk), bool(selected), text) for pk, selected, text in OPTION.findall(found.group(1))]


RADIO_LABEL = re.compile(r'<label class="nhsuk-label nhsuk-radios__label"[^>]*>([^<]*)</label>')


def found(client, **query: str) -> list[str]:
    """The organisations the search page offers to choose, as their labels read."""
    response = client.get(reverse("organisation-switch"), query)
    assert response.status_code == 200
    return RADIO_LABEL.findall(response.content.decode())


def organisations(count: int, prefix: str = "NHS Place") -> list[Organisation]:
    return [OrganisationFactory(ods_code=f"Q{n:03d}", name=f"{prefix} {n:03d} CCG") for n in range(count)]


@pytest.fixture
def superuser(client):
    FinancialYearFactory(start_year=2013)
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_a_superuser_of_a_national_instance_gets_a_bounded_list_and_a_link_to_find_the_rest(client, superuser):
    organisations(40)
    own = OrganisationFactory(ods_code="07N", name="Zed Bexley CCG")  # last by name: offered as their own
    MembershipFactory(user=superuser, organisation=own, role=Role.ADMINISTRATOR)
    html = client.get(reverse("home")).content.decode()
    offered = options(html)
    assert len(offered) == SWITCHER_LIMIT
    assert own.pk in [pk for pk, _, _ in offered]
    assert sum(selected for _, selected, _ in offered) == 1
    assert f'href="{reverse("organisation-switch")}?next=/"' in html
    assert f'href="{reverse("portfolio")}"' in html  # the portfolio: several organisations to see


def test_the_header_costs_the_same_queries_with_250_organisations_as_with_5(client, superuser):
    organisations(5)

    def home_queries() -> int:
        client.get(reverse("home"))  # a steady request: the first may save the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    few = home_queries()
    organisations(245, prefix="NHS Region")
    assert home_queries() == few


def test_a_member_of_two_organisations_sees_both_and_no_search_link(client):
    FinancialYearFactory(start_year=2013)
    user = UserFactory()
    for code, name in (("07N", "NHS Bexley CCG"), ("05N", "NHS Shropshire CCG")):
        MembershipFactory(user=user, organisation=OrganisationFactory(ods_code=code, name=name), role=Role.VIEWER)
    OrganisationFactory(ods_code="08A", name="NHS Elsewhere CCG")
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert [text for _, _, text in options(html)] == ["NHS Bexley CCG (07N)", "NHS Shropshire CCG (05N)"]
    assert reverse("organisation-switch") not in html


def test_search_finds_by_code_or_word_of_the_name_and_choosing_one_puts_it_in_the_short_list(client, superuser):
    organisations(30)
    bexley = OrganisationFactory(ods_code="07N", name="NHS West Bexley CCG")  # after the places by name
    assert found(client, q="bex", next="/schemes/") == ["NHS West Bexley CCG (07N)"]
    assert found(client, q="07n") == ["NHS West Bexley CCG (07N)"]
    assert found(client, q="ley") == []  # the start of a word, not any part
    assert "None of your organisations matches" in client.get(reverse("organisation-switch"),
                                                              {"q": "nowhere"}).content.decode()
    assert bexley.pk not in [pk for pk, _, _ in options(client.get(reverse("home")).content.decode())]
    response = client.post(reverse("switch-context"), {"organisation": bexley.pk, "next": "/"})
    assert response.status_code == 302
    other = Organisation.objects.get(ods_code="Q029")  # chosen next: both are now "recent"
    client.post(reverse("switch-context"), {"organisation": other.pk, "next": "/"})
    offered = options(client.get(reverse("home")).content.decode())
    assert len(offered) == SWITCHER_LIMIT
    assert {bexley.pk, other.pk} <= {pk for pk, _, _ in offered}
    assert [pk for pk, selected, _ in offered if selected] == [other.pk]


def test_search_answers_a_bounded_page_and_only_the_users_organisations(client):
    FinancialYearFactory(start_year=2013)
    user = UserFactory()
    mine = organisations(SEARCH_LIMIT + 5)
    for organisation in mine:
        MembershipFactory(user=user, organisation=organisation, role=Role.VIEWER)
    OrganisationFactory(ods_code="Q999", name="NHS Place 999 CCG")  # not theirs
    client.force_login(user)
    assert len(found(client, q="place")) == SEARCH_LIMIT
    assert "type more to narrow them" in client.get(reverse("organisation-switch"), {"q": "place"}).content.decode()
    assert found(client, q="Q9") == []
    assert found(client, q="Q00") == [f"NHS Place 00{n} CCG (Q00{n})" for n in range(10)]
    # An unsafe return address is dropped, as the switcher's own form does.
    assert 'name="next" value="/"' in client.get(reverse("organisation-switch"),
                                                 {"q": "Q0", "next": "https://elsewhere.example/"}).content.decode()
