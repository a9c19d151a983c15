"""The read API of a scheme's records: monthly figures, RAG sittings, directors' assessments, overrides, stage moves
and key stages. Scoped to the user's organisations, filtered like the pages, with flat query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.models import Organisation, Role
from schemes.models import (
    DirectorAssessment,
    FigureOverride,
    KeyStage,
    PanelSitting,
    Rag,
    Scheme,
    SchemeMonth,
    SchemeRating,
    StageChange,
)
from tests.api_pages import all_pages
from tests.factories import OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db
D = Decimal
ENDPOINTS = ["scheme-months", "rag-sittings", "director-assessments", "overrides", "stage-moves", "key-stages"]


def test_bexley_through_the_api_is_the_paper(demo):
    client = APIClient()
    client.login(username="viewer", password="viewer-demo-2013")
    months = all_pages(client, "/api/v1/scheme-months/?organisation=07N&year=2013/14")
    assert len(months) == 27 * 12
    # The in-year plan is the months' plans added up: the appendix's 11,576,188 (pennies kept, rounded on the page).
    assert abs(sum(D(m["plan"]) for m in months) - D("11576188")) <= 1
    assert all(m["actual"] is None for m in months)  # the paper publishes no actuals
    [sitting] = all_pages(client, "/api/v1/rag-sittings/?organisation=07N")
    assert sitting["held_on"] == "2013-01-23" and len(sitting["ratings"]) == 27
    assessments = all_pages(client, "/api/v1/director-assessments/?organisation=07N")
    assert {a["assessed_on"] for a in assessments} == {"2013-03-14"}
    overrides = all_pages(client, "/api/v1/overrides/?organisation=07N&reference=1&active=true")
    plan = next(o for o in overrides if o["figure"] == "plan_in_year")
    assert D(plan["value"]) == D("1164417") and "paper 1,164,417" in plan["reason"] and plan["in_force"]


def test_a_user_of_one_organisation_sees_no_records_of_another():
    mine, theirs = OrganisationFactory(), OrganisationFactory()
    _records(SchemeFactory(organisation=theirs))
    client = APIClient()
    client.force_authenticate(member(mine, Role.ADMINISTRATOR))
    for endpoint in ENDPOINTS:
        assert len(client.get(f"/api/v1/{endpoint}/").json()["results"]) == 0, endpoint
    client.force_authenticate(member(theirs, Role.VIEWER))
    for endpoint in ENDPOINTS:
        assert len(client.get(f"/api/v1/{endpoint}/").json()["results"]) >= 1, endpoint


def test_anonymous_requests_are_refused():
    for endpoint in ENDPOINTS:
        assert APIClient().get(f"/api/v1/{endpoint}/").status_code in (401, 403), endpoint


def test_filters_narrow_and_bad_values_say_what_is_wrong():
    organisation = OrganisationFactory(ods_code="07N")
    first, second = SchemeFactory(organisation=organisation), SchemeFactory(organisation=organisation)
    _records(first)
    _records(second)
    client = APIClient()
    client.force_authenticate(member(organisation, Role.VIEWER))
    rows = client.get(f"/api/v1/scheme-months/?scheme={first.pk}&month=10").json()["results"]
    assert [(r["reference"], r["month"]) for r in rows] == [(first.reference, 10)]
    assert len(client.get(f"/api/v1/key-stages/?reference={second.reference}").json()["results"]) == 1
    assert len(client.get("/api/v1/overrides/?active=false").json()["results"]) == 0
    assert len(client.get("/api/v1/stage-moves/?decision=approved").json()["results"]) == 2
    refused = client.get("/api/v1/scheme-months/?month=13")
    assert refused.status_code == 400 and "month" in refused.json()["errors"]
    refused = client.get("/api/v1/director-assessments/?year=2013")
    assert refused.status_code == 400 and "year" in refused.json()["errors"]


def _records(scheme: Scheme, months: int = 12) -> None:
    """One of each record for `scheme` (straight to the database: these tests read, the services are tested apart)."""
    for month in range(1, months + 1):
        SchemeMonth.objects.create(scheme=scheme, month=month, plan=D("1000.00"), actual=D("900.50"))
    sitting, _ = PanelSitting.objects.get_or_create(organisation=scheme.organisation, year=scheme.year,
                                                    held_on=date(2013, 1, 23))
    SchemeRating.objects.create(sitting=sitting, scheme=scheme, value=Rag.GREEN, resources=Rag.AMBER,
                                timescales=Rag.AMBER, codependencies=Rag.GREEN, overall=Rag.AMBER)
    DirectorAssessment.objects.create(scheme=scheme, assessed_on=date(2013, 3, 14), change_months=-1)
    FigureOverride.objects.create(scheme=scheme, figure="plan_in_year", value=D("5"), reason="As the paper")
    StageChange.objects.create(scheme=scheme, from_stage=1, to_stage=2, decision="approved", approver="CFO",
                               decided_on=date(2013, 2, 1))
    KeyStage.objects.create(scheme=scheme, name="Business case", baseline_date=date(2013, 4, 30))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_query_count_does_not_grow_with_records(endpoint):
    organisation = OrganisationFactory()
    client = APIClient()
    client.force_authenticate(member(organisation, Role.VIEWER))
    _records(SchemeFactory(organisation=organisation))
    url = f"/api/v1/{endpoint}/?organisation={organisation.ods_code}"
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()["results"]) >= 1
    for _ in range(12):
        _records(SchemeFactory(organisation=organisation))
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).json()
    # One sitting rates every scheme: there the ratings grow, elsewhere the rows.
    assert len(body["results"][0]["ratings"]) == 13 if endpoint == "rag-sittings" else len(body["results"]) >= 13
    assert len(many) == len(one), endpoint


def test_the_schema_describes_every_new_endpoint(client):
    user = member(Organisation.objects.create(ods_code="X1", name="X"), Role.VIEWER)
    client.force_login(user)
    schema = client.get("/api/schema/").content.decode()
    for endpoint in ENDPOINTS:
        assert f"/api/v1/{endpoint}/" in schema, endpoint
