"""The risk register (issue 8 section 1): recording risks through the services, version-checked edits, the
scores as of a past date, and the demo data through /api/v1/risks/ (seed 004's operational risks)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from governance.models import Role
from risks.models import Risk
from risks.scoring import score_band
from risks.selectors import risk_as_of, risk_score_history, stage_scores
from risks.services import EditConflict, risk_create, risk_record, risk_update
from tests.api_pages import all_pages
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member

pytestmark = pytest.mark.django_db


def test_a_risk_score_is_likelihood_times_impact_and_unknown_until_both_are_scored():
    assert Risk(current_likelihood=4, current_impact=5).current_score == 20
    assert Risk(current_likelihood=4, current_impact=None).current_score is None
    assert Risk(target_likelihood=2, target_impact=4).target_band == "Amber"
    assert Risk(year_start_published_score=12).year_start_band == "Amber"  # a bare published score


def test_recording_a_risk_again_changes_it_and_keeps_history_only_when_something_changed():
    organisation = OrganisationFactory()
    risk = risk_record(actor=None, organisation=organisation, reference="R1", title="Activity above plan",
                       current_likelihood=4, current_impact=4)
    assert (risk.current_score, risk.current_band) == (16, "Red")
    same = risk_record(actor=None, organisation=organisation, reference="R1", title="Activity above plan",
                       current_likelihood=4, current_impact=4)
    assert same.pk == risk.pk and risk.history.count() == 1
    moved = risk_record(actor=None, organisation=organisation, reference="R1", current_likelihood=2)
    assert (moved.pk, moved.current_score, moved.title) == (risk.pk, 8, "Activity above plan")
    assert risk.history.count() == 2


def test_scores_out_of_range_half_pairs_unknown_fields_and_typed_scores_are_refused_and_nothing_is_saved():
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError) as refused:
        risk_record(actor=None, organisation=organisation, reference="R2", title="Typed as 20 4x4",
                    current_likelihood=20, current_impact=4)
    assert "current_likelihood" in refused.value.message_dict
    with pytest.raises(ValidationError) as half:
        risk_record(actor=None, organisation=organisation, reference="R2", title="Half", target_likelihood=3)
    assert "likelihood and impact together" in str(half.value.message_dict["target_impact"])
    with pytest.raises(TypeError, match="Unknown risk fields: \\['current_score'\\]"):
        risk_record(actor=None, organisation=organisation, reference="R2", title="A risk", current_score=20)
    assert not Risk.objects.exists()


def test_a_risk_cannot_point_at_another_organisations_programme():
    organisation, other = OrganisationFactory(), OrganisationFactory()
    with pytest.raises(ValidationError) as refused:
        risk_create(actor=None, organisation=organisation, year=None, title="A risk",
                    programme=ProgrammeFactory(organisation=other))
    assert "another organisation" in str(refused.value.message_dict["programme"])


def test_viewers_may_not_keep_the_register():
    organisation = OrganisationFactory()
    viewer = member(organisation, Role.VIEWER)
    with pytest.raises(PermissionDenied, match="keep the risk register"):
        risk_create(actor=viewer, organisation=organisation, year=None, title="A risk")


def test_a_stale_edit_is_refused_and_a_bare_published_score_goes_once_likelihood_and_impact_are_scored():
    organisation = OrganisationFactory()
    editor = member(organisation, Role.PMO_EDITOR)
    risk = risk_create(actor=editor, organisation=organisation, year=FinancialYearFactory(), title="Data quality",
                       current_published="12 Amber", current_published_score=12)
    assert (risk.current_score, risk.current_band) == (None, "Amber")
    assert not stage_scores(risk)[1].recorded
    saved = risk_update(actor=editor, risk=risk, expected_version=risk.version,
                        changes={"current_likelihood": 3, "current_impact": 4})
    assert (saved.current_score, saved.current_published_score, saved.version) == (12, None, 2)
    with pytest.raises(EditConflict):
        risk_update(actor=editor, risk=risk, expected_version=1, changes={"owner": "Chief Nurse"})
    assert Risk.objects.get().owner == ""


def test_the_score_at_any_past_date_comes_from_the_dated_history():
    organisation = OrganisationFactory()
    risk = risk_create(actor=None, organisation=organisation, year=None, title="A risk",
                       current_likelihood=4, current_impact=5)
    first = risk.history.get()
    first.history_date = timezone.now() - timedelta(days=40)
    first.save()
    risk_update(actor=None, risk=risk, expected_version=None, changes={"current_likelihood": 2})
    assert risk_as_of(risk, date.today() - timedelta(days=41)) is None
    assert risk_as_of(risk, date.today() - timedelta(days=30)).current_likelihood == 4
    assert risk_as_of(risk, date.today()).current_likelihood == 2
    reviews = risk_score_history(risk)
    assert [review.scores[1].score for review in reviews] == [10, 20]


# --- The demo data through the API (issue 8, "Checks that must hold") ------------------------------------


def test_demo_risks_through_the_api(demo):
    client = APIClient()
    client.login(username="viewer", password="viewer-demo-2013")
    cambs = all_pages(client, "/api/v1/risks/?organisation=06H&year=2018/19")
    assert len(cambs) == 16
    s117 = next(r for r in cambs if r["title"] == "Failure to address Section 117/CHC disputes with Local Authorities")
    assert (s117["current_likelihood"], s117["current_impact"], s117["current_score"], s117["current_band"]) == (
        4, 4, 16, "Red")
    assert s117["scores"]["current"]["published"] == "20 4x4"
    assert "20 4x4" in s117["scores"]["current"]["discrepancy"] and "= 16" in s117["scores"]["current"]["discrepancy"]
    assert (s117["year_start_score"], s117["target_score"], s117["target_band"]) == (16, 4, "Yellow")
    # "16 Red" -> 4x4 (one split); "12 Amber" -> 3x4 (the risk's other scores fix impact 4); "4 Yellow" -> 1x4.
    data = next(r for r in cambs if r["title"].startswith("Failure to provide accurate data"))
    assert (data["year_start_likelihood"], data["year_start_impact"], data["target_likelihood"],
            data["target_impact"]) == (4, 4, 3, 4)
    plan = next(r for r in cambs if r["title"].startswith("Failure to deliver the CCG's Improvement Plan"))
    assert (plan["target_likelihood"], plan["target_impact"], plan["target_score"]) == (1, 4, 4)
    surrey = all_pages(client, "/api/v1/risks/?organisation=5P5")
    assert len(surrey) == 94 and all(r["year"] == "2011/12" for r in surrey)
    assert sum(1 for r in surrey if r["programme"]) > 80 and all(r["impact"] == "" for r in surrey)
    for row in cambs + surrey:
        for stage in ("year_start", "current", "target"):
            likelihood, impact = row[f"{stage}_likelihood"], row[f"{stage}_impact"]
            if likelihood is not None:
                assert row[f"{stage}_score"] == likelihood * impact
                assert row[f"{stage}_band"] == score_band(likelihood * impact)
            if row[f"{stage}_score"] is not None:
                assert row[f"{stage}_band"] == score_band(row[f"{stage}_score"])
    red = all_pages(client, "/api/v1/risks/?organisation=06H&band=Red")
    assert {r["current_band"] for r in red} == {"Red"} and len(red) == 15  # all but "12 3x4"
    green_targets = all_pages(client, "/api/v1/risks/?organisation=06H&band=Green&scores=target")
    assert [r["target_score"] for r in green_targets] == [3]


def test_loading_the_demo_again_adds_no_risks_and_no_history(demo, django_capture_on_commit_callbacks):
    before = (Risk.objects.count(), Risk.history.count())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    assert (Risk.objects.count(), Risk.history.count()) == before


@pytest.mark.parametrize("query", [
    "", "?organisation={ods}&year={year}", "?band=Yellow&scores=target", "?likelihood=3&impact=3",
    "?programme={programme}", "?q=Risk&category=financial", "?owner=Owner",
])
def test_api_query_count_does_not_grow_with_risks(query):
    """Unfiltered and through every kind of filter: the same queries for 1 risk as for 30."""
    organisation = OrganisationFactory()
    year = FinancialYearFactory()
    client = APIClient()
    client.force_authenticate(member(organisation, Role.VIEWER))
    programme = ProgrammeFactory(organisation=organisation)
    url = "/api/v1/risks/" + query.format(ods=organisation.ods_code, year=year.name, programme=programme.pk)

    def add(n: int) -> None:
        risk_create(actor=None, organisation=organisation, year=year, title=f"Risk {n}", programme=programme,
                    owner=f"Owner {n}", category="financial", current_likelihood=3, current_impact=3,
                    target_likelihood=2, target_impact=3)

    add(0)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()["results"]) == 1
    for n in range(1, 30):
        add(n)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()["results"]) == 30
    assert len(many) == len(one)


def test_a_user_of_one_organisation_gets_no_risks_of_another():
    mine, theirs = OrganisationFactory(), OrganisationFactory()
    risk_create(actor=None, organisation=theirs, year=None, title="Their risk")
    client = APIClient()
    client.force_authenticate(member(mine, Role.ADMINISTRATOR))
    assert len(client.get("/api/v1/risks/").json()["results"]) == 0
