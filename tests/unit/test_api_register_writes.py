"""API writes on the registers whose pages write: schemes, risks, improvement-plan actions, financial risks and their
months, budget lines and months, key stages, RAG sittings and directors' assessments.

Each goes through the page's own service: the role (403 for a governing-body viewer), the version the caller read
(409 with the record as it is now), another organisation's record (404), bad input (400 naming the field, in the one
error body, nothing saved).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from governance.models import Organisation, Role
from schemes.models import Scheme
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, SchemeFactory, api_key, member

pytestmark = pytest.mark.django_db
D = Decimal


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


@pytest.fixture
def bexley() -> Organisation:
    organisation = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    FinancialYearFactory(start_year=2013)
    ProgrammeFactory(organisation=organisation, name="Planned Care")
    return organisation


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"], body
    if field is not None:
        assert field in body["errors"], body
    return body


# --- Schemes ---------------------------------------------------------------------------------------

def test_a_pmo_editor_creates_a_scheme_and_its_figures_are_computed(bexley, django_capture_on_commit_callbacks):
    pmo = token_client(member(bexley, Role.PMO_EDITOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = pmo.post("/api/v1/schemes/", {
            "organisation": "07n", "year": "2013/14", "programme": "Planned Care", "reference": "15b",
            "name": "GP QIPP - Reduction in Referrals 5%", "go_live": "2013-07", "gross_saving": "602000",
        }, format="json")
    assert response.status_code == 201, response.content
    scheme = Scheme.objects.get(reference="15b")
    body = pmo.get(f"/api/v1/schemes/{scheme.pk}/").json()
    # The paper's worked example: FYE 602,000 live from Jul-13 gives 9 months, 451,500 in year, 150,500 next year.
    assert (body["months_in_year"], body["plan_in_year"], body["next_year_effect"]) == (9, "451500.00", "150500.00")
    assert body["version"] == 1 and body["go_live"] == "2013-07"


def test_a_scheme_create_refuses_bad_input_naming_each_field(bexley):
    pmo = token_client(member(bexley, Role.PMO_EDITOR))
    body = assert_error(pmo.post("/api/v1/schemes/", {
        "organisation": "07N", "year": "2013/14", "programme": "No such", "reference": "X1", "name": "X",
        "gross_saving": "1",
    }, format="json"), 400, "invalid", "programme")
    assert "no programme called No such" in body["errors"]["programme"][0]
    assert_error(pmo.post("/api/v1/schemes/", {"organisation": "07N", "year": "2013"}, format="json"),
                 400, "invalid", "year")
    body = assert_error(pmo.post("/api/v1/schemes/", {
        "organisation": "07N", "year": "2013/14", "programme": "Planned Care", "reference": "X1", "name": "X",
        "gross_saving": "1", "go_live": "2012-07",
    }, format="json"), 400, "invalid", "go_live")
    assert_error(pmo.post("/api/v1/schemes/", {
        "organisation": "07N", "year": "2013/14", "programme": "Planned Care", "reference": "X1", "name": "X",
        "gross_saving": "20000000000",
    }, format="json"), 400, "invalid", "gross_saving")  # the service's bound: under £10bn
    assert not Scheme.objects.exists()


def test_a_scheme_of_another_organisation_cannot_be_created_there(bexley):
    stranger = token_client(member(OrganisationFactory(), Role.ADMINISTRATOR))
    body = assert_error(stranger.post("/api/v1/schemes/", {
        "organisation": "07N", "year": "2013/14", "programme": "Planned Care", "reference": "X1", "name": "X",
        "gross_saving": "1"}, format="json"), 400, "invalid", "organisation")
    assert "no organisation with the ODS code 07N" in body["errors"]["organisation"][0]
    viewer = token_client(member(bexley, Role.VIEWER))
    assert_error(viewer.post("/api/v1/schemes/", {
        "organisation": "07N", "year": "2013/14", "programme": "Planned Care", "reference": "X1", "name": "X",
        "gross_saving": "1"}, format="json"), 403, "permission_denied")
    assert not Scheme.objects.exists()


def test_a_scheme_edit_checks_the_version_role_and_organisation(bexley):
    scheme = SchemeFactory(organisation=bexley, reference="15b")
    url = f"/api/v1/schemes/{scheme.pk}/"
    first, second = token_client(member(bexley, Role.PMO_EDITOR)), token_client(member(bexley, Role.PMO_EDITOR))
    response = first.patch(url, {"version": 1, "name": "Renamed", "phase": 2}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["phase"], response.json()["version"]) == ("Renamed", 2, 2)
    body = assert_error(second.patch(url, {"version": 1, "name": "Mine"}, format="json"), 409, "conflict")
    assert body["current"]["name"] == "Renamed" and body["current"]["version"] == 2
    assert_error(token_client(member(bexley, Role.VIEWER)).patch(url, {"version": 2, "name": "V"}, format="json"),
                 403, "permission_denied")
    assert_error(token_client(member(OrganisationFactory(), Role.ADMINISTRATOR)).patch(
        url, {"version": 2, "name": "S"}, format="json"), 404, "not_found")
    assert_error(first.patch(url, {"version": 2, "name": ""}, format="json"), 400, "invalid", "name")
    assert_error(first.patch(url, {"name": "No version"}, format="json"), 400, "invalid", "version")
    scheme.refresh_from_db()
    assert (scheme.name, scheme.version) == ("Renamed", 2)


def check_the_four_refusals(url: str, organisation: Organisation, payload: dict[str, Any], *, writer: str,
                            method: str = "patch") -> None:
    """A viewer's token 403, another organisation's 404, a stale version 409 with `current`: nothing saved."""
    send = getattr(token_client(member(organisation, Role.VIEWER)), method)
    assert_error(send(url, payload, format="json"), 403, "permission_denied")
    send = getattr(token_client(member(OrganisationFactory(), Role.ADMINISTRATOR)), method)
    assert_error(send(url, payload, format="json"), 404, "not_found")
    send = getattr(token_client(member(organisation, writer)), method)
    body = assert_error(send(url, {**payload, "version": 999}, format="json"), 409, "conflict")
    assert body["current"] is not None


# --- Risks -----------------------------------------------------------------------------------------

def test_risks_are_added_and_rescored_through_the_register_services(bexley):
    from risks.models import Risk

    scheme = SchemeFactory(organisation=bexley, reference="MSK")
    pmo = token_client(member(bexley, Role.PMO_EDITOR))
    response = pmo.post("/api/v1/risks/", {
        "organisation": "07N", "year": "2013/14", "title": "Activity shifts late", "scheme": "msk",
        "current_likelihood": 4, "current_impact": 5, "programme": "Planned Care",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["current_score"], body["current_band"], body["scheme"], body["programme"]) == (
        20, "Red", "MSK", "Planned Care")
    url = f"/api/v1/risks/{body['id']}/"
    # Likelihood without its impact is refused in the matrix's words, nothing saved.
    assert_error(pmo.patch(url, {"version": 1, "target_likelihood": 2}, format="json"), 400, "invalid",
                 "target_impact")
    response = pmo.patch(url, {"version": 1, "target_likelihood": 2, "target_impact": 2}, format="json")
    assert (response.json()["target_score"], response.json()["version"]) == (4, 2)
    check_the_four_refusals(url, bexley, {"version": 2, "title": "X"}, writer=Role.FINANCE)
    assert Risk.objects.get().title == "Activity shifts late" and scheme.risks.count() == 1
    assert_error(pmo.post("/api/v1/risks/", {"organisation": "07N", "year": "2013/14", "title": "T",
                                             "scheme": "nope"}, format="json"), 400, "invalid", "scheme")


# --- Improvement-plan actions ----------------------------------------------------------------------

def test_an_action_is_changed_and_its_due_date_revised_with_a_reason():
    from governance import services
    from governance.models import RevisedDueDate
    from governance.services import system_actor

    organisation, year = OrganisationFactory(ods_code="06H"), FinancialYearFactory(start_year=2018)
    actor = system_actor("tests")
    domain = services.plan_domain_set(actor=actor, organisation=organisation, year=year, name="Leadership",
                                      oversight="")
    requirement = services.requirement_set(actor=actor, domain=domain, number=1, text="Take responsibility")
    action = services.plan_action_create(actor=actor, requirement=requirement, letter="a", text="Agree the plan",
                                         due_date=date(2018, 5, 24), rag="on_track", status="open")
    url = f"/api/v1/actions/{action.pk}/"
    pmo = token_client(member(organisation, Role.PMO_EDITOR))
    # The label the list shows is taken as well as the code.
    response = pmo.patch(url, {"version": 1, "rag": "Delayed", "note": "Waiting on NHSE"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["rag"], response.json()["note"], response.json()["version"]) == ("Delayed",
                                                                                            "Waiting on NHSE", 2)
    assert_error(pmo.post(f"{url}due-date/", {"version": 2, "new_date": "2018-07-31", "reason": ""},
                          format="json"), 400, "invalid", "reason")
    response = pmo.post(f"{url}due-date/", {"version": 2, "new_date": "2018-07-31", "reason": "NHSE asked"},
                        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["due_date"] == "2018-07-31"
    assert [(r["old_date"], r["new_date"], r["reason"]) for r in response.json()["revised_due_dates"]] == [
        ("2018-05-24", "2018-07-31", "NHSE asked")]
    assert RevisedDueDate.objects.count() == 1
    check_the_four_refusals(url, organisation, {"version": 3, "text": "X"}, writer=Role.PMO_EDITOR)
    assert_error(pmo.patch(url, {"version": 3, "rag": "purple"}, format="json"), 400, "invalid", "rag")


# --- Financial risks and their months --------------------------------------------------------------

def test_a_months_register_is_started_filled_and_copied_forward():
    from finance.models import FinancialRisk

    organisation = OrganisationFactory(ods_code="06H")
    FinancialYearFactory(start_year=2018)
    finance = token_client(member(organisation, Role.FINANCE))
    row = {"organisation": "06H", "year": "2018/19", "month": 10, "kind": "risk",
           "description": "CHC price pressure", "total_value": "2000000", "assessed_value": "1500000",
           "in_forecast": "500000"}
    body = assert_error(finance.post("/api/v1/financial-risks/", row, format="json"), 400, "invalid", "month")
    assert "start it first" in body["errors"]["month"][0]
    response = finance.post("/api/v1/financial-risk-months/", {"organisation": "06H", "year": "2018/19",
                                                               "month": 10}, format="json")
    assert response.status_code == 201, response.content
    m10 = response.json()["id"]
    response = finance.post("/api/v1/financial-risks/", row, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["residual"], response.json()["assessed_percent"]) == ("1000000.00", "75")
    url = f"/api/v1/financial-risks/{response.json()['id']}/"
    response = finance.patch(url, {"version": 1, "in_forecast": "1500000"}, format="json")
    assert (response.json()["residual"], response.json()["version"]) == ("0.00", 2)  # worked out again
    assert_error(finance.patch(url, {"version": 2, "total_value": "-5"}, format="json"), 400, "invalid",
                 "total_value")
    check_the_four_refusals(url, organisation, {"version": 2, "commentary": "X"}, writer=Role.FINANCE)
    response = finance.post("/api/v1/financial-risk-months/", {"organisation": "06H", "year": "2018/19",
                                                               "month": 11, "copy_from": m10}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["totals"]["risks"]["total_value"] == "2000000.00"
    assert FinancialRisk.objects.count() == 2
    assert_error(finance.post("/api/v1/financial-risk-months/", {"organisation": "06H", "year": "2018/19",
                                                                 "month": 11}, format="json"), 400, "invalid",
                 "month")  # already started
    assert_error(token_client(member(organisation, Role.PMO_EDITOR)).post(
        "/api/v1/financial-risk-months/", {"organisation": "06H", "year": "2018/19", "month": 12}, format="json"),
        403, "permission_denied")


# --- Budget lines and their months -----------------------------------------------------------------

def test_budget_lines_and_months_are_kept_through_the_budget_services():
    from finance.models import BudgetMonth

    organisation = OrganisationFactory(ods_code="06H")
    FinancialYearFactory(start_year=2018)
    finance = token_client(member(organisation, Role.FINANCE))
    response = finance.post("/api/v1/budget-lines/", {"organisation": "06H", "year": "2018/19", "name": "Acute",
                                                      "section": "Programme Expenditure"}, format="json")
    assert response.status_code == 201, response.content
    line = response.json()
    assert (line["position"], line["kind"], line["version"]) == (0, "spend", 1)
    body = assert_error(finance.post("/api/v1/budget-lines/", {"organisation": "06H", "year": "2018/19",
                                                               "name": "Acute"}, format="json"), 409, "conflict")
    assert body["current"]["id"] == line["id"]  # the line of that name that is already there
    url = f"/api/v1/budget-lines/{line['id']}/"
    response = finance.patch(url, {"version": 1, "commentary": "Over plan on elective"}, format="json")
    assert (response.json()["commentary"], response.json()["version"]) == ("Over plan on elective", 2)
    check_the_four_refusals(url, organisation, {"version": 2, "commentary": "X"}, writer=Role.FINANCE)
    # A month: new (version 0) needs its plan; then actual alone, the plan kept.
    assert_error(finance.patch(f"{url}months/1/", {"version": 0, "actual": "10"}, format="json"), 400, "invalid",
                 "plan")
    response = finance.patch(f"{url}months/1/", {"version": 0, "plan": "50330.40"}, format="json")
    assert response.status_code == 200, response.content
    response = finance.patch(f"{url}months/1/", {"version": 1, "actual": "50752.80"}, format="json")
    [month] = response.json()["months"]
    assert (month["plan"], month["actual"], month["forecast"], month["version"]) == ("50330.40", "50752.80",
                                                                                      None, 2)
    assert response.json()["figures"]["ytd_variance"] == "-422.40"  # spend over plan is adverse
    check_the_four_refusals(f"{url}months/1/", organisation, {"version": 2, "actual": "1"}, writer=Role.FINANCE)
    assert finance.patch(f"{url}months/13/", {"version": 0, "plan": "1"}, format="json").status_code == 404
    assert BudgetMonth.objects.get().actual == D("50752.80")


# --- Activity lines and their months ---------------------------------------------------------------

def test_activity_lines_and_months_are_kept_through_the_activity_services():
    from finance import services
    from governance.services import system_actor

    organisation, year = OrganisationFactory(ods_code="06H"), FinancialYearFactory(start_year=2018)
    line = services.activity_line_record(actor=system_actor("tests"), organisation=organisation, year=year,
                                         code="E.M.7", title="Total referrals", plan=120000)
    url = f"/api/v1/activity/{line.pk}/"
    finance = token_client(member(organisation, Role.FINANCE))
    response = finance.patch(url, {"version": 1, "qipp_change": -2400, "commentary": "GP referrals"},
                             format="json")
    assert (response.json()["qipp_change"], response.json()["version"]) == (-2400, 2)
    assert_error(finance.patch(url, {"version": 2, "plan": -1}, format="json"), 400, "invalid", "plan")
    check_the_four_refusals(url, organisation, {"version": 2, "commentary": "X"}, writer=Role.FINANCE)
    response = finance.patch(f"{url}months/4/", {"version": 0, "plan": 10000, "actual": 10250}, format="json")
    assert response.status_code == 200, response.content
    [month] = response.json()["months"]
    assert (month["month"], month["variance"], month["variance_pct"]) == (4, -250, "-2.5")  # over plan: adverse
    check_the_four_refusals(f"{url}months/4/", organisation, {"version": 1, "actual": 1}, writer=Role.FINANCE)


# --- Key stages ------------------------------------------------------------------------------------

def test_key_stages_are_added_moved_and_removed_with_the_version(bexley):
    from schemes.models import KeyStage

    scheme = SchemeFactory(organisation=bexley)
    pmo = token_client(member(bexley, Role.PMO_EDITOR))
    response = pmo.post("/api/v1/key-stages/", {"scheme": scheme.pk, "name": "Business case",
                                                "baseline_date": "2013-04-30"}, format="json")
    assert response.status_code == 201, response.content
    stage = response.json()
    assert (stage["current_date"], stage["order"], stage["version"]) == ("2013-04-30", 1, 1)  # starts at baseline
    url = f"/api/v1/key-stages/{stage['id']}/"
    response = pmo.patch(url, {"version": 1, "current_date": "2013-06-30"}, format="json")
    assert (response.json()["current_date"], response.json()["version"]) == ("2013-06-30", 2)
    assert_error(pmo.patch(url, {"version": 2, "name": ""}, format="json"), 400, "invalid", "name")
    check_the_four_refusals(url, bexley, {"version": 2, "note": "X"}, writer=Role.PMO_EDITOR)
    other = SchemeFactory(organisation=OrganisationFactory())
    body = assert_error(pmo.post("/api/v1/key-stages/", {"scheme": other.pk, "name": "X"}, format="json"),
                        400, "invalid", "scheme")
    assert body["errors"]["scheme"] == [f"You have no scheme with id {other.pk}."]
    assert_error(pmo.delete(f"{url}?version=1"), 409, "conflict")
    assert pmo.delete(f"{url}?version=2").status_code == 204
    assert not KeyStage.objects.exists() and KeyStage.history.filter(history_type="-").count() == 1


# --- RAG sittings and directors' assessments -------------------------------------------------------

def test_a_rag_sitting_is_recorded_with_each_schemes_rating_token(bexley, django_capture_on_commit_callbacks):
    first, second = SchemeFactory(organisation=bexley, reference="A1"), SchemeFactory(organisation=bexley,
                                                                                      reference="A2")
    panel = token_client(member(bexley, Role.PANEL_MEMBER))
    tokens = {row["id"]: row["rating_token"] for row in panel.get("/api/v1/schemes/").json()["results"]}
    assert tokens == {first.pk: 0, second.pk: 0}
    rating = {"value": "green", "resources": "amber", "timescales": "Amber", "codependencies": "green",
              "overall": "amber"}
    sitting = {"organisation": "07N", "year": "2013/14", "held_on": "2013-01-23",
               "ratings": [{"scheme": first.pk, "rating_token": 0, **rating},
                           {"scheme": second.pk, "rating_token": 0, **rating, "overall": "red"}]}
    with django_capture_on_commit_callbacks(execute=True):
        response = panel.post("/api/v1/rag-sittings/", sitting, format="json")
    assert response.status_code == 201, response.content
    assert [r["overall"] for r in response.json()["ratings"]] == ["amber", "red"]
    rows = {row["id"]: row for row in panel.get("/api/v1/schemes/").json()["results"]}
    # Most likely: 451,500 x 75% (Amber) and x 50% (Red).
    assert (rows[first.pk]["most_likely"], rows[second.pk]["most_likely"]) == ("338625.00", "225750.00")
    assert rows[first.pk]["rating_token"] > 0
    body = assert_error(panel.post("/api/v1/rag-sittings/", {**sitting, "held_on": "2013-04-10"}, format="json"),
                        409, "conflict")  # the tokens read before the first sitting are stale now
    assert {row["id"] for row in body["current"]} == {first.pk, second.pk}
    assert_error(token_client(member(bexley, Role.PMO_EDITOR)).post("/api/v1/rag-sittings/", sitting,
                                                                    format="json"), 403, "permission_denied")
    assert_error(panel.post("/api/v1/rag-sittings/", {**sitting, "ratings": [
        {"scheme": first.pk, "rating_token": 0, **rating, "overall": "blue"}]}, format="json"), 400, "invalid",
        "ratings")


def test_a_directors_assessment_states_the_newest_it_saw(bexley, django_capture_on_commit_callbacks):
    scheme = SchemeFactory(organisation=bexley, reference="15b")
    panel = token_client(member(bexley, Role.PANEL_MEMBER))
    assessment = {"scheme": scheme.pk, "latest_assessment": 0, "assessed_on": "2013-03-14", "change_months": -1,
                  "director": "Director of Commissioning"}
    with django_capture_on_commit_callbacks(execute=True):
        response = panel.post("/api/v1/director-assessments/", assessment, format="json")
    assert response.status_code == 201, response.content
    first = response.json()["id"]
    # Adjusted months 9 - 1 = 8: 602,000 x 8/12 (no rating yet: factor 100%) = 401,333.33 this year.
    assert panel.get(f"/api/v1/schemes/{scheme.pk}/").json()["director_value"] == "401333.33"
    body = assert_error(panel.post("/api/v1/director-assessments/", {**assessment, "change_months": 2},
                                   format="json"), 409, "conflict")
    assert body["current"]["id"] == first and body["current"]["change_months"] == -1
    assert_error(panel.post("/api/v1/director-assessments/", {**assessment, "latest_assessment": first,
                                                              "change_months": 13}, format="json"),
                 400, "invalid", "change_months")
    assert_error(token_client(member(bexley, Role.VIEWER)).post(
        "/api/v1/director-assessments/", {**assessment, "latest_assessment": first}, format="json"),
        403, "permission_denied")
    other = SchemeFactory(organisation=OrganisationFactory())
    assert_error(panel.post("/api/v1/director-assessments/", {**assessment, "scheme": other.pk}, format="json"),
                 400, "invalid", "scheme")
