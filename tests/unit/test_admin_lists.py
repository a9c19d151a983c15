"""The admin's lists stay cheap across every organisation: a bounded number of queries whatever the rows, one count,
an indexed order, filters that never list hundreds of links, and searches by the start of a reference."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.admin.lists import FILTER_LINKS
from governance.models import Role
from tests.factories import OrganisationFactory, ProgrammeFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db

SCHEMES = "/admin/schemes/scheme/"
ROW = re.compile(r'<th class="field-reference">')
FILTER_LINK = re.compile(r'<a href="\?[^"]*programme__id__exact=(\d+)')


def portfolio(organisations: int, programmes: int, schemes: int, start: int = 0) -> None:
    for n in range(start, start + organisations):
        organisation = OrganisationFactory(ods_code=f"Q{n:03d}", name=f"NHS Place {n:03d} CCG")
        for p in range(programmes):
            programme = ProgrammeFactory(organisation=organisation, name=f"Programme {p}")
            SchemeFactory.create_batch(schemes, organisation=organisation, programme=programme)


def staff_administrator(*organisations):
    user = member(organisations[0], Role.ADMINISTRATOR, username="lists-admin", is_staff=True)
    for organisation in organisations[1:]:
        member(organisation, Role.ADMINISTRATOR, username=f"lists-admin-{organisation.ods_code}")
        user.memberships.create(organisation=organisation, role=Role.ADMINISTRATOR)
    return user


def changelist_queries(client, url: str = SCHEMES) -> tuple[int, list[str], str]:
    client.get(url)  # a steady request: the first after signing in may save the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries], response.content.decode()


def test_the_scheme_list_costs_the_same_queries_at_any_size_and_counts_once(admin_client):
    portfolio(organisations=2, programmes=2, schemes=2)
    few, _, _ = changelist_queries(admin_client)
    portfolio(organisations=30, programmes=3, schemes=2, start=2)  # 180 schemes more, 90 programmes, 30 places
    many, sql, html = changelist_queries(admin_client)
    assert many == few
    assert sum("COUNT(" in query.upper() for query in sql) == 1  # no second count of the whole table
    assert len(ROW.findall(html)) == 50
    # Ordered on the unique index (organisation, year, reference) alone: no pk added, no join to sort by.
    page = next(query for query in sql if "LIMIT 50" in query)
    assert re.search(r'ORDER BY "schemes_scheme"\."organisation_id" ASC, "schemes_scheme"\."year_id" ASC, '
                     r'"schemes_scheme"\."reference" ASC LIMIT', page), page


def test_filters_never_list_hundreds_of_links_for_a_superuser(admin_client):
    portfolio(organisations=FILTER_LINKS + 5, programmes=2, schemes=1)
    _, _, html = changelist_queries(admin_client)
    assert "Choose an organisation first to filter by programme" in html
    assert not FILTER_LINK.findall(html)
    assert 'name="organisation__ods_code__iexact"' in html  # the organisation by its code, typed
    assert "organisation__id__exact=" not in html  # not a link for each of 25
    # Within the chosen organisation: its own programmes only, and its schemes.
    _, _, html = changelist_queries(admin_client, f"{SCHEMES}?organisation__ods_code__iexact=q003")
    offered = set(FILTER_LINK.findall(html))
    assert len(offered) == 2 and "NHS Place 003 CCG" in html and "NHS Place 004 CCG" not in html
    assert len(ROW.findall(html)) == 2
    assert 'value="Q003"' in html  # the organisation chosen, as its code is written


def test_an_administrator_of_two_organisations_gets_links_to_both_and_their_programmes(client):
    portfolio(organisations=4, programmes=2, schemes=1)
    from governance.models import Organisation

    mine = list(Organisation.objects.filter(ods_code__in=["Q000", "Q001"]).order_by("ods_code"))
    user = staff_administrator(*mine)
    from django.contrib.auth.models import Permission
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="schemes"))
    client.force_login(user)
    _, _, html = changelist_queries(client)
    assert all(f"?organisation__id__exact={organisation.pk}" in html for organisation in mine)
    assert "Q002" not in html and "NHS Place 002 CCG" not in html
    assert len(set(FILTER_LINK.findall(html))) == 4  # their own programmes: few enough to list
    assert len(ROW.findall(html)) == 4


def test_search_finds_references_by_their_start_and_names_by_any_part(admin_client):
    organisation = OrganisationFactory(ods_code="07N")
    SchemeFactory(organisation=organisation, reference="MM1", name="Medicines management")
    SchemeFactory(organisation=organisation, reference="XMM2", name="Falls prevention")
    SchemeFactory(organisation=organisation, reference="US4", name="Urgent care: MMR catch-up")
    html = admin_client.get(SCHEMES, {"q": "MM"}).content.decode()
    assert "MM1" in html and "US4" in html  # by reference's start, and a name containing it
    assert "XMM2" not in html


def test_a_search_stops_counting_past_the_cap_and_says_more_than(admin_client, monkeypatch):
    from governance.admin import lists

    monkeypatch.setattr(lists, "COUNT_UP_TO", 3)  # "more than 3" from four matches, for the test
    organisation = OrganisationFactory(ods_code="QCAP", name="NHS Capped CCG")
    SchemeFactory.create_batch(5, organisation=organisation, name="Community falls service")
    SchemeFactory(organisation=organisation, name="Urgent care redesign")
    _, sql, html = changelist_queries(admin_client, f"{SCHEMES}?q=falls")
    count = next(query for query in sql if "COUNT(" in query.upper())
    assert "LIMIT 4" in count  # the database stops at the fourth match, however many there are
    assert "more than 3 results" in html and "more than 3 schemes" in html
    assert len(ROW.findall(html)) == 5  # the page itself still lists every match it shows
    _, _, html = changelist_queries(admin_client, f"{SCHEMES}?q=urgent")  # under the cap: exact
    assert "1 result " in html and "1 scheme\n" in html and "more than" not in html
