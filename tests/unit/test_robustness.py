"""Bad input anywhere gets an answer in words, never a server error (HTTP 500)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from governance.models import Role
from schemes import services
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member

pytestmark = pytest.mark.django_db

JUNK = ["abc", "-1", "99999999999999999999", "1e999", "NaN", "31/02/2013", "", "<script>x</script>", "0x10", "£(1,2",
        "9999-12-31", "0001-01-01", "-999999999999", "10000000000000", "garbage next", "//evil.example", "x" * 5000]
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


@pytest.fixture
def pages(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(ods_code="07N")
    year = FinancialYearFactory(start_year=2013)
    programme = ProgrammeFactory(organisation=organisation)
    with django_capture_on_commit_callbacks(execute=True):
        scheme = services.scheme_create(actor=None, organisation=organisation, year=year, programme=programme,
                                        reference="7", name="Respiratory", go_live=date(2013, 10, 1),
                                        gross_saving=Decimal("200000"))
    client = Client(raise_request_exception=False)
    client.force_login(member(organisation, Role.ADMINISTRATOR, username="robust-admin"))
    urls = [
        "/context/", "/schemes/", "/schemes/new/", f"/schemes/{scheme.pk}/edit/", f"/schemes/{scheme.pk}/override/",
        f"/schemes/{scheme.pk}/tracker/", "/schemes/panel/new/", f"/schemes/{scheme.pk}/director/",
        f"/schemes/{scheme.pk}/stage/", f"/schemes/{scheme.pk}/key-stages/new/",
        f"/schemes/{scheme.pk}/key-stages/template/", "/months/1/close/", "/months/1/reopen/",
        "/schemes/import/", f"/schemes/programmes/{programme.pk}/tracker/", "/organisations/switch/",
    ]
    return client, urls


@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_every_form_field_never_causes_a_server_error(pages, junk):
    client, urls = pages
    failures = []
    for url in urls:
        page = client.get(url)
        names = set(FIELD.findall(page.content.decode())) if page.status_code == 200 else set()
        names |= {"organisation", "year", "version", "seen", "scheme", "month", "figure", "q", "sort", "next"}
        data = {name: junk for name in names if name != "csrfmiddlewaretoken"}
        response = client.post(url, data)
        if response.status_code >= 500:
            failures.append(f"POST {url}: {response.status_code}")
        response = client.get(url, data)
        if response.status_code >= 500:
            failures.append(f"GET {url}?...: {response.status_code}")
    for url in ("/api/v1/schemes/", "/schemes/export.csv"):
        response = client.get(url, {"year": junk, "organisation": junk, "phase": junk, "page": junk, "sort": junk})
        if response.status_code >= 500:
            failures.append(f"GET {url}: {response.status_code}")
    assert not failures, failures
