"""Issue 8 section 3: the improvement plan (revised due dates, monthly updates), meetings and decisions,
through the services and /api/v1/actions/ and /api/v1/meetings/."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from governance import services
from governance.models import (
    ActionRag,
    ActionStatus,
    FinancialYear,
    MeetingKind,
    Organisation,
    PlanAction,
    PlanUpdate,
    RevisedDueDate,
    Role,
)
from governance.selectors import action_is_overdue, action_is_reset, plan_as_at
from governance.services import EditConflict, system_actor
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


def make_plan(organisation: Organisation, year: FinancialYear, actions: int, *, prefix: str = "") -> list[PlanAction]:
    actor = system_actor("tests")
    domain = services.plan_domain_set(actor=actor, organisation=organisation, year=year, name=f"{prefix}Leadership",
                                      oversight="Julian Huppert")
    made = []
    for number in range(1, actions + 1):
        requirement = services.requirement_set(actor=actor, domain=domain, number=number,
                                               text=f"{prefix}Requirement {number}")
        made.append(services.plan_action_create(
            actor=actor, requirement=requirement, letter="a", text=f"{prefix}Action {number}a",
            due_date=date(2018, 5, 24), owner="AO", rag=ActionRag.ON_TRACK, status=ActionStatus.OPEN,
        ))
    return made


@pytest.fixture
def plan() -> dict[str, Any]:
    organisation, year = OrganisationFactory(ods_code="06H"), FinancialYearFactory(start_year=2018)
    actions = make_plan(organisation, year, 3)
    return {"organisation": organisation, "year": year, "actions": actions,
            "pmo": member(organisation, Role.PMO_EDITOR), "viewer": member(organisation, Role.VIEWER)}


# --- pure rules -------------------------------------------------------------------------------------------

def test_overdue_is_past_due_and_neither_complete_nor_closed():
    today = date(2019, 2, 26)
    assert action_is_overdue(date(2019, 1, 14), ActionRag.ON_TRACK, ActionStatus.OPEN, today)
    assert not action_is_overdue(date(2019, 1, 14), ActionRag.COMPLETE, ActionStatus.OPEN, today)
    assert not action_is_overdue(date(2019, 1, 14), ActionRag.DELAYED, ActionStatus.CLOSED, today)
    assert not action_is_overdue(date(2019, 2, 26), ActionRag.DELAYED, ActionStatus.OPEN, today)
    assert not action_is_overdue(None, ActionRag.DELAYED, ActionStatus.OPEN, today)


def test_reset_is_the_reset_date_rag_or_a_recorded_revision():
    assert action_is_reset(ActionRag.RESET_DATE, 0)
    assert action_is_reset(ActionRag.ON_TRACK, 1)
    assert not action_is_reset(ActionRag.ON_TRACK, 0)


def test_a_past_years_plan_is_judged_at_its_year_end_and_an_update_at_its_month_end():
    year = FinancialYear(start_year=2018)
    assert plan_as_at(year, date(2026, 11, 23)) == date(2019, 3, 31)
    assert plan_as_at(year, date(2018, 6, 1)) == date(2018, 6, 1)
    assert plan_as_at(year, date(2026, 11, 23), month=10) == date(2019, 1, 31)
    assert plan_as_at(year, date(2019, 1, 20), month=10) == date(2019, 1, 20)


# --- revised due dates ------------------------------------------------------------------------------------

def test_revised_due_date_is_kept_with_its_reason_who_and_when(plan):
    action = plan["actions"][0]
    saved = services.action_due_date_revise(actor=plan["pmo"], action=action, new_date=date(2019, 1, 14),
                                            reason="National timetable", expected_version=action.version)
    assert saved.due_date == date(2019, 1, 14) and saved.version == action.version + 1
    revision = RevisedDueDate.objects.get(action=action)
    assert (revision.old_date, revision.new_date, revision.reason, revision.recorded_by) == (
        date(2018, 5, 24), date(2019, 1, 14), "National timetable", plan["pmo"])
    assert revision.recorded_at is not None


@pytest.mark.parametrize("new_date, reason, field", [
    (date(2019, 1, 14), "", "reason"),
    (date(2019, 1, 14), "   ", "reason"),
    (date(2019, 1, 14), "x" * 2001, "reason"),
    (date(2018, 5, 24), "Same day", "new_date"),
    (date(2150, 1, 1), "Far away", "new_date"),
])
def test_a_bad_revision_is_refused_and_saves_nothing(plan, new_date, reason, field):
    action = plan["actions"][0]
    with pytest.raises(ValidationError) as error:
        services.action_due_date_revise(actor=plan["pmo"], action=action, new_date=new_date, reason=reason)
    assert field in error.value.message_dict
    action.refresh_from_db()
    assert action.due_date == date(2018, 5, 24) and not RevisedDueDate.objects.exists()


def test_viewer_changes_nothing(plan):
    action = plan["actions"][0]
    with pytest.raises(PermissionDenied):
        services.action_due_date_revise(actor=plan["viewer"], action=action, new_date=date(2019, 1, 14),
                                        reason="Because")
    with pytest.raises(PermissionDenied):
        services.plan_action_update(actor=plan["viewer"], action=action, expected_version=1, changes={"rag": "delayed"})
    with pytest.raises(PermissionDenied):
        services.plan_update_publish(actor=plan["viewer"], organisation=plan["organisation"], year=plan["year"],
                                     month=10)
    with pytest.raises(PermissionDenied):
        services.meeting_create(actor=plan["viewer"], organisation=plan["organisation"], year=plan["year"],
                                kind=MeetingKind.STAR_CHAMBER, held_on=date(2019, 2, 26), title="Star Chamber")


def test_a_stale_edit_is_a_conflict_and_saves_nothing(plan):
    action = plan["actions"][0]
    services.plan_action_update(actor=plan["pmo"], action=action, expected_version=1, changes={"rag": "delayed"})
    with pytest.raises(EditConflict):
        services.plan_action_update(actor=plan["pmo"], action=action, expected_version=1, changes={"owner": "CFO"})
    action.refresh_from_db()
    assert (action.rag, action.owner, action.version) == ("delayed", "AO", 2)


def test_an_unknown_rag_is_refused(plan):
    with pytest.raises(ValidationError):
        services.plan_action_update(actor=plan["pmo"], action=plan["actions"][0], expected_version=None,
                                    changes={"rag": "purple"})


# --- monthly updates --------------------------------------------------------------------------------------

def test_a_published_update_stays_as_it_was_after_the_plan_changes(plan):
    update = services.plan_update_publish(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"],
                                          month=10, summary="M10", today=date(2019, 2, 26))
    published = PlanUpdate.objects.get(pk=update.pk).rows
    action = plan["actions"][0]
    services.action_due_date_revise(actor=plan["pmo"], action=action, new_date=date(2019, 3, 31), reason="Later")
    action.refresh_from_db()
    services.plan_action_update(actor=plan["pmo"], action=action, expected_version=action.version,
                                changes={"rag": ActionRag.COMPLETE, "text": "Rewritten"})
    assert PlanUpdate.objects.get(pk=update.pk).rows == published
    row = published[0]
    assert (row["reference"], row["text"], row["due_date"], row["rag"], row["overdue"]) == (
        "1a", "Action 1a", "2018-05-24", "On-Track", True)
    with pytest.raises(ValidationError):  # published once per month
        services.plan_update_publish(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"],
                                     month=10)
    services.plan_update_publish(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"], month=11)
    assert PlanUpdate.objects.get(month=11).rows[0]["text"] == "Rewritten"


@pytest.mark.parametrize("month", [0, 13])
def test_an_update_needs_a_real_month(plan, month):
    with pytest.raises(ValidationError):
        services.plan_update_publish(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"],
                                     month=month)


# --- meetings and decisions -------------------------------------------------------------------------------

def test_decisions_about_an_action_and_a_scheme_of_the_same_organisation(plan):
    meeting = services.meeting_create(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"],
                                      kind=MeetingKind.GOVERNING_BODY, held_on=date(2019, 2, 26), title="GB")
    decision = services.decision_record(actor=plan["pmo"], meeting=meeting, text="Accept the new date",
                                        action=plan["actions"][0])
    assert decision.subject_label == "Action 1a"
    scheme = SchemeFactory(organisation=plan["organisation"], year=plan["year"], reference="MM1")
    decision = services.decision_record(actor=plan["pmo"], meeting=meeting, text="Rated Amber", subject=scheme)
    assert decision.subject_id == scheme.pk and "MM1" in decision.subject_label
    from governance.selectors import decisions_about
    assert list(decisions_about(plan["viewer"], scheme)) == [decision]
    assert list(decisions_about(member(OrganisationFactory(), Role.VIEWER), scheme)) == []


def test_a_decision_about_another_organisations_record_is_refused(plan):
    meeting = services.meeting_create(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"],
                                      kind=MeetingKind.STAR_CHAMBER, held_on=date(2019, 2, 26), title="Star Chamber")
    other = OrganisationFactory(ods_code="07N")
    with pytest.raises(ValidationError):
        services.decision_record(actor=plan["pmo"], meeting=meeting, text="No",
                                 subject=SchemeFactory(organisation=other))
    with pytest.raises(ValidationError):
        services.decision_record(actor=plan["pmo"], meeting=meeting, text="No",
                                 action=make_plan(other, plan["year"], 1, prefix="Other ")[0])
    with pytest.raises(ValidationError):
        services.decision_record(actor=plan["pmo"], meeting=meeting, text="  ")


@pytest.mark.parametrize("changes", [
    {"title": ""}, {"title": "x" * 201}, {"kind": "tea party"}, {"held_on": date(1990, 1, 1)},
])
def test_a_bad_meeting_is_refused(plan, changes):
    values = {"kind": MeetingKind.RAG_PANEL, "held_on": date(2019, 1, 23), "title": "RAG panel", **changes}
    with pytest.raises(ValidationError):
        services.meeting_create(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"], **values)


# --- the API ----------------------------------------------------------------------------------------------

def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_actions_api_is_scoped_and_filtered(plan):
    other_year = FinancialYearFactory(start_year=2019)
    make_plan(plan["organisation"], other_year, 2, prefix="Next ")
    make_plan(OrganisationFactory(ods_code="07N"), plan["year"], 2, prefix="Bexley ")
    rows = api(plan["viewer"]).get("/api/v1/actions/?organisation=06h&year=2018/19").json()["results"]
    assert [r["reference"] for r in rows] == ["1a", "2a", "3a"]
    assert set(rows[0]) >= {"reference", "text", "due_date", "owner", "rag", "status", "revised_due_dates"}
    assert api(plan["viewer"]).get("/api/v1/actions/?organisation=07N").json()["results"] == []
    assert api(plan["viewer"]).get("/api/v1/actions/?year=2018/20").status_code == 400
    assert api(plan["viewer"]).get("/api/v1/actions/?rag=purple").status_code == 400


def test_api_query_counts_do_not_grow_with_rows(plan):
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api(plan["viewer"]).get(url).status_code == 200
        return len(queries)

    def meetings(n: int) -> None:
        for i in range(n):
            meeting = services.meeting_create(actor=None, organisation=plan["organisation"], year=plan["year"],
                                              kind=MeetingKind.RAG_PANEL, held_on=date(2019, 1, 1 + i), title=f"M{i}")
            services.decision_record(actor=None, meeting=meeting, text="Agreed", action=plan["actions"][0])
            services.decision_record(actor=None, meeting=meeting, text="Rated",
                                     subject=SchemeFactory(organisation=plan["organisation"], year=plan["year"]))

    for action in plan["actions"]:
        services.action_due_date_revise(actor=None, action=action, new_date=date(2019, 3, 31), reason="Later")
    meetings(2)
    small = count("/api/v1/actions/"), count("/api/v1/meetings/")
    make_plan(plan["organisation"], plan["year"], 20, prefix="More ")
    for action in PlanAction.objects.all():
        action.refresh_from_db()
        if action.due_date != date(2019, 3, 31):
            services.action_due_date_revise(actor=None, action=action, new_date=date(2019, 3, 31), reason="Later")
    meetings(10)
    assert (count("/api/v1/actions/"), count("/api/v1/meetings/")) == small


# --- the demo data ----------------------------------------------------------------------------------------


def test_action_11d_carries_its_revised_due_dates_with_their_reasons_through_the_api(demo, client):
    client.login(username="viewer", password="viewer-demo-2013")
    rows = client.get("/api/v1/actions/?organisation=06H&year=2018/19&page_size=100").json()
    actions = rows["results"]
    while rows["next"]:
        rows = client.get(rows["next"]).json()
        actions += rows["results"]
    assert len(actions) == 68
    action = next(a for a in actions if a["reference"] == "11d")
    assert (action["due_date"], action["rag"], action["status"], action["owner"]) == (
        "2019-03-31", "Reset Date", "Open", "CFO")
    revisions = action["revised_due_dates"]
    assert [(r["old_date"], r["new_date"]) for r in revisions] == [(None, "2019-01-14"), ("2019-01-14", "2019-03-31")]
    assert "re-set to 14 January 2019 to reflect national timetable" in revisions[0]["reason"]
    assert "align with the national timescales" in revisions[1]["reason"]
    assert next(a for a in actions if a["reference"] == "5b")["note"] == 'RAG as published: "Open".'


def test_shropshire_calendar_is_six_meetings_and_load_demo_adds_nothing_the_second_time(demo, client, settings):
    client.login(username="viewer", password="viewer-demo-2013")
    meetings = client.get("/api/v1/meetings/?organisation=05N&year=2012/13").json()["results"]
    assert [(m["held_on"], m["month_only"]) for m in meetings][:2] == [("2012-01-01", True), ("2012-03-01", True)]
    assert len(meetings) == 6 and meetings[2]["title"] == "Deep dive assessment of performance"
    before = (RevisedDueDate.objects.count(), PlanAction.history.count(), PlanAction.objects.count())
    call_command("load_demo", verbosity=0)
    assert (RevisedDueDate.objects.count(), PlanAction.history.count(), PlanAction.objects.count()) == before


def test_decisions_about_a_scheme_and_a_risk_are_shown_on_their_pages(plan, client):
    from risks.services import risk_create

    meeting = services.meeting_create(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"],
                                      kind=MeetingKind.STAR_CHAMBER, held_on=date(2019, 2, 26), title="Star Chamber")
    scheme = SchemeFactory(organisation=plan["organisation"], year=plan["year"], reference="MM1")
    risk = risk_create(actor=plan["pmo"], organisation=plan["organisation"], year=plan["year"],
                       title="Prescribing growth above plan")
    services.decision_record(actor=plan["pmo"], meeting=meeting, text="Keep MM1 at Amber", subject=scheme)
    services.decision_record(actor=plan["pmo"], meeting=meeting, text="Review the risk monthly", subject=risk)
    client.force_login(plan["viewer"])
    scheme_page = client.get(f"/schemes/{scheme.pk}/").content.decode()
    assert "Keep MM1 at Amber" in scheme_page and "Review the risk monthly" not in scheme_page
    assert f'href="{reverse("meeting", args=[meeting.pk])}"' in scheme_page
    risk_page = client.get(f"/risks/{risk.pk}/").content.decode()
    assert "Review the risk monthly" in risk_page and "Keep MM1 at Amber" not in risk_page
    client.force_login(member(OrganisationFactory(), Role.VIEWER))
    assert client.get(f"/schemes/{scheme.pk}/").status_code == 404
