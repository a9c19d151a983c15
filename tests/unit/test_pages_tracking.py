"""Pages for monthly tracking, month close, RAG panel, director's assessment, stage gates and key stages.

Django test client on the embedded default (SQLite, eager Celery).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from governance import services as governance_services
from governance.models import MonthStatus, Role
from schemes import services
from schemes.models import (
    BEXLEY_KEY_STAGES,
    DirectorAssessment,
    KeyStage,
    PanelSitting,
    SchemeMonth,
    SchemeRating,
    Stage,
    StageChange,
)
from schemes.selectors import rating_tokens
from tests.factories import OrganisationFactory, ProgrammeFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")


@pytest.fixture
def scheme(org):
    """Bexley 15b: FYE 602,000 from Jul-13, plan 451,500 (M4..M12 at 50,166.67, March 50,166.64)."""
    made = SchemeFactory(organisation=org, reference="15b", name="GP QIPP - Reduction in Referrals 5%",
                         go_live=date(2013, 7, 1), gross_saving=D("602000"))
    return services.scheme_recompute(scheme_id=made.pk)


@pytest.fixture
def pmo(org):
    return member(org, Role.PMO_EDITOR, first_name="Priya", last_name="PMO")


@pytest.fixture
def finance(org):
    return member(org, Role.FINANCE, first_name="Fiona", last_name="Finance")


@pytest.fixture
def panel(org):
    return member(org, Role.PANEL_MEMBER, first_name="Peter", last_name="Panel")


@pytest.fixture
def viewer(org):
    return member(org, Role.VIEWER, first_name="Grace", last_name="Viewer")


def tracker_post(scheme, **cells: str) -> dict[str, str]:
    """The tracker form as the page draws it (every open month), with some cells changed (a4="60000")."""
    closed = set(MonthStatus.objects.filter(organisation=scheme.organisation, year=scheme.year, is_closed=True)
                 .values_list("month", flat=True))
    rows = {row.month: row for row in SchemeMonth.objects.filter(scheme=scheme)}
    data: dict[str, str] = {}
    for m in range(1, 13):
        if m in closed:
            continue
        row = rows.get(m)
        actual = "" if row is None or row.actual is None else f"{row.actual:.0f}"
        forecast = "" if row is None or row.forecast is None else f"{row.forecast:.0f}"
        data.update({f"version_{m}": str(row.version if row else 0), f"actual_{m}": actual,
                     f"actual_{m}_initial": actual, f"forecast_{m}": forecast, f"forecast_{m}_initial": forecast})
    for key, value in cells.items():
        kind = {"a": "actual", "f": "forecast"}[key[0]]
        data[f"{kind}_{key[1:]}"] = value
    return data


def close_months(org, year, finance, upto: int) -> None:
    for m in range(1, upto + 1):
        governance_services.month_close(actor=finance, organisation=org, year=year, month=m)


# --- Tracker -------------------------------------------------------------------------------------------


def test_tracker_shows_months_with_year_labels(client, scheme, pmo) -> None:
    client.force_login(pmo)
    response = client.get(reverse("schemes:scheme-tracker", args=[scheme.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "M1 Apr-13" in html and "M12 Mar-14" in html
    assert "£50,167" in html  # M4 plan, 50,166.67 shown in whole pounds
    assert "nothing yet: no month is closed and no actual has been entered" in html
    assert 'name="actual_4"' in html


def test_entering_an_actual_changes_ytd_and_variance(client, scheme, pmo) -> None:
    client.force_login(pmo)
    url = reverse("schemes:scheme-tracker", args=[scheme.pk])
    response = client.post(url, tracker_post(scheme, a4="60,000", f5="45000"))
    assert response.status_code == 302
    row = SchemeMonth.objects.get(scheme=scheme, month=4)
    assert (row.actual, row.version, row.updated_by) == (D("60000"), 2, pmo)
    assert SchemeMonth.objects.get(scheme=scheme, month=5).forecast == D("45000")
    assert SchemeMonth.objects.get(scheme=scheme, month=6).version == 1  # unchanged cells are not saved

    response = client.get(url)
    tracker = response.context["tracker"]
    assert (tracker.ytd.through, tracker.ytd.plan, tracker.ytd.actual) == (4, D("50166.67"), D("60000"))
    assert tracker.ytd.variance == D("9833.33")
    html = response.content.decode()
    assert "M1 to M4 Jul-13, the latest month with an actual entered" in html
    assert "£9,833" in html
    # FOT: the actual for M4, the forecast for M5, the plan for the other months.
    assert tracker.fot.outturn == D("451500.00") + D("9833.33") + (D("45000") - D("50166.67"))

    client.post(url, tracker_post(scheme, a4="40000"))
    html = client.get(url).content.decode()
    assert "(£10,167)" in html  # adverse variance in brackets


def test_invalid_amount_keeps_what_was_typed(client, scheme, pmo) -> None:
    client.force_login(pmo)
    response = client.post(reverse("schemes:scheme-tracker", args=[scheme.pk]),
                           tracker_post(scheme, a4="lots", f5="45000"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the actual saving for M4 Jul-13 as an amount in pounds" in html
    assert 'value="lots"' in html and 'value="45000"' in html
    assert 'href="#actual_4"' in html
    assert SchemeMonth.objects.get(scheme=scheme, month=5).forecast is None


def test_closed_month_refuses_edits_and_reopen_needs_a_reason(
    client, scheme, pmo, finance, org
) -> None:
    stale_form = tracker_post(scheme, a4="70000")  # the page as drawn before finance closed M1..M4
    close_months(org, scheme.year, finance, 4)

    client.force_login(pmo)
    url = reverse("schemes:scheme-tracker", args=[scheme.pk])
    html = client.get(url).content.decode()
    assert 'name="actual_4"' not in html and 'name="actual_5"' in html  # closed months are read-only
    assert "M1 to M4 Jul-13, the latest closed month" in html

    response = client.post(url, stale_form)
    assert response.status_code == 200
    assert "M4 Jul-13 is closed" in response.content.decode()
    assert SchemeMonth.objects.get(scheme=scheme, month=4).actual is None

    client.force_login(finance)
    response = client.post(reverse("month-reopen", args=[4]), {"reason": "   "})
    assert response.status_code == 200
    assert "Give the reason for reopening the month" in response.content.decode()
    assert MonthStatus.objects.get(organisation=org, year=scheme.year, month=4).is_closed

    response = client.post(reverse("month-reopen", args=[4]), {"reason": "Provider corrected its invoice"})
    assert response.status_code == 302
    status = MonthStatus.objects.get(organisation=org, year=scheme.year, month=4)
    assert not status.is_closed
    last = status.history.order_by("-history_date", "-history_id").first()
    assert (last.reason, last.history_user, last.is_closed) == ("Provider corrected its invoice", finance, False)
    assert status.history.filter(is_closed=True).exists()  # the close is kept too
    html = client.get(reverse("months")).content.decode()
    assert "Provider corrected its invoice" in html and "M4 Jul-13" in html

    client.force_login(pmo)
    assert client.post(url, tracker_post(scheme, a4="70000")).status_code == 302
    assert SchemeMonth.objects.get(scheme=scheme, month=4).actual == D("70000")


def test_months_close_in_order(client, scheme, finance) -> None:
    client.force_login(finance)
    response = client.post(reverse("month-close", args=[3]))
    assert response.status_code == 200
    assert "Close the earlier months first" in response.content.decode()
    assert client.post(reverse("month-close", args=[1])).status_code == 302
    assert MonthStatus.objects.get(month=1).is_closed


def test_stale_version_is_a_409_and_nothing_is_saved(client, scheme, pmo, finance) -> None:
    form = tracker_post(scheme, a4="60000", a5="1000")
    # Someone else saves M4 (and M6, which this user did not touch) after the page was drawn.
    services.scheme_month_update(actor=finance, scheme=scheme, edits=[
        services.MonthEdit(month=4, expected_version=1, actual=D("55000"), forecast=None),
        services.MonthEdit(month=6, expected_version=1, actual=D("1"), forecast=None),
    ])
    client.force_login(pmo)
    response = client.post(reverse("schemes:scheme-tracker", args=[scheme.pk]), form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved M4 Jul-13" in html
    assert "£55,000" in html  # the saved figure is shown
    assert 'value="60000"' in html  # and the user's own figure is kept
    assert SchemeMonth.objects.get(scheme=scheme, month=4).actual == D("55000")
    assert SchemeMonth.objects.get(scheme=scheme, month=5).actual is None  # all or nothing
    # Saving again from the redrawn page is a deliberate overwrite of M4 and leaves M6 alone.
    cells = response.context["form"].cells
    assert cells[4].version == 2 and cells[6].actual_text == "1"


# --- Permissions ---------------------------------------------------------------------------------------


def test_viewer_gets_403_for_every_post(client, scheme, viewer, finance, org) -> None:
    close_months(org, scheme.year, finance, 1)
    key_stage = services.key_stage_create(actor=None, scheme=scheme, name="Scoping", baseline_date=date(2013, 5, 1))
    client.force_login(viewer)
    posts = [
        (reverse("schemes:scheme-tracker", args=[scheme.pk]), tracker_post(scheme, a4="1")),
        (reverse("month-close", args=[2]), {}),
        (reverse("month-reopen", args=[1]), {"reason": "because"}),
        (reverse("schemes:panel-new"), {"held_on": "2013-04-15", "panel": "RAG panel", "scheme": [scheme.pk]}),
        (reverse("schemes:director", args=[scheme.pk]),
         {"assessed_on": "2013-03-14", "change_months": "1", "director": "D", "save": "1"}),
        (reverse("schemes:director", args=[scheme.pk]),
         {"assessed_on": "2013-03-14", "change_months": "1", "director": "D", "preview": "1"}),
        (reverse("schemes:stage", args=[scheme.pk]), {"to_stage": "1", "decision": "approved"}),
        (reverse("schemes:key-stage-add", args=[scheme.pk]), {"name": "Award"}),
        (reverse("schemes:key-stage-edit", args=[scheme.pk, key_stage.pk]), {"name": "Changed", "version": "1"}),
        (reverse("schemes:key-stages-template", args=[scheme.pk]), {"first_date": "2013-04-01"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert SchemeMonth.objects.get(scheme=scheme, month=4).actual is None
    assert MonthStatus.objects.get(month=1).is_closed
    assert not PanelSitting.objects.exists() and not DirectorAssessment.objects.exists()
    assert KeyStage.objects.get().name == "Scoping"
    # Viewers can read the pages.
    for name in ("schemes:scheme-tracker", "schemes:director", "schemes:stage", "schemes:key-stages"):
        assert client.get(reverse(name, args=[scheme.pk])).status_code == 200, name
    assert client.get(reverse("months")).status_code == 200
    assert client.get(reverse("schemes:rag-panel")).status_code == 200


def test_pmo_cannot_close_months(client, scheme, pmo) -> None:
    client.force_login(pmo)
    assert client.post(reverse("month-close", args=[1])).status_code == 403
    assert not MonthStatus.objects.filter(is_closed=True).exists()


# --- RAG panel -----------------------------------------------------------------------------------------


def panel_form(*schemes, overall: str = "amber", held_on: str = "2013-04-15"):
    data: dict[str, object] = {"held_on": held_on, "panel": "RAG panel", "notes": "", "scheme": [s.pk for s in schemes]}
    for s in schemes:
        for key in ("value", "resources", "timescales", "codependencies"):
            data[f"r{s.pk}-{key}"] = "green"
        data[f"r{s.pk}-overall"] = overall
        data[f"r{s.pk}-seen"] = rating_tokens([s.pk]).get(s.pk, 0)  # as the page was drawn
    return data


def test_panel_sitting_changes_most_likely(
    client, scheme, panel, django_capture_on_commit_callbacks
) -> None:
    assert scheme.most_likely == D("451500.00")  # unrated: counted at its full plan
    client.force_login(panel)
    page = client.get(reverse("schemes:panel-new"))
    assert page.status_code == 200 and f'name="r{scheme.pk}-overall"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("schemes:panel-new"), panel_form(scheme, overall="amber"))
    assert response.status_code == 302
    sitting = PanelSitting.objects.get()
    assert response.url == reverse("schemes:panel-sitting", args=[sitting.pk])
    scheme.refresh_from_db()
    assert (scheme.overall_rag, scheme.most_likely) == ("amber", D("338625.00"))
    html = client.get(response.url).content.decode()
    assert "£338,625" in html
    assert "Most likely last computed at" in html
    assert f"Most likely last computed at {localtime(scheme.figures_computed_at):%H:%M:%S, %d/%m/%Y}" in html
    # The next sitting's form starts from the latest rating.
    page = client.get(reverse("schemes:panel-new")).content.decode()
    assert '<option value="amber" selected>' in page
    listing = client.get(reverse("schemes:rag-panel")).content.decode()
    assert "15/04/2013" in listing


def test_ratings_saved_from_a_page_drawn_before_anothers_ratings_are_a_409(
    client, scheme, panel, org
) -> None:
    """Two pages drawn, then saved one after the other: the second is told and keeps its choices (409).
    Saves at the same moment are raced in test_sqlite_concurrency.py."""
    client.force_login(panel)
    drawn_for_bob = panel_form(scheme, overall="red")  # Bob's page, drawn before Alice saves
    alice = Client()
    alice.force_login(member(org, Role.PANEL_MEMBER, username="alice"))
    assert alice.post(reverse("schemes:panel-new"), panel_form(scheme, overall="amber")).status_code == 302
    response = client.post(reverse("schemes:panel-new"), drawn_for_bob)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else recorded ratings" in html and "Overall scheme rating amber" in html
    assert '<option value="red" selected>' in html  # Bob's choice is kept on the page
    assert SchemeRating.objects.get(scheme=scheme).overall == "amber"
    # Saving again from the re-drawn page replaces Alice's rating on purpose.
    again = panel_form(scheme, overall="red")
    assert client.post(reverse("schemes:panel-new"), again).status_code == 302
    assert SchemeRating.objects.get(scheme=scheme).overall == "red"


def test_panel_sitting_rejects_unknown_schemes(client, scheme, panel) -> None:
    other_org = OrganisationFactory(ods_code="05N")
    stranger = services.scheme_recompute(scheme_id=SchemeFactory(organisation=other_org).pk)
    client.force_login(panel)
    data = panel_form(scheme, stranger)
    response = client.post(reverse("schemes:panel-new"), data)
    assert response.status_code == 400
    assert "nothing has been saved" in response.content.decode()
    assert not PanelSitting.objects.exists()


def test_panel_half_rated_row_is_an_error(client, scheme, panel) -> None:
    client.force_login(panel)
    data = panel_form(scheme)
    data[f"r{scheme.pk}-resources"] = ""
    response = client.post(reverse("schemes:panel-new"), data)
    assert response.status_code == 200
    assert "rate resources required to deliver as Green, Amber or Red" in response.content.decode()
    assert not PanelSitting.objects.exists()


# --- Director's assessment -----------------------------------------------------------------------------


def test_director_preview_saves_nothing_and_save_records(
    client, scheme, panel, django_capture_on_commit_callbacks
) -> None:
    client.force_login(panel)
    url = reverse("schemes:director", args=[scheme.pk])
    form = {"assessed_on": "14/03/2013", "change_months": "-1", "director": "Director of Commissioning", "note": "",
            "seen": "0"}
    response = client.post(url, {**form, "preview": "1"})
    assert response.status_code == 200
    preview = response.context["preview"]
    # Unrated (factor 1): 602,000 x 8 / 12 this year and 602,000 x 4 / 12 next year.
    assert preview.figures.adjusted_months == 8
    assert preview.figures.director_value == D("401333.33")
    assert preview.figures.director_next_year == D("200666.67")
    html = response.content.decode()
    assert "£401,333" in html and "£200,667" in html and "not saved" in html
    assert not DirectorAssessment.objects.exists()
    scheme.refresh_from_db()
    assert scheme.director_value == D("451500.00")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**form, "save": "1"})
    assert response.status_code == 302
    assessment = DirectorAssessment.objects.get()
    assert (assessment.change_months, assessment.assessed_on, assessment.recorded_by) == (-1, date(2013, 3, 14), panel)
    scheme.refresh_from_db()
    assert scheme.director_value == D("401333.33")


def test_a_second_director_cannot_silently_overwrite(client, scheme, panel, org) -> None:
    url = reverse("schemes:director", args=[scheme.pk])
    client.force_login(panel)
    bob_page = client.get(url)
    assert 'name="seen" value="0"' in bob_page.content.decode()
    alice = Client()
    alice.force_login(member(org, Role.PANEL_MEMBER, username="alice-director"))
    alice_form = {"assessed_on": "14/03/2013", "change_months": "2", "director": "Alice", "seen": "0", "save": "1"}
    assert alice.post(url, alice_form).status_code == 302
    bob_form = {"assessed_on": "14/03/2013", "change_months": "-3", "director": "Bob", "seen": "0", "save": "1"}
    response = client.post(url, bob_form)
    assert response.status_code == 409
    assert "Someone else recorded a director&#x27;s assessment" in response.content.decode()
    assert DirectorAssessment.objects.get().change_months == 2
    seen = response.context["form"].data["seen"]
    assert client.post(url, {**bob_form, "seen": seen}).status_code == 302  # a deliberate second save
    assert DirectorAssessment.objects.get().change_months == -3


def test_director_form_errors(client, scheme, panel) -> None:
    client.force_login(panel)
    response = client.post(reverse("schemes:director", args=[scheme.pk]),
                           {"assessed_on": "31/02/2013", "change_months": "13", "director": "", "save": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the date of the assessment as a real date" in html
    assert "Choose the change in delivery, from -12 to +12 months." in html
    assert not DirectorAssessment.objects.exists()


# --- Stage gates ---------------------------------------------------------------------------------------


def stage_form(scheme, to_stage: int, **extra):
    data = {"to_stage": str(to_stage), "decision": "approved", "approver": "Management executive",
            "decided_on": "2013-02-01", "note": "", "version": str(scheme.version)}
    data.update(extra)
    return data


def test_stage_move_forward_needs_the_gateway_approval(client, scheme, pmo) -> None:
    client.force_login(pmo)
    url = reverse("schemes:stage", args=[scheme.pk])
    page = client.get(url).content.decode()
    assert "Finance review" in page and "Management executive review" in page

    response = client.post(url, stage_form(scheme, 1, decision="not_approved"))
    assert response.status_code == 200
    assert "Give the reason the gateway was not approved" in response.content.decode()
    response = client.post(url, stage_form(scheme, 1, decision="not_approved", note="Business case not ready"))
    assert response.status_code == 302  # the refusal is recorded; the scheme stays at 0 Pipeline
    refusal = StageChange.objects.get(scheme=scheme)
    assert (refusal.decision, refusal.from_stage, refusal.to_stage) == ("not_approved", 0, 1)
    scheme.refresh_from_db()
    assert scheme.stage == 0
    assert "was not approved" in client.get(url).content.decode()

    response = client.post(url, stage_form(scheme, 1, confirmed=["finance_review"]))
    assert "Confirm the approval has been recorded: Management executive review." in response.content.decode()

    response = client.post(url, stage_form(scheme, 2, confirmed=["finance_review", "management_executive_review"]))
    assert "Move one stage at a time" in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.stage == Stage.PIPELINE and not scheme.stage_changes.filter(decision="approved").exists()

    version = scheme.version
    response = client.post(url, stage_form(scheme, 1, confirmed=["finance_review", "management_executive_review"]))
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert (scheme.stage, scheme.version) == (Stage.INITIATION, version + 1)
    change = scheme.stage_changes.get(decision="approved")
    assert (change.from_stage, change.to_stage, change.decision, change.recorded_by) == (0, 1, "approved", pmo)
    assert scheme.history.first().stage == Stage.INITIATION


def test_stage_move_back_needs_a_reason_and_stale_version_is_409(client, scheme, pmo) -> None:
    services.scheme_stage_change(actor=pmo, scheme=scheme, expected_version=scheme.version, to_stage=1,
                                 approver="ME", decided_on=date(2013, 2, 1), decision="approved",
                                 confirmed=["finance_review", "management_executive_review"])
    scheme.refresh_from_db()
    client.force_login(pmo)
    url = reverse("schemes:stage", args=[scheme.pk])
    response = client.post(url, stage_form(scheme, 0))
    assert response.status_code == 200
    assert "Give the reason for moving the scheme back" in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.stage == Stage.INITIATION

    stale = stage_form(scheme, 0, note="Finance review withdrawn", version=str(scheme.version - 1))
    response = client.post(url, stale)
    assert response.status_code == 409
    scheme.refresh_from_db()
    assert scheme.stage == Stage.INITIATION

    response = client.post(url, stage_form(scheme, 0, note="Finance review withdrawn"))
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.stage == Stage.PIPELINE
    assert scheme.stage_changes.first().note == "Finance review withdrawn"


# --- Key stages ----------------------------------------------------------------------------------------


def test_key_stage_template_is_idempotent_and_slippage_shows(client, scheme, pmo) -> None:
    client.force_login(pmo)
    url = reverse("schemes:key-stages-template", args=[scheme.pk])
    assert client.post(url, {"first_date": "2013-04-15"}).status_code == 302
    assert client.post(url, {"first_date": "2013-06-01"}).status_code == 302
    stages = list(KeyStage.objects.filter(scheme=scheme).order_by("order"))
    assert [s.name for s in stages] == BEXLEY_KEY_STAGES
    assert stages[0].baseline_date == date(2013, 4, 15)
    assert stages[19].baseline_date == date(2014, 11, 15)

    scoping = stages[3]
    edit = reverse("schemes:key-stage-edit", args=[scheme.pk, scoping.pk])
    response = client.post(edit, {"name": scoping.name, "baseline_date": "2013-07-15",
                                  "current_date": "25/07/2013", "order": scoping.order, "version": scoping.version})
    assert response.status_code == 302
    html = client.get(reverse("schemes:key-stages", args=[scheme.pk])).content.decode()
    assert "Slipped 10 days" in html
    timeline = client.get(reverse("schemes:key-stages-timeline", args=[scheme.pk]))
    assert timeline.status_code == 200 and "Slipped 10 days" in timeline.content.decode()

    # A stale edit is refused with 409 and nothing saved.
    response = client.post(edit, {"name": "Scoping (renamed)", "baseline_date": "2013-07-15",
                                  "current_date": "2013-08-01", "version": scoping.version})
    assert response.status_code == 409
    scoping.refresh_from_db()
    assert (scoping.name, scoping.current_date) == ("Scoping", date(2013, 7, 25))


def test_add_key_stage(client, scheme, pmo) -> None:
    client.force_login(pmo)
    url = reverse("schemes:key-stage-add", args=[scheme.pk])
    response = client.post(url, {"name": "", "baseline_date": "not a date"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the name of the stage or milestone." in html
    assert "Enter the baseline date as a real date" in html
    assert client.post(url, {"name": "Go-live", "baseline_date": "2013-07-01"}).status_code == 302
    stage = KeyStage.objects.get()
    assert (stage.current_date, stage.order) == (date(2013, 7, 1), 1)


# --- Programme tracker ---------------------------------------------------------------------------------


def test_programme_tracker_query_count_does_not_grow(client, org, pmo) -> None:
    programme = ProgrammeFactory(organisation=org, name="Planned care")
    first = SchemeFactory(organisation=org, programme=programme)
    services.scheme_recompute(scheme_id=first.pk)
    services.scheme_month_update(actor=None, scheme=first, edits=[
        services.MonthEdit(month=4, expected_version=1, actual=D("100"), forecast=None)])
    client.force_login(pmo)
    url = reverse("schemes:programme-tracker", args=[programme.pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["data"].schemes) == 1

    for _ in range(49):
        made = SchemeFactory(organisation=org, programme=programme)
        services.scheme_recompute(scheme_id=made.pk)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert len(response.context["data"].schemes) == 50
    assert len(fifty.captured_queries) == len(one.captured_queries)
    totals = response.context["tracker"]
    assert totals.months[3].actual == D("100")
    assert totals.fot.plan == D("451500.00") * 50


def test_tracker_index_lists_programmes_and_schemes(client, scheme, pmo) -> None:
    client.force_login(pmo)
    html = client.get(reverse("schemes:tracker")).content.decode()
    assert reverse("schemes:programme-tracker", args=[scheme.programme_id]) in html
    assert reverse("schemes:scheme-tracker", args=[scheme.pk]) in html


def test_other_organisations_schemes_are_not_found(client, scheme) -> None:
    outsider = member(OrganisationFactory(ods_code="05N"), Role.ADMINISTRATOR)
    client.force_login(outsider)
    for name in ("schemes:scheme-tracker", "schemes:director", "schemes:stage", "schemes:key-stages"):
        assert client.get(reverse(name, args=[scheme.pk])).status_code == 404, name
    assert client.get(reverse("schemes:programme-tracker", args=[scheme.programme_id])).status_code == 404


def test_closing_a_month_that_has_not_ended_is_refused(org, finance) -> None:
    from django.core.exceptions import ValidationError

    from governance.models import FinancialYear

    today = date.today()
    start = today.year if today.month >= 4 else today.year - 1
    year = FinancialYear.objects.create(start_year=start)
    current = (today.month - 4) % 12 + 1
    for m in range(1, current):
        governance_services.month_close(actor=finance, organisation=org, year=year, month=m)
    with pytest.raises(ValidationError, match="has not ended yet"):
        governance_services.month_close(actor=finance, organisation=org, year=year, month=current)


def test_a_key_stage_can_be_removed_and_history_keeps_it(client, scheme, pmo, viewer) -> None:
    stage = services.key_stage_create(actor=None, scheme=scheme, name="Scoping", baseline_date=date(2013, 2, 1))
    url = reverse("schemes:key-stage-remove", args=[scheme.pk, stage.pk])
    client.force_login(viewer)
    assert client.post(url, {"version": stage.version}).status_code == 403
    client.force_login(pmo)
    assert client.post(url, {"version": stage.version + 5}).status_code == 302  # stale: refused, kept
    assert KeyStage.objects.filter(pk=stage.pk).exists()
    assert client.post(url, {"version": stage.version}).status_code == 302
    assert not KeyStage.objects.filter(pk=stage.pk).exists()
    removed = KeyStage.history.filter(id=stage.pk).first()
    assert (removed.history_type, removed.history_user) == ("-", pmo)
