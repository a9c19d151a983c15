"""The improvement plan and meetings pages (issue 8 section 3): per role, conflicts, bad input, query counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import services
from governance.models import Decision, Meeting, MeetingKind, PlanAction, PlanUpdate, RevisedDueDate, Role
from tests.factories import FinancialYearFactory, OrganisationFactory, member
from tests.unit.test_improvement_plan import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    organisation, year = OrganisationFactory(ods_code="06H", name="Cambs CCG"), FinancialYearFactory(start_year=2018)
    other = OrganisationFactory(ods_code="07N", name="Bexley CCG")
    return {"organisation": organisation, "year": year, "actions": make_plan(organisation, year, 3),
            "theirs": make_plan(other, year, 1, prefix="Secret ")[0]}


def login(client: Any, world: dict[str, Any], role: str) -> Any:
    user = member(world["organisation"], role)
    client.force_login(user)
    session = client.session
    session["working_organisation_id"], session["working_year_id"] = world["organisation"].pk, world["year"].pk
    session.save()
    return user


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FINANCE, Role.PANEL_MEMBER])
def test_readers_see_the_plan_and_no_plan_controls(client, world, role):
    login(client, world, role)
    action = world["actions"][0]
    for url in (reverse("plan"), reverse("plan-action", args=[action.pk]), reverse("plan-updates"),
                reverse("meetings")):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Record a new due date" not in html and "Edit action" not in html and "Publish the update" not in html
        assert "Secret" not in html
    assert "Action 3a" in client.get(reverse("plan")).content.decode()
    assert client.get(reverse("plan-action-edit", args=[action.pk])).status_code == 403
    response = client.post(reverse("plan-action-revise", args=[action.pk]),
                           {"new_date": "2019-01-14", "reason": "x", "version": action.version})
    assert response.status_code == 403 and not RevisedDueDate.objects.exists()
    assert client.post(reverse("plan-updates"), {"month": 10}).status_code == 403
    assert not PlanUpdate.objects.exists()


def test_viewer_cannot_add_meetings_or_decisions(client, world):
    login(client, world, Role.VIEWER)
    meeting = services.meeting_create(actor=None, organisation=world["organisation"], year=world["year"],
                                      kind=MeetingKind.GOVERNING_BODY, held_on=date(2019, 2, 26), title="GB")
    html = client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert "Record the decision" not in html
    assert ">GB</a>" in client.get(reverse("meetings")).content.decode()
    assert client.get(reverse("meeting-new")).status_code == 403
    assert client.post(reverse("meeting", args=[meeting.pk]), {"text": "Yes"}).status_code == 403
    assert not Decision.objects.exists()


def test_another_organisations_action_is_not_found(client, world):
    login(client, world, Role.ADMINISTRATOR)
    assert client.get(reverse("plan-action", args=[world["theirs"].pk])).status_code == 404
    assert client.get(reverse("plan-action-edit", args=[world["theirs"].pk])).status_code == 404


def test_pmo_records_a_new_due_date_and_it_shows_with_its_reason(client, world):
    login(client, world, Role.PMO_EDITOR)
    action = world["actions"][0]
    url = reverse("plan-action-revise", args=[action.pk])
    response = client.post(url, {"new_date": "14/01/2019", "reason": "", "version": action.version})
    assert response.status_code == 200 and "Enter the reason for the new date" in response.content.decode()
    assert not RevisedDueDate.objects.exists()
    response = client.post(url, {"new_date": "31/02/2019", "reason": "Late", "version": action.version})
    assert response.status_code == 200 and not RevisedDueDate.objects.exists()
    response = client.post(url, {"new_date": "14/01/2019", "reason": "National timetable", "version": action.version})
    assert response.status_code == 302
    html = client.get(reverse("plan-action", args=[action.pk])).content.decode()
    assert "National timetable" in html and "14/01/2019" in html and "24/05/2018" in html
    plan_html = client.get(reverse("plan")).content.decode()
    assert "Actions with a reset date" in plan_html and "revised 1 time" in plan_html


def test_a_stale_edit_is_a_409_that_keeps_what_the_user_typed(client, world):
    login(client, world, Role.PMO_EDITOR)
    action = world["actions"][0]
    services.plan_action_update(actor=None, action=action, expected_version=1, changes={"owner": "CFO"})
    response = client.post(reverse("plan-action-edit", args=[action.pk]), {
        "text": "My new words", "owner": "AO", "rag": "delayed", "status": "open", "note": "", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "My new words" in html and "Someone else changed this action" in html and "CFO" in html
    action.refresh_from_db()
    assert (action.text, action.owner) == ("Action 1a", "CFO")
    # saving again after seeing the conflict is a deliberate overwrite
    response = client.post(reverse("plan-action-edit", args=[action.pk]), {
        "text": "My new words", "owner": "AO", "rag": "delayed", "status": "open", "note": "", "version": 2})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.text, action.rag, action.version) == ("My new words", "delayed", 3)


def test_a_stale_due_date_is_a_409_and_saves_nothing(client, world):
    login(client, world, Role.PMO_EDITOR)
    action = world["actions"][0]
    services.plan_action_update(actor=None, action=action, expected_version=1, changes={"owner": "CFO"})
    response = client.post(reverse("plan-action-revise", args=[action.pk]),
                           {"new_date": "14/01/2019", "reason": "Typed reason", "version": 1})
    assert response.status_code == 409 and "Typed reason" in response.content.decode()
    assert not RevisedDueDate.objects.exists()


@pytest.mark.parametrize("data", [
    {"text": "", "owner": "AO", "rag": "", "status": "", "note": ""},
    {"text": "x" * 2001, "owner": "AO", "rag": "", "status": "", "note": ""},
    {"text": "Fine", "owner": "x" * 121, "rag": "", "status": "", "note": ""},
    {"text": "Fine", "owner": "AO", "rag": "purple", "status": "", "note": ""},
    {"text": "Fine", "owner": "AO", "rag": "", "status": "", "note": "", "version": "abc"},
])
def test_bad_edits_are_messages_and_save_nothing(client, world, data):
    login(client, world, Role.PMO_EDITOR)
    action = world["actions"][0]
    response = client.post(reverse("plan-action-edit", args=[action.pk]), {"version": 1, **data})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    action.refresh_from_db()
    assert action.version == 1


def test_publish_an_update_then_it_reads_as_published_after_the_plan_changes(client, world):
    login(client, world, Role.PMO_EDITOR)
    response = client.post(reverse("plan-updates"), {"month": 10, "summary": "M10 progress"})
    assert response.status_code == 302
    action = world["actions"][0]
    services.plan_action_update(actor=None, action=action, expected_version=1, changes={"text": "Changed later"})
    html = client.get(reverse("plan-update", args=[10])).content.decode()
    assert "Action 1a" in html and "Changed later" not in html and "M10 progress" in html
    response = client.post(reverse("plan-updates"), {"month": 10})
    assert response.status_code == 200 and "already been published" in response.content.decode()
    assert client.post(reverse("plan-updates"), {"month": 13}).status_code == 200
    assert PlanUpdate.objects.count() == 1
    assert client.get(reverse("plan-update", args=[11])).status_code == 404


def test_add_a_meeting_and_a_decision_about_an_action(client, world):
    login(client, world, Role.PANEL_MEMBER)
    response = client.post(reverse("meeting-new"), {"kind": "", "held_on": "nonsense", "title": ""})
    assert response.status_code == 200 and not Meeting.objects.exists()
    response = client.post(reverse("meeting-new"), {"kind": MeetingKind.STAR_CHAMBER, "held_on": "26/02/2019",
                                                     "title": "Star Chamber", "purpose": ""})
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    action = world["actions"][1]
    response = client.post(reverse("meeting", args=[meeting.pk]), {"text": "Accept", "action": world["theirs"].pk})
    assert response.status_code == 200 and not Decision.objects.exists()
    response = client.post(reverse("meeting", args=[meeting.pk]), {"text": "Accept the date", "action": action.pk})
    assert response.status_code == 302
    assert "Accept the date" in client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert "Accept the date" in client.get(reverse("plan-action", args=[action.pk])).content.decode()


def test_filters_by_rag_status_and_owner(client, world):
    login(client, world, Role.VIEWER)
    services.plan_action_update(actor=None, action=world["actions"][2], expected_version=1,
                                changes={"rag": "delayed", "owner": "CFO"})
    html = client.get(reverse("plan"), {"rag": "delayed"}).content.decode()
    assert "1 of 3 actions match" in html
    html = client.get(reverse("plan"), {"owner": "cfo", "status": "open"}).content.decode()
    assert "1 of 3 actions match" in html
    response = client.get(reverse("plan"), {"rag": "purple"})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()


def test_page_query_counts_do_not_grow_with_rows(client, world):
    login(client, world, Role.PMO_EDITOR)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def grow(n: int, prefix: str) -> None:
        for action in make_plan(world["organisation"], world["year"], n, prefix=prefix):
            services.action_due_date_revise(actor=None, action=action, new_date=date(2019, 3, 31), reason="Later")
        for i in range(n):
            meeting = services.meeting_create(actor=None, organisation=world["organisation"], year=world["year"],
                                              kind=MeetingKind.RAG_PANEL, held_on=date(2019, 1, 1 + i),
                                              title=f"{prefix}{i}")
            services.decision_record(actor=None, meeting=meeting, text="Agreed", action=world["actions"][0])

    grow(2, "A ")
    services.plan_update_publish(actor=None, organisation=world["organisation"], year=world["year"], month=9)
    meeting_pk = Meeting.objects.first().pk
    urls = [reverse("plan"), reverse("plan") + "?rag=on_track", reverse("plan-updates"),
            reverse("plan-update", args=[9]), reverse("meetings"), reverse("meeting", args=[meeting_pk]),
            reverse("plan-action", args=[world["actions"][0].pk])]
    small = [count(url) for url in urls]
    grow(15, "B ")
    services.plan_update_publish(actor=None, organisation=world["organisation"], year=world["year"], month=10)
    assert [count(url) for url in urls] == small
    assert PlanAction.objects.count() > 20


def test_pmo_adds_a_requirement_in_a_new_domain_and_an_action_to_it(client, world):
    login(client, world, Role.PMO_EDITOR)
    response = client.post(reverse("requirement-new"), {"domain_name": "Leadership", "number": 1, "text": "Again"})
    assert response.status_code == 200 and "already has a requirement 1" in response.content.decode()
    response = client.post(reverse("requirement-new"), {"domain_name": "PMO and QIPP", "number": "x", "text": "T"})
    assert response.status_code == 200 and "whole number" in response.content.decode()
    response = client.post(reverse("requirement-new"), {"domain_name": "PMO and QIPP", "number": 14,
                                                        "text": "Robust QIPP governance."})
    assert response.status_code == 302
    requirement = world["actions"][0].requirement.__class__.objects.get(number=14)
    assert requirement.domain.name == "PMO and QIPP"
    assert requirement.domain.position > world["actions"][0].requirement.domain.position  # after the others
    url = reverse("plan-action-new")
    assert "14. Robust QIPP governance." in client.get(url).content.decode()
    bad = {"requirement": requirement.pk, "letter": "d4", "text": "Advisory group", "due_date": "30/09/2018"}
    response = client.post(url, bad)
    assert response.status_code == 200 and "one to three letters" in response.content.decode()
    response = client.post(url, {**bad, "letter": "d", "requirement": world["theirs"].requirement.pk})
    assert response.status_code == 200 and "Choose a requirement of this plan" in response.content.decode()
    response = client.post(url, {**bad, "letter": "d", "owner": "CFO", "rag": "delayed", "status": "not_started"})
    assert response.status_code == 302
    action = PlanAction.objects.get(requirement=requirement)
    assert (action.reference, action.due_date, action.rag) == ("14d", date(2018, 9, 30), "delayed")
    response = client.post(url, {**bad, "letter": "D"})
    assert response.status_code == 200 and "already has an action d" in response.content.decode()


def test_viewer_cannot_add_requirements_or_actions(client, world):
    login(client, world, Role.VIEWER)
    assert "Add an action" not in client.get(reverse("plan")).content.decode()
    assert client.get(reverse("requirement-new")).status_code == 403
    assert client.post(reverse("plan-action-new"), {"requirement": world["actions"][0].requirement.pk, "letter": "z",
                                                   "text": "No"}).status_code == 403
    assert PlanAction.objects.count() == 4
