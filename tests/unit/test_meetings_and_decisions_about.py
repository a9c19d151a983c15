"""Meetings are edited with the version check and keep their history; decisions about a scheme or a risk are
recorded from its page; a scheme's risks link to their pages; the risk admin is read-only (issue 8)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from governance import services
from governance.models import Decision, Meeting, MeetingKind, Role
from risks import services as risk_services
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    organisation, year = OrganisationFactory(ods_code="06H", name="Cambs CCG"), FinancialYearFactory(start_year=2018)
    other = OrganisationFactory(ods_code="07N", name="Bexley CCG")
    meeting = services.meeting_create(actor=None, organisation=organisation, year=year,
                                      kind=MeetingKind.STAR_CHAMBER, held_on=date(2019, 2, 26), title="Star Chamber")
    scheme = SchemeFactory(organisation=organisation, year=year, name="Community beds")
    risk = risk_services.risk_create(actor=None, organisation=organisation, year=year, title="Beds slip",
                                     scheme=scheme, current_likelihood=4, current_impact=4)
    theirs = SchemeFactory(organisation=other, year=year, name="Secret scheme")
    return {"organisation": organisation, "year": year, "meeting": meeting, "scheme": scheme, "risk": risk,
            "theirs": theirs}


def login(client: Any, world: dict[str, Any], role: str) -> Any:
    user = member(world["organisation"], role)
    client.force_login(user)
    session = client.session
    session["working_organisation_id"], session["working_year_id"] = world["organisation"].pk, world["year"].pk
    session.save()
    return user


def _edit(meeting: Meeting, title: str, version: int) -> dict[str, Any]:
    return {"kind": meeting.kind, "held_on": "26/02/2019", "title": title, "purpose": "", "version": version}


def test_meeting_edit_is_version_checked_and_kept_in_history(client, world):
    login(client, world, Role.PMO_EDITOR)
    meeting = world["meeting"]
    url = reverse("meeting-edit", args=[meeting.pk])
    assert client.post(url, _edit(meeting, "", 1)).status_code == 200  # no title: refused, nothing saved
    assert client.post(url, _edit(meeting, "Star Chamber (February)", 1)).status_code == 302
    stale = client.post(url, _edit(meeting, "Someone else's title", 1))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Someone else changed this meeting" in html and "Someone else&#x27;s title" in html
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version) == ("Star Chamber (February)", 2)
    history = client.get(reverse("meeting-history", args=[meeting.pk])).content.decode()
    assert "Star Chamber (February)" in history and "version 1" in history and "version 2" in history


def test_viewer_cannot_edit_a_meeting_or_record_a_decision_about_a_scheme(client, world):
    login(client, world, Role.VIEWER)
    meeting = world["meeting"]
    assert client.post(reverse("meeting-edit", args=[meeting.pk]), _edit(meeting, "X", 1)).status_code == 403
    url = reverse("schemes:decision-new", args=[world["scheme"].pk])
    assert client.post(url, {"meeting": meeting.pk, "text": "Go"}).status_code == 403
    assert "Record a decision" not in client.get(reverse("schemes:detail", args=[world["scheme"].pk])).content.decode()
    meeting.refresh_from_db()
    assert meeting.title == "Star Chamber" and not Decision.objects.exists()


@pytest.mark.parametrize("kind", ["scheme", "risk"])
def test_a_decision_is_recorded_from_a_scheme_or_risk_page_and_shown_on_both(client, world, kind):
    login(client, world, Role.PANEL_MEMBER)
    record = world[kind]
    url = reverse(f"{kind}s:decision-new", args=[record.pk])
    assert client.post(url, {"meeting": "", "text": "Defer"}).status_code == 200
    assert not Decision.objects.exists()
    response = client.post(url, {"meeting": world["meeting"].pk, "text": "Defer to April"})
    assert response.status_code == 302 and response["Location"].endswith("#decisions")
    decision = Decision.objects.get()
    assert decision.subject_id == record.pk and decision.meeting == world["meeting"]
    assert "Defer to April" in client.get(reverse(f"{kind}s:detail", args=[record.pk])).content.decode()
    assert "Defer to April" in client.get(reverse("meeting", args=[world["meeting"].pk])).content.decode()


def test_another_organisations_scheme_cannot_get_a_decision(client, world):
    login(client, world, Role.ADMINISTRATOR)
    url = reverse("schemes:decision-new", args=[world["theirs"].pk])
    assert client.post(url, {"meeting": world["meeting"].pk, "text": "Peek"}).status_code == 404
    assert not Decision.objects.exists()


def test_a_schemes_risks_link_to_their_pages(client, world):
    login(client, world, Role.VIEWER)
    html = client.get(reverse("schemes:detail", args=[world["scheme"].pk])).content.decode()
    assert f'href="{reverse("risks:detail", args=[world["risk"].pk])}">Beds slip</a>' in html


def test_the_risk_admin_is_read_only(client, world):
    user = member(world["organisation"], Role.ADMINISTRATOR, is_staff=True, is_superuser=True)  # even a superuser
    client.force_login(user)
    risk = world["risk"]
    page = client.get(reverse("admin:risks_risk_change", args=[risk.pk]))
    assert page.status_code == 200 and "Beds slip" in page.content.decode()
    client.post(reverse("admin:risks_risk_change", args=[risk.pk]), {"title": "Renamed"})
    assert client.get(reverse("admin:risks_risk_add")).status_code == 403
    risk.refresh_from_db()
    assert risk.title == "Beds slip"
