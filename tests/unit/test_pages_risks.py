"""Risk register pages (issue 8 section 1): list with filters, detail with score history, add, version-checked
edit, history, heat map; read-only for governing-body viewers; query counts flat."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR
from governance.models import Role
from risks.models import Category, Risk
from risks.services import risk_create, risk_update
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")


@pytest.fixture
def year():
    return FinancialYearFactory(start_year=2018)


def signed_in(user, organisation, year) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_ORGANISATION] = organisation.pk
    session[SESSION_YEAR] = year.pk
    session.save()
    return client


@pytest.fixture
def risks(organisation, year):
    scheme = SchemeFactory(organisation=organisation, year=year, reference="CHC1", name="CHC review")
    s117 = risk_create(
        actor=None, organisation=organisation, year=year,
        title="Failure to address Section 117/CHC disputes with Local Authorities", category=Category.SERVICE_DELIVERY,
        owner="Chief Operating Officer", scheme=scheme,
        year_start_likelihood=4, year_start_impact=4, current_likelihood=4, current_impact=4,
        current_published="20 4x4", target_likelihood=1, target_impact=4,
    )
    bare = risk_create(actor=None, organisation=organisation, year=year, title="Accurate data for complex cases",
                       category=Category.QUALITY, owner="Chief Nurse", year_start_published="12 Amber",
                       year_start_published_score=12, current_likelihood=2, current_impact=3)
    return {"s117": s117, "bare": bare, "scheme": scheme}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_register_shows_scores_bands_in_words_discrepancy_and_unrecorded_scores(organisation, year, risks):
    client = signed_in(member(organisation, Role.VIEWER), organisation, year)
    page = text(client.get("/risks/"))
    assert "2 risks of NHS Cambridgeshire and Peterborough CCG, 2018/19" in page
    assert "16 (4×4)</span> <strong class=\"nhsuk-tag nhsuk-tag--red\">Red (extreme)</strong>" in page
    assert "Discrepancy:</strong> Published “20 4x4” (score 20), but 4 × 4 = 16 Red" in page
    assert "Published “12 Amber”: likelihood and impact not recorded" in page
    assert "Add a risk" not in page  # viewers read only


def test_register_filters_by_band_owner_category_scheme_and_heat_map_cell(organisation, year, risks):
    client = signed_in(member(organisation, Role.VIEWER), organisation, year)

    def titles(query: dict) -> list[str]:
        response = client.get("/risks/", query)
        assert response.status_code == 200
        return [row["risk"].title for row in response.context["rows"]]

    s117, bare = risks["s117"].title, risks["bare"].title
    assert titles({"band": "Red"}) == [s117]
    assert titles({"band": "Yellow"}) == [bare]
    assert titles({"band": "Amber", "scores": "year_start"}) == [bare]  # the bare published 12 Amber
    assert titles({"band": "Yellow", "scores": "target"}) == [s117]
    assert titles({"owner": "nurse"}) == [bare]
    assert titles({"category": "quality"}) == [bare]
    assert titles({"scheme": risks["scheme"].pk}) == [s117]
    assert titles({"scores": "target", "likelihood": 1, "impact": 4}) == [s117]
    assert client.get("/risks/", {"band": "Purple"}).status_code == 200  # a bad filter is a message, not a 500


def test_heat_map_counts_each_cell_links_to_its_risks_and_says_band_in_words(organisation, year, risks):
    client = signed_in(member(organisation, Role.VIEWER), organisation, year)
    response = client.get("/risks/heat-map/")
    grid = response.context["grid"]
    assert grid[1][3].count == 1 and (grid[1][3].likelihood, grid[1][3].impact) == (4, 4)  # S117 current 4x4
    page = text(response)
    assert '<a href="/risks/?scores=current&amp;likelihood=4&amp;impact=4"><strong>1</strong> risk' in page
    assert "Score 16, Red" in page and "Score 1, Green" in page
    year_start = client.get("/risks/heat-map/", {"scores": "year_start"})
    assert "1 risk without a recorded year start likelihood and impact is not shown" in text(year_start)


def test_detail_shows_three_scores_history_and_scores_on_a_past_date(organisation, year, risks):
    editor = member(organisation, Role.PMO_EDITOR)
    risk_update(actor=editor, risk=risks["s117"], expected_version=1, changes={"current_likelihood": 3})
    client = signed_in(editor, organisation, year)
    response = client.get(f"/risks/{risks['s117'].pk}/")
    page = text(response)
    assert [r.scores[1].score for r in response.context["reviews"]] == [12, 16]
    assert "Edit or review this risk" in page
    past = client.get(f"/risks/{risks['s117'].pk}/", {"as_of": "01/01/2000"})
    assert "was not on the register on 1 January 2000" in text(past)
    bad = client.get(f"/risks/{risks['s117'].pk}/", {"as_of": "yesterday"})
    assert "as a real date" in text(bad)
    history = client.get(f"/risks/{risks['s117'].pk}/history/")
    assert "Current likelihood: 4 → 3" in text(history)


def test_adding_a_risk_computes_the_score_and_refuses_half_a_pair(organisation, year):
    client = signed_in(member(organisation, Role.PMO_EDITOR), organisation, year)
    programme = ProgrammeFactory(organisation=organisation, name="Planned care")
    refused = client.post("/risks/new/", {"title": "Activity above plan", "current_likelihood": "4"})
    assert refused.status_code == 200 and "likelihood and impact together" in text(refused)
    assert not Risk.objects.exists()
    response = client.post("/risks/new/", {"title": "Activity above plan", "current_likelihood": "4",
                                           "current_impact": "5", "programme": programme.pk,
                                           "review_date": "31/03/2019"})
    risk = Risk.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/risks/{risk.pk}/"
    assert (risk.current_score, risk.current_band, risk.year, risk.programme) == (20, "Red", year, programme)
    typed = client.post("/risks/new/", {"title": "Typed", "current_likelihood": "6", "current_impact": "4"})
    assert "Select a valid choice" in text(typed) and Risk.objects.count() == 1


def test_a_stale_edit_answers_409_keeping_what_the_user_typed(organisation, year, risks):
    editor = member(organisation, Role.PMO_EDITOR)
    client = signed_in(editor, organisation, year)
    risk = risks["s117"]
    form = client.get(f"/risks/{risk.pk}/edit/").context["form"]
    risk_update(actor=None, risk=risk, expected_version=1, changes={"owner": "Chief Officer"})
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data |= {"owner": "Chief Nurse", "version": 1}
    response = client.post(f"/risks/{risk.pk}/edit/", data)
    assert response.status_code == 409
    page = text(response)
    assert "Someone else changed this risk" in page and 'value="Chief Nurse"' in page
    assert Risk.objects.get(pk=risk.pk).owner == "Chief Officer"
    again = client.post(f"/risks/{risk.pk}/edit/", data | {"version": 2})
    assert again.status_code == 302 and Risk.objects.get(pk=risk.pk).owner == "Chief Nurse"


def test_viewers_cannot_add_or_edit(organisation, year, risks):
    client = signed_in(member(organisation, Role.VIEWER), organisation, year)
    assert client.get("/risks/new/").status_code == 403
    assert client.post(f"/risks/{risks['s117'].pk}/edit/", {"title": "x"}).status_code == 403
    assert "Edit or review" not in text(client.get(f"/risks/{risks['s117'].pk}/"))


def test_another_organisations_risk_is_not_found(organisation, year, risks):
    other = OrganisationFactory()
    client = signed_in(member(other, Role.ADMINISTRATOR), other, year)
    assert client.get(f"/risks/{risks['s117'].pk}/").status_code == 404


def test_the_scheme_page_lists_its_risks_with_band_in_words(organisation, year, risks):
    client = signed_in(member(organisation, Role.VIEWER), organisation, year)
    page = text(client.get(f"/schemes/{risks['scheme'].pk}/"))
    assert "Failure to address Section 117/CHC disputes" in page and "16 (4×4) Red" in page


@pytest.mark.parametrize("url", ["/risks/", "/risks/heat-map/"])
def test_list_page_query_counts_do_not_grow_with_risks(organisation, year, url):
    client = signed_in(member(organisation, Role.VIEWER), organisation, year)
    programme = ProgrammeFactory(organisation=organisation)
    scheme = SchemeFactory(organisation=organisation, year=year)

    def add(n: int) -> None:
        for i in range(n):
            risk_create(actor=None, organisation=organisation, year=year, title=f"Risk {i}", programme=programme,
                        scheme=scheme, current_likelihood=1 + i % 5, current_impact=1 + i % 4,
                        current_published="25 5x5")
    add(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    add(25)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(one)


def test_browser_import_checks_first_saves_nothing_then_imports_on_confirm(organisation, year):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.unit.test_risk_importer import S117, workbook

    client = signed_in(member(organisation, Role.PMO_EDITOR), organisation, year)
    assert "Import a register" in text(client.get("/risks/"))
    bad = [*S117[:4], 6, *S117[5:]]
    refused = client.post("/risks/import/", {"step": "check", "workbook": SimpleUploadedFile(
        "bad.xlsx", workbook(bad))})
    assert "row 4, column E (start likelihood.): Start likelihood is 1 to 5, not 6" in text(refused)
    wrong = client.post("/risks/import/", {"step": "check", "workbook": SimpleUploadedFile("r.csv", b"Risk\n")})
    assert "is not an Excel workbook" in text(wrong)
    checked = client.post("/risks/import/", {"step": "check", "workbook": SimpleUploadedFile(
        "risks.xlsx", workbook(S117))})
    assert "1 risk to add" in text(checked) and not Risk.objects.exists()
    digest = checked.context["upload"].digest
    done = client.post("/risks/import/", {"step": "confirm", "digest": digest})
    assert done.status_code == 302 and Risk.objects.get().current_published == "20 4x4"
    again = client.post("/risks/import/", {"step": "confirm", "digest": digest})
    assert again.status_code == 400 and Risk.objects.count() == 1


def test_viewers_cannot_import(organisation, year):
    client = signed_in(member(organisation, Role.VIEWER), organisation, year)
    assert client.get("/risks/import/").status_code == 403
    assert "Import a register" not in text(client.get("/risks/"))
