"""API writes of stage moves (gateway decisions) and overrides of computed figures, through the pages' services.

A stage move states the scheme's version (409 with the scheme as it is now); an override, set or cleared, states
the scheme's override token. A role that may not write gets 403, another organisation's record 404 (a scheme of
another organisation named in the body: 400 naming the field, as every create does), bad input and moves the
gateway rules refuse 400 in the one error body; nothing is saved on any refusal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from governance.models import Organisation, Role
from schemes.models import FigureOverride, Scheme, StageChange
from schemes.services import schemes_recompute
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member
from tests.unit.test_api_register_writes import assert_error, token_client

pytestmark = pytest.mark.django_db
D = Decimal
MOVES, OVERRIDES = "/api/v1/stage-moves/", "/api/v1/overrides/"


@pytest.fixture
def bexley() -> Organisation:
    organisation = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    FinancialYearFactory(start_year=2013)
    return organisation


def scheme_row(client: Any, scheme: Scheme) -> dict[str, Any]:
    return client.get(f"/api/v1/schemes/{scheme.pk}/").json()


# --- Stage moves -----------------------------------------------------------------------------------

def move(scheme: Scheme, version: int, **fields: Any) -> dict[str, Any]:
    return {"scheme": scheme.pk, "version": version, "to_stage": 1, "decision": "approved", "approver": "PMO board",
            "decided_on": "2013-02-01", "confirmed": ["finance_review", "management_executive_review"], **fields}


def test_a_scheme_moves_a_stage_with_its_gateway_and_the_stage_page_lists_it(bexley, client):
    scheme = SchemeFactory(organisation=bexley, reference="15b")
    pmo_user = member(bexley, Role.PMO_EDITOR)
    pmo = token_client(pmo_user)
    version = scheme_row(pmo, scheme)["version"]
    response = pmo.post(MOVES, move(scheme, version), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["from_stage"], body["to_stage"], body["decision"], body["reference"]) == (0, 1, "approved", "15b")
    assert "Gateway approvals confirmed: Finance review; Management executive review." in body["note"]
    row = scheme_row(pmo, scheme)
    assert (row["stage"], row["version"]) == (1, version + 1)
    client.force_login(pmo_user)
    assert "PMO board" in client.get(f"/schemes/{scheme.pk}/stage/").content.decode()
    # Not approved: recorded with its reason, and the scheme stays where it is (its version too).
    refused = pmo.post(MOVES, move(scheme, version + 1, to_stage="2 Planning", decision="Not approved",
                                   note="Plans not finalised", confirmed=[]), format="json")
    assert refused.status_code == 201, refused.content
    assert scheme_row(pmo, scheme)["stage"] == 1 and StageChange.objects.filter(scheme=scheme).count() == 2


def test_a_stage_move_checks_the_version_role_gateway_and_organisation(bexley):
    scheme = SchemeFactory(organisation=bexley)
    pmo = token_client(member(bexley, Role.PMO_EDITOR))
    version = scheme_row(pmo, scheme)["version"]
    assert_error(token_client(member(bexley, Role.VIEWER)).post(MOVES, move(scheme, version), format="json"),
                 403, "permission_denied")
    assert_error(token_client(member(bexley, Role.FINANCE)).post(MOVES, move(scheme, version), format="json"),
                 403, "permission_denied")
    body = assert_error(pmo.post(MOVES, move(scheme, version, confirmed=["finance_review"]), format="json"),
                        400, "invalid", "confirmed")  # every approval of the gateway, not some
    assert "Management executive review" in body["detail"]
    assert_error(pmo.post(MOVES, move(scheme, version, to_stage=2), format="json"), 400, "invalid", "to_stage")
    assert_error(pmo.post(MOVES, move(scheme, version, decided_on="2999-01-01"), format="json"), 400, "invalid",
                 "decided_on")
    assert_error(pmo.post(MOVES, move(scheme, version, to_stage=9), format="json"), 400, "invalid", "to_stage")
    assert_error(pmo.post(MOVES, move(scheme, version, confirmed=["nonsense"]), format="json"), 400, "invalid",
                 "confirmed")
    other = SchemeFactory(organisation=OrganisationFactory())
    body = assert_error(pmo.post(MOVES, move(other, 1), format="json"), 400, "invalid", "scheme")
    assert body["errors"]["scheme"] == [f"You have no scheme with id {other.pk}."]
    assert not StageChange.objects.exists()
    # Someone else moves it first: the stale version gets 409 with the scheme as it is now.
    assert pmo.post(MOVES, move(scheme, version), format="json").status_code == 201
    body = assert_error(pmo.post(MOVES, move(scheme, version), format="json"), 409, "conflict")
    assert (body["current"]["id"], body["current"]["stage"], body["current"]["version"]) == (scheme.pk, 1,
                                                                                             version + 1)
    assert StageChange.objects.count() == 1
    # Moving back needs its reason.
    assert_error(pmo.post(MOVES, move(scheme, version + 1, to_stage=0, confirmed=[]), format="json"), 400,
                 "invalid", "note")


def test_stage_moves_are_never_changed_or_removed(bexley):
    scheme = SchemeFactory(organisation=bexley)
    change = StageChange.objects.create(scheme=scheme, from_stage=0, to_stage=1, decision="approved", approver="X",
                                        decided_on=date(2013, 2, 1))
    pmo = token_client(member(bexley, Role.ADMINISTRATOR))
    for method in ("patch", "put", "delete"):
        assert getattr(pmo, method)(f"{MOVES}{change.pk}/", {}, format="json").status_code == 405, method


# --- Overrides -------------------------------------------------------------------------------------

def test_a_figure_is_overridden_with_its_reason_and_cleared_through_the_api(bexley, django_capture_on_commit_callbacks):
    scheme = SchemeFactory(organisation=bexley, reference="PMC")
    schemes_recompute(scheme_ids=[scheme.pk])
    finance = token_client(member(bexley, Role.FINANCE))
    row = scheme_row(finance, scheme)
    assert (row["plan_in_year"], row["override_token"]) == ("451500.00", 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(OVERRIDES, {"scheme": scheme.pk, "override_token": 0, "figure": "In-year plan",
                                            "value": "141000", "reason": "As published in the paper"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["figure"], body["value"], body["in_force"]) == ("plan_in_year", "141000.00", True)
    row = scheme_row(finance, scheme)
    # The figures follow the hand-set plan (no rating yet: most likely is the plan), and the token moved on.
    assert (row["plan_in_year"], row["most_likely"], row["overridden_fields"]) == ("141000.00", "141000.00",
                                                                                  ["plan_in_year"])
    token = row["override_token"]
    assert token > 0
    url = f"{OVERRIDES}{body['id']}/clear/"
    with django_capture_on_commit_callbacks(execute=True):
        cleared = finance.post(url, {"override_token": token, "reason": "The paper was corrected"}, format="json")
    assert cleared.status_code == 200, cleared.content
    assert (cleared.json()["in_force"], cleared.json()["clear_reason"]) == (False, "The paper was corrected")
    assert scheme_row(finance, scheme)["plan_in_year"] == "451500.00"  # the formula's again
    token = scheme_row(finance, scheme)["override_token"]
    assert_error(finance.post(url, {"override_token": token, "reason": "Again"}, format="json"), 400, "invalid")


def test_an_override_checks_the_token_role_reason_and_organisation(bexley):
    scheme = SchemeFactory(organisation=bexley)
    panel = token_client(member(bexley, Role.PANEL_MEMBER))
    given = {"scheme": scheme.pk, "override_token": 0, "figure": "most_likely", "value": "5", "reason": "Paper"}
    assert_error(token_client(member(bexley, Role.PMO_EDITOR)).post(OVERRIDES, given, format="json"),
                 403, "permission_denied")
    assert_error(panel.post(OVERRIDES, {**given, "reason": " "}, format="json"), 400, "invalid")
    assert_error(panel.post(OVERRIDES, {**given, "figure": "stage"}, format="json"), 400, "invalid", "figure")
    assert_error(panel.post(OVERRIDES, {**given, "value": "1,000"}, format="json"), 400, "invalid", "value")
    other = SchemeFactory(organisation=OrganisationFactory())
    assert_error(panel.post(OVERRIDES, {**given, "scheme": other.pk}, format="json"), 400, "invalid", "scheme")
    assert not FigureOverride.objects.exists()
    first = panel.post(OVERRIDES, given, format="json")
    assert first.status_code == 201, first.content
    # The token read before the first override is stale now: 409 with the scheme as it is now, nothing saved.
    body = assert_error(panel.post(OVERRIDES, {**given, "value": "6"}, format="json"), 409, "conflict")
    assert body["current"]["id"] == scheme.pk and body["current"]["override_token"] > 0
    url = f"{OVERRIDES}{first.json()['id']}/clear/"
    assert_error(panel.post(url, {"override_token": 0, "reason": "X"}, format="json"), 409, "conflict")
    assert_error(token_client(member(OrganisationFactory(), Role.ADMINISTRATOR)).post(
        url, {"override_token": body["current"]["override_token"], "reason": "X"}, format="json"), 404, "not_found")
    assert_error(token_client(member(bexley, Role.VIEWER)).post(
        url, {"override_token": body["current"]["override_token"], "reason": "X"}, format="json"),
        403, "permission_denied")
    [override] = FigureOverride.objects.all()
    assert (override.value, override.cleared_at) == (D("5"), None)
