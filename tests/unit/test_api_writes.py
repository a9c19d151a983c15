"""API writes: a month's actual and forecast through the same service as the tracker page.

A PMO editor's token saves and the page shows it; a governing-body viewer's token is refused (403); a stale
version gets 409 with the month as it is now; another organisation's month is 404; a closed month and bad
figures are refused with the service's message and nothing saved. Every error has the same body.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from governance.models import Role
from governance.services import month_close
from schemes.models import Scheme, SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, api_key, member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def scheme() -> Scheme:
    organisation = OrganisationFactory(ods_code="07N")
    scheme = SchemeFactory(organisation=organisation, year=FinancialYearFactory(start_year=2013), reference="15b",
                           name="GP QIPP")
    for month in range(1, 13):
        SchemeMonth.objects.create(scheme=scheme, month=month, plan=D("12500.00"))
    return scheme


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def month_url(scheme: Scheme, month: int) -> str:
    return f"/api/v1/scheme-months/{SchemeMonth.objects.get(scheme=scheme, month=month).pk}/"


def test_a_pmo_editors_token_records_an_actual_and_the_tracker_page_shows_it(scheme, client) -> None:
    pmo = member(scheme.organisation, Role.PMO_EDITOR)
    response = token_client(pmo).patch(month_url(scheme, 3), {"version": 1, "actual": "11,000.50"}, format="json")
    assert response.status_code == 400  # money in the API is a plain decimal string: the message says which field
    assert response.json()["code"] == "invalid" and "actual" in response.json()["errors"]
    response = token_client(pmo).patch(month_url(scheme, 3), {"version": 1, "actual": "11000.50"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["actual"], body["forecast"], body["version"], body["month"]) == ("11000.50", None, 2, 3)
    row = SchemeMonth.objects.get(scheme=scheme, month=3)
    assert row.actual == D("11000.50") and row.updated_by == pmo
    client.force_login(pmo)
    html = client.get(f"/schemes/{scheme.pk}/tracker/").content.decode()
    assert "£11,001<span class=\"app-source\">actual</span>" in html  # whole pounds on the page


def test_a_field_left_out_is_unchanged(scheme) -> None:
    pmo = token_client(member(scheme.organisation, Role.PMO_EDITOR))
    pmo.patch(month_url(scheme, 4), {"version": 1, "actual": "100", "forecast": "200"}, format="json")
    body = pmo.patch(month_url(scheme, 4), {"version": 2, "forecast": "250"}, format="json").json()
    assert (body["actual"], body["forecast"]) == ("100.00", "250.00")
    body = pmo.patch(month_url(scheme, 4), {"version": 3, "forecast": None}, format="json").json()
    assert (body["actual"], body["forecast"]) == ("100.00", None)


def test_a_governing_body_viewers_token_cannot_write(scheme) -> None:
    response = token_client(member(scheme.organisation, Role.VIEWER)).patch(
        month_url(scheme, 3), {"version": 1, "actual": "5"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied" and response.json()["detail"]
    assert SchemeMonth.objects.get(scheme=scheme, month=3).actual is None


def test_a_stale_version_gets_409_with_the_month_as_it_is_now(scheme) -> None:
    first = token_client(member(scheme.organisation, Role.PMO_EDITOR))
    second = token_client(member(scheme.organisation, Role.PMO_EDITOR))
    assert first.patch(month_url(scheme, 5), {"version": 1, "actual": "900"}, format="json").status_code == 200
    response = second.patch(month_url(scheme, 5), {"version": 1, "actual": "950"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and "Someone else saved" in body["detail"]
    assert (body["current"]["version"], body["current"]["actual"]) == (2, "900.00")
    assert SchemeMonth.objects.get(scheme=scheme, month=5).actual == D("900")  # not silently overwritten


def test_another_organisations_month_is_not_found(scheme) -> None:
    stranger = token_client(member(OrganisationFactory(), Role.ADMINISTRATOR))
    response = stranger.patch(month_url(scheme, 3), {"version": 1, "actual": "5"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert SchemeMonth.objects.get(scheme=scheme, month=3).actual is None


def test_a_closed_month_refuses_the_write_with_the_reason(scheme) -> None:
    finance = member(scheme.organisation, Role.FINANCE)
    month_close(actor=finance, organisation=scheme.organisation, year=scheme.year, month=1)
    response = token_client(member(scheme.organisation, Role.PMO_EDITOR)).patch(
        month_url(scheme, 1), {"version": 1, "actual": "5"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "closed" in response.json()["detail"]
    assert SchemeMonth.objects.get(scheme=scheme, month=1).actual is None


@pytest.mark.parametrize(("payload", "field"), [
    ({"actual": "5"}, "version"),
    ({"version": 1, "actual": "1e15"}, "actual"),
    ({"version": 1, "actual": "12.345"}, "actual"),
    ({"version": -1, "actual": "5"}, "version"),
    ({"version": 1, "forecast": "ten"}, "forecast"),
])
def test_bad_input_says_which_field_and_saves_nothing(scheme, payload, field) -> None:
    response = token_client(member(scheme.organisation, Role.PMO_EDITOR)).patch(
        month_url(scheme, 3), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"] and response.json()["detail"]
    assert SchemeMonth.objects.get(scheme=scheme, month=3).version == 1


def test_other_methods_are_not_offered(scheme) -> None:
    pmo = token_client(member(scheme.organisation, Role.PMO_EDITOR))
    assert pmo.delete(month_url(scheme, 3)).status_code == 405
    assert pmo.post("/api/v1/scheme-months/", {}, format="json").status_code == 405
    assert pmo.put(month_url(scheme, 3), {"version": 1, "actual": "5"}, format="json").status_code == 405


def test_the_issues_check_end_to_end_on_the_demo_data(client, django_capture_on_commit_callbacks, settings) -> None:
    """Issue 10's check, through the HTTP API with tokens from `manage.py api_token`: a PMO editor's token records
    an actual and the scheme page shows it; a governing-body viewer's token cannot write (403); a stale version gets
    409; a user of another organisation gets 404."""
    from io import StringIO

    from django.core.management import call_command

    from tests.unit.test_api import table_rows

    settings.DEBUG = True  # load_demo refuses to run without it
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)

    def api_as(username: str) -> APIClient:
        out = StringIO()
        call_command("api_token", username, stdout=out)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
        return api

    pmo, viewer = api_as("pmo"), api_as("viewer")
    [october] = pmo.get("/api/v1/scheme-months/", {"organisation": "07N", "year": "2013/14", "reference": "15b",
                                                    "month": "7"}).json()["results"]
    assert (october["plan"], october["actual"]) == ("50166.67", None)  # 602,000 / 12 from Jul-13
    url = f"/api/v1/scheme-months/{october['id']}/"

    refused = viewer.patch(url, {"version": october["version"], "actual": "48000"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"

    with django_capture_on_commit_callbacks(execute=True):
        saved = pmo.patch(url, {"version": october["version"], "actual": "48000"}, format="json")
    assert saved.status_code == 200, saved.content
    assert (saved.json()["actual"], saved.json()["version"]) == ("48000.00", october["version"] + 1)
    client.login(username="viewer", password="viewer-demo-2013")
    page = client.get(f"/schemes/{october['scheme']}/").content.decode()
    months = {row[0]: row[1:] for row in table_rows(page, "app-months")}
    assert months["M7 (October 2013)"][:2] == ["£50,167", "£48,000"], months

    stale = pmo.patch(url, {"version": october["version"], "actual": "49000"}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["actual"] == "48000.00"

    stranger = member(OrganisationFactory(ods_code="99X"), Role.PMO_EDITOR, username="stranger")
    assert stranger.is_active
    missing = api_as("stranger").patch(url, {"version": october["version"] + 1, "actual": "1"}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert SchemeMonth.objects.get(pk=october["id"]).actual == D("48000")
