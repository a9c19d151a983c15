"""The scheme pages: register (filters, sort, totals, CSV), scheme page, create/edit, overrides."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.formatting import format_financial_month, format_money, format_money_k, format_month
from governance.models import MonthStatus, Role
from schemes import services
from schemes.models import Figure, FigureOverride, Rag, Scheme, SchemeMonth, Stage
from schemes.selectors import (
    latest_closed_month,
    override_token,
    register_page_rows,
    register_rows,
    scheme_register,
    totals_of,
)
from tests.factories import (
    FinancialYearFactory,
    MembershipFactory,
    OrganisationFactory,
    ProgrammeFactory,
    SchemeFactory,
    member,
)

pytestmark = pytest.mark.django_db
D = Decimal
REGISTER = "/schemes/"


# --- Fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def organisation():
    return OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")


@pytest.fixture
def year():
    return FinancialYearFactory(start_year=2013)


@pytest.fixture
def editor(organisation):
    return member(organisation, Role.PMO_EDITOR, first_name="Priya", last_name="PMO")


@pytest.fixture
def viewer(organisation):
    return member(organisation, Role.VIEWER)


@pytest.fixture
def panel(organisation):
    return member(organisation, Role.PANEL_MEMBER, first_name="Peter", last_name="Panel")


def make_scheme(organisation, year, **fields):
    scheme = SchemeFactory(organisation=organisation, year=year, **fields)
    return services.scheme_recompute(scheme_id=scheme.pk)


def rate(scheme, overall, on=date(2013, 1, 23)):
    services.panel_sitting_record(
        actor=None, organisation=scheme.organisation, year=scheme.year, held_on=on,
        ratings=[services.RatingInput(scheme=scheme, value=overall, resources=overall, timescales=overall,
                                      codependencies=overall, overall=overall)],
    )
    return services.scheme_recompute(scheme_id=scheme.pk)


@pytest.fixture
def three(organisation, year, django_capture_on_commit_callbacks):
    """15b Amber (plan 451,500), MSK Red, and a Green scheme with an overridden plan."""
    with django_capture_on_commit_callbacks(execute=True):
        return _three(organisation, year)


def _three(organisation, year):
    gp = ProgrammeFactory(organisation=organisation, name="Primary care")
    planned = ProgrammeFactory(organisation=organisation, name="Planned care")
    a = make_scheme(organisation, year, reference="15b", name="GP QIPP - Reduction in Referrals 5%",
                    programme=gp, gross_saving=D("602000"), go_live=date(2013, 7, 1), phase=1,
                    project_owner="Dr Jones", stage=Stage.DELIVERY)
    b = make_scheme(organisation, year, reference="5", name="MSK", programme=planned,
                    gross_saving=D("2341855"), go_live=date(2013, 12, 1), phase=2, project_owner="Ms Smith")
    c = make_scheme(organisation, year, reference="1", name="Adult Integrated Care", programme=planned,
                    gross_saving=D("1999279"), go_live=date(2013, 9, 1), phase=1, project_owner="Ms Smith")
    rate(a, Rag.AMBER)
    rate(b, Rag.RED)
    rate(c, Rag.GREEN)
    services.figure_override_set(actor=None, scheme=c, figure=Figure.PLAN_IN_YEAR, value=D("1164417"),
                                 reason="as published in the governing body paper")
    c = services.scheme_recompute(scheme_id=c.pk)
    return {"15b": Scheme.objects.get(pk=a.pk), "5": Scheme.objects.get(pk=b.pk), "1": c}


def references(response) -> list[str]:
    return [line.reference for line in response.context["lines"]]


# --- Formatting -------------------------------------------------------------------------------------


def test_money_is_whole_pounds_with_negatives_in_brackets():
    assert format_money(D("451500.00")) == "£451,500"
    assert format_money(D("338624.50")) == "£338,625"  # half-up
    assert format_money(D("-1115")) == "(£1,115)"
    assert format_money(None) == "–"
    assert format_money_k(D("10543000")) == "10,543"
    assert format_money_k(D("-1114000")) == "(1,114)"
    assert format_month(date(2013, 7, 1)) == "Jul-13"
    assert format_financial_month(10, 2013) == "M10 (January 2014)"


# --- Register ---------------------------------------------------------------------------------------


def test_register_shows_rows_and_totals_that_match_the_engine(client, viewer, three, organisation, year):
    client.force_login(viewer)
    response = client.get(REGISTER)
    assert response.status_code == 200
    assert sorted(references(response)) == ["1", "15b", "5"]
    totals = response.context["totals"]
    engine_totals = totals_of(scheme_register(viewer, organisation, year))
    assert totals.plan_in_year == engine_totals.plan_in_year
    assert totals.most_likely == engine_totals.most_likely
    assert totals.director_value == engine_totals.director_value
    # The overridden plan counts as set by hand: 451,500 + 780,618.33 + 1,164,417
    assert totals.plan_in_year == D("451500.00") + three["5"].plan_in_year + D("1164417.00")
    html = response.content.decode()
    assert "£451,500" in html
    assert "<caption" in html and "NHS Bexley CCG" in html and "2013/14" in html
    assert "Figures computed at" in html
    assert "(overridden: as published in the governing body paper)" in html
    assert "nhsuk-tag--orange" in html and ">Amber<" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rag=amber", ["15b"]),
        ("rag=green", ["1"]),
        ("phase=1", ["1", "15b"]),
        ("stage=3", ["15b"]),
        ("owner=smith", ["1", "5"]),
        ("q=referrals", ["15b"]),
        ("q=planned", ["1", "5"]),
    ],
)
def test_register_filters(client, viewer, three, query, expected):
    client.force_login(viewer)
    response = client.get(f"{REGISTER}?{query}")
    assert sorted(references(response)) == sorted(expected)
    assert response.context["totals"].schemes == len(expected)


def test_register_filters_by_programme(client, viewer, three):
    client.force_login(viewer)
    response = client.get(f"{REGISTER}?programme={three['15b'].programme_id}")
    assert references(response) == ["15b"]


def test_register_sorts_by_whitelisted_columns_with_aria_sort(client, viewer, three):
    client.force_login(viewer)
    response = client.get(f"{REGISTER}?sort=-plan_in_year")
    assert references(response) == ["1", "5", "15b"]
    assert 'aria-sort="descending"' in response.content.decode()
    response = client.get(f"{REGISTER}?sort=plan_in_year")
    assert references(response) == ["15b", "5", "1"]
    assert 'aria-sort="ascending"' in response.content.decode()
    response = client.get(f"{REGISTER}?sort=name")
    assert references(response) == ["1", "15b", "5"]
    # Anything else is ignored (never passed to order_by).
    response = client.get(f"{REGISTER}?sort=organisation__name")
    assert response.status_code == 200
    assert response.context["sort"] == ""


def test_ytd_actual_runs_to_the_latest_closed_month(client, viewer, three, organisation, year):
    scheme = three["15b"]
    for month, actual in [(4, "50000"), (5, "50000"), (6, "40000")]:
        SchemeMonth.objects.filter(scheme=scheme, month=month).update(actual=D(actual))
    client.force_login(viewer)
    response = client.get(f"{REGISTER}?sort=ytd_actual")
    rows = {line.reference: line for line in response.context["lines"]}
    assert rows["15b"].money[-1] == ("£140,000", ())  # no month closed: every month with actuals
    assert rows["5"].money[-1] == ("–", ())
    assert response.context["totals"].ytd_actual == D("140000.00")

    MonthStatus.objects.create(organisation=organisation, year=year, month=5, is_closed=True)
    response = client.get(REGISTER)
    rows = {line.reference: line for line in response.context["lines"]}
    assert rows["15b"].money[-1] == ("£100,000", ())
    assert response.context["ytd_month"] == 5
    assert "M5 (August 2013)" in response.content.decode()


def test_ytd_to_a_month_read_already_is_ytd_to_the_latest_closed_month(viewer, three, organisation, year):
    scheme = three["15b"]
    for month, actual in [(4, "50000"), (5, "50000"), (6, "40000")]:
        SchemeMonth.objects.filter(scheme=scheme, month=month).update(actual=D(actual))

    def ytd(**month) -> dict[str, Decimal | None]:
        rows = register_page_rows(register_rows(viewer, organisation, year, **month))
        return {row["reference"]: row["ytd_actual"] for row in rows}

    assert ytd() == ytd(ytd_month=None) == {"15b": D("140000.00"), "5": None, "1": None}  # none closed: every month
    MonthStatus.objects.create(organisation=organisation, year=year, month=5, is_closed=True)
    assert latest_closed_month(viewer, organisation, year) == 5
    assert ytd() == ytd(ytd_month=5) == {"15b": D("100000.00"), "5": None, "1": None}


def test_csv_exports_exactly_the_rows_shown(client, viewer, three):
    client.force_login(viewer)
    query = "phase=1&sort=-most_likely"
    page = client.get(f"{REGISTER}?{query}")
    response = client.get(f"{reverse('schemes:register-csv')}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Reference"
    # Every figure says which year (and for YTD, which months) it is for.
    assert "Plan in year 2013/14 (£)" in rows[0] and "Most likely 2013/14 (£)" in rows[0]
    assert "YTD actual, months with actuals, no month closed (£)" in rows[0]
    *schemes, total = rows[1:]
    assert [r[0] for r in schemes] == references(page)
    column = {name: index for index, name in enumerate(rows[0])}
    by_ref = {r[0]: r for r in schemes}
    assert by_ref["15b"][column["Go-live"]] == "Jul-13"
    assert by_ref["15b"][column["Overall RAG"]] == "Amber"
    assert D(by_ref["15b"][column["Plan in year 2013/14 (£)"]]) == D("451500.00")
    assert D(by_ref["15b"][column["Most likely 2013/14 (£)"]]) == three["15b"].most_likely
    assert "as published" in by_ref["1"][column["Overridden figures"]]
    # The last row totals every money column of the rows shown, as the page's total row does.
    assert total[0] == "Total (2 schemes)"
    totals = page.context["totals"]
    for name, field in [
        ("Current cost, gross (£)", "current_cost"), ("Net saving, full-year effect (£)", "full_year_effect"),
        ("Plan in year 2013/14 (£)", "plan_in_year"), ("Next-year effect 2014/15 (£)", "next_year_effect"),
        ("Most likely 2013/14 (£)", "most_likely"), ("Director's value 2013/14 (£)", "director_value"),
        ("Director's value next year 2014/15 (£)", "director_next_year"),
    ]:
        expected = sum((getattr(three[r[0]], field) or D("0") for r in schemes), D("0"))
        # A column no scheme shown records (a current cost) totals to nothing, not to £0.
        assert D(total[column[name]] or "0") == expected == (getattr(totals, field) or D("0")), name
    # The page links to the CSV with the same filters.
    assert f"{reverse('schemes:register-csv')}?{query}" in page.content.decode().replace("&amp;", "&")


def test_register_query_count_does_not_grow_with_schemes(client, viewer, organisation, year):
    programme = ProgrammeFactory(organisation=organisation, name="Programme")
    first = make_scheme(organisation, year, reference="A0", programme=programme)
    services.figure_override_set(actor=None, scheme=first, figure=Figure.MOST_LIKELY, value=D("1"), reason="r")
    SchemeMonth.objects.filter(scheme=first, month=5).update(actual=D("10"))
    client.force_login(viewer)
    client.get(REGISTER)  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(REGISTER)
        assert response.status_code == 200
        return len(queries)

    one = count()
    for n in range(1, 50):
        scheme = make_scheme(organisation, year, reference=f"A{n}", programme=programme)
        if n % 7 == 0:
            services.figure_override_set(actor=None, scheme=scheme, figure=Figure.MOST_LIKELY, value=D("1"),
                                         reason="r")
    assert Scheme.objects.count() == 50
    assert count() == one


# --- Roles --------------------------------------------------------------------------------------------


def test_viewer_sees_no_edit_controls_and_the_server_refuses(client, viewer, three):
    scheme = three["15b"]
    client.force_login(viewer)
    register = client.get(REGISTER).content.decode()
    assert "Add a scheme" not in register
    detail = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Edit scheme" not in detail
    assert "Override a figure" not in detail
    assert client.get(reverse("schemes:create")).status_code == 403
    assert client.get(reverse("schemes:edit", args=[scheme.pk])).status_code == 403
    response = client.post(reverse("schemes:edit", args=[scheme.pk]), edit_data(scheme, name="Hacked"))
    assert response.status_code == 403
    assert "does not allow you to edit schemes" in response.content.decode()
    response = client.post(reverse("schemes:override", args=[scheme.pk]),
                           {"figure": "plan_in_year", "value": "1", "reason": "because"})
    assert response.status_code == 403
    assert Scheme.objects.get(pk=scheme.pk).name == scheme.name
    assert not FigureOverride.objects.filter(scheme=scheme).exists()


def test_editor_sees_edit_controls_but_may_not_override(client, editor, three):
    scheme = three["15b"]
    client.force_login(editor)
    assert "Add a scheme" in client.get(REGISTER).content.decode()
    detail = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Edit scheme" in detail
    assert "Override a figure" not in detail
    assert client.get(reverse("schemes:override", args=[scheme.pk])).status_code == 403


def test_user_of_another_organisation_gets_404(client, three, year):
    outsider = member(OrganisationFactory(ods_code="05N", name="NHS Shropshire County CCG"), Role.ADMINISTRATOR)
    scheme = three["15b"]
    client.force_login(outsider)
    assert client.get(reverse("schemes:detail", args=[scheme.pk])).status_code == 404
    assert client.get(reverse("schemes:edit", args=[scheme.pk])).status_code == 404
    assert client.post(reverse("schemes:override", args=[scheme.pk]), {}).status_code == 404
    assert "15b" not in [line.reference for line in client.get(REGISTER).context["lines"] or []]


# --- Create and edit --------------------------------------------------------------------------------


def edit_data(scheme: Scheme, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "programme": scheme.programme_id, "reference": scheme.reference, "name": scheme.name,
        "project_owner": scheme.project_owner, "clinical_lead": "", "managerial_lead": "", "description": "",
        "kpis": "", "phase": scheme.phase or "", "scheme_type": "",
        "go_live_month": scheme.go_live.month if scheme.go_live else "",
        "go_live_year": scheme.go_live.year if scheme.go_live else "",
        "current_cost": "", "gross_saving": str(scheme.gross_saving),
        "new_investment": "" if scheme.new_investment is None else str(scheme.new_investment),
        "stated_net_saving": "", "version": scheme.version,
    }
    data.update(changes)
    return data


def test_create_shows_plain_english_errors_and_keeps_what_was_typed(client, editor, organisation, year):
    ProgrammeFactory(organisation=organisation, name="Primary care")
    client.force_login(editor)
    response = client.post(reverse("schemes:create"), {
        "programme": "", "reference": "", "name": "My new scheme", "gross_saving": "lots",
        "go_live_month": "3", "go_live_year": "2013",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose the programme" in html
    assert "Enter the scheme reference, for example 15b" in html
    assert "Enter the gross saving in pounds" in html
    assert "Go-live month must fall within 2013/14 or later" in html
    assert 'value="My new scheme"' in html and 'value="lots"' in html
    assert 'href="#id_go_live_month"' in html
    assert not Scheme.objects.exists()

    response = client.post(reverse("schemes:create"), {
        "programme": "", "reference": "X", "name": "X", "gross_saving": "1",
        "go_live_month": "13", "go_live_year": "2013",
    })
    assert "Go-live month must be a number from 1 to 12" in response.content.decode()


def test_create_saves_through_the_service_and_computes_figures(
    client, editor, organisation, year, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory(organisation=organisation, name="Primary care")
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("schemes:create"), {
            "programme": programme.pk, "reference": "15b", "name": "GP QIPP", "gross_saving": "£602,000",
            "go_live_month": "7", "go_live_year": "2013", "phase": "1",
        })
    scheme = Scheme.objects.get(reference="15b")
    assert response.status_code == 302
    assert response["Location"] == reverse("schemes:detail", args=[scheme.pk])
    assert scheme.plan_in_year == D("451500.00")
    assert scheme.history.first().history_user == editor
    # A duplicate reference is refused by the service, with its message on the field.
    response = client.post(reverse("schemes:create"), {
        "programme": programme.pk, "reference": "15b", "name": "Again", "gross_saving": "1",
    })
    assert response.status_code == 200
    assert "already has a scheme 15b in 2013/14" in response.content.decode()


def test_edit_saves_and_the_history_shows_who_changed_what(
    client, editor, three, django_capture_on_commit_callbacks
):
    scheme = three["15b"]
    client.force_login(editor)
    form = client.get(reverse("schemes:edit", args=[scheme.pk]))
    assert form.status_code == 200
    assert 'name="version" value="1"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("schemes:edit", args=[scheme.pk]),
                               edit_data(scheme, name="GP QIPP 5%", go_live_month="8"))
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.name == "GP QIPP 5%"
    assert scheme.version == 2
    assert scheme.go_live == date(2013, 8, 1), scheme.go_live
    assert scheme.months_in_year == 8
    detail = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Priya PMO" in detail
    assert "Changed: Scheme name" in detail
    assert "GP QIPP - Reduction in Referrals 5%" in detail and "GP QIPP 5%" in detail
    assert "Jul-13" in detail and "Aug-13" in detail


def test_edit_conflict_returns_409_side_by_side_and_saves_nothing(client, editor, three):
    scheme = three["15b"]
    client.force_login(editor)
    stale = edit_data(scheme, name="My name")  # version 1
    services.scheme_update(actor=None, scheme=scheme, expected_version=1, changes={"name": "Their name"})
    response = client.post(reverse("schemes:edit", args=[scheme.pk]), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "Your version" in html and "The saved version" in html
    assert "My name" in html and "Their name" in html
    assert 'name="version" value="2"' in html  # saving again is a knowing choice
    scheme.refresh_from_db()
    assert scheme.name == "Their name"
    assert scheme.version == 2


def test_edit_conflict_keeps_the_other_persons_changes_when_saving_again(client, editor, three):
    scheme = three["15b"]
    client.force_login(editor)
    stale = edit_data(scheme, name="My name")  # the user changed only the name
    services.scheme_update(actor=None, scheme=scheme, expected_version=1,
                           changes={"project_owner": "Someone else", "investment_tbc": True})
    response = client.post(reverse("schemes:edit", args=[scheme.pk]), stale)
    assert response.status_code == 409
    form = response.context["form"]
    assert form.data["name"] == "My name"
    assert form.data["project_owner"] == "Someone else"
    assert form.data.get("investment_tbc") == "on"
    notes = {row["label"]: row["note"] for row in response.context["conflict_rows"]}
    assert notes["Scheme name"] == "Changed by you"
    assert notes["Project owner"].startswith("Changed by someone else")
    response = client.post(reverse("schemes:edit", args=[scheme.pk]), form.data)
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert (scheme.name, scheme.project_owner, scheme.investment_tbc, scheme.version) == (
        "My name", "Someone else", True, 3)


# --- Overrides ----------------------------------------------------------------------------------------


def test_override_needs_a_reason_to_set_and_to_clear(client, panel, three, django_capture_on_commit_callbacks):
    scheme = three["15b"]
    url = reverse("schemes:override", args=[scheme.pk])
    client.force_login(panel)
    assert client.get(f"{url}?figure=director_value").status_code == 200
    response = client.post(url, {"figure": "director_value", "value": "301,000", "reason": "  ",
                                 "seen": override_token(scheme)})
    assert response.status_code == 200
    assert "Enter the reason for the override" in response.content.decode()
    assert not FigureOverride.objects.filter(scheme=scheme).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"figure": "director_value", "value": "301,000", "reason": "Paper figure",
                                     "seen": override_token(scheme)})
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.director_value == D("301000.00")
    detail = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Set by hand" in detail and "Paper figure" in detail and "Peter Panel" in detail
    assert "Override set: Director&#x27;s value this year" in detail

    clear = reverse("schemes:override-clear", args=[scheme.pk, "director_value"])
    response = client.post(clear, {"reason": "", "seen": override_token(scheme)})
    assert response.status_code == 200
    assert "Enter the reason for clearing the override" in response.content.decode()
    assert FigureOverride.objects.get(scheme=scheme).cleared_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(clear, {"reason": "Formula is right after all", "seen": override_token(scheme)})
    assert response.status_code == 302
    assert FigureOverride.objects.get(scheme=scheme).cleared_at is not None
    detail = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Override cleared" in detail and "Formula is right after all" in detail
    assert client.get(clear).status_code == 404  # nothing left to clear


def test_an_override_saved_from_a_page_drawn_before_anothers_override_is_a_409(client, panel, three, organisation):
    """Two pages drawn, then saved one after the other: the second is told, not overwritten (409).
    Saves at the same moment are raced in test_sqlite_concurrency.py."""
    scheme = three["15b"]
    url = reverse("schemes:override", args=[scheme.pk])
    client.force_login(panel)
    drawn = override_token(scheme)  # both pages drawn now
    other = Client()
    other.force_login(member(organisation, Role.FINANCE, username="finance-two"))
    first = {"figure": "most_likely", "value": "400,000", "reason": "Finance view", "seen": drawn}
    assert other.post(url, first).status_code == 302
    second = {"figure": "most_likely", "value": "350,000", "reason": "Panel view", "seen": drawn}
    response = client.post(url, second)
    assert response.status_code == 409
    assert "Someone else changed the overrides" in response.content.decode()
    assert FigureOverride.objects.get(scheme=scheme, cleared_at__isnull=True).value == D("400000")
    assert client.post(url, {**second, "seen": override_token(scheme)}).status_code == 302  # deliberate


# --- Scheme page --------------------------------------------------------------------------------------


def test_scheme_page_shows_formula_workings_tbc_and_discrepancy(client, viewer, three, organisation, year):
    client.force_login(viewer)
    html = client.get(reverse("schemes:detail", args=[three["15b"].pk])).content.decode()
    assert "FYE £602,000 × 9 months ÷ 12 = £451,500" in html
    assert "in-year plan £451,500 × 75% (overall rating Amber) = £338,625" in html
    html = client.get(reverse("schemes:detail", args=[three["1"].pk])).content.decode()
    assert "The formula gives £1,166,246" in html

    tbc = make_scheme(organisation, year, reference="US2", gross_saving=D("1228000"), investment_tbc=True,
                      new_investment=None, stated_net_saving=D("1153000"), go_live=None)
    html = client.get(reverse("schemes:detail", args=[tbc.pk])).content.decode()
    assert ">TBC<" in html
    assert "differs from gross less investment" in html and "(£75,000)" in html


def test_scheme_page_query_count_is_bounded(client, viewer, three):
    scheme = three["15b"]
    client.force_login(viewer)
    url = reverse("schemes:detail", args=[scheme.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(5):
        services.scheme_update(actor=None, scheme=scheme, expected_version=None, changes={"name": f"Name {n}"})
        rate(scheme, Rag.GREEN, on=date(2013, 2, n + 1))
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.status_code == 200
    assert len(after) == len(before)


def test_register_filter_selects_offer_any_once(client, viewer, three):
    client.force_login(viewer)
    html = client.get(REGISTER).content.decode()
    assert "---------" not in html
    assert html.count('>Any</option>') == 3
    assert '>Any programme</option>' in html


def test_opening_a_scheme_of_another_of_my_organisations_switches_the_working_context(client):
    first, second = OrganisationFactory(ods_code="AA1", name="First CCG"), OrganisationFactory(
        ods_code="BB2", name="Second CCG")
    user = member(first, Role.VIEWER, username="two-hats")
    MembershipFactory(user=user, organisation=second, role=Role.VIEWER)
    theirs = SchemeFactory(organisation=second, name="Second's scheme")
    client.force_login(user)
    session = client.session
    session["working_organisation_id"] = first.pk
    session.save()
    response = client.get(reverse("schemes:detail", args=[theirs.pk]))
    assert response.status_code == 200
    assert response.context["working_organisation"] == second  # the header matches the scheme shown
    assert client.session["working_organisation_id"] == second.pk


# --- Issue 9 section 5: every money column's total, from the Bexley paper --------------------------------


def test_bexleys_register_totals_every_money_column_on_the_page_and_in_the_csv(client, viewer, organisation, year,
                                                                                bexley_workbook,
                                                                                django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):  # the recompute, as a commit runs it
        call_command("import_workbook", str(bexley_workbook), organisation="07N", year="2013/14",
                     stdout=io.StringIO())
    client.force_login(viewer)
    page = client.get(REGISTER).content.decode()
    # The paper's column totals (fixtures/README.md): Gross 51,880,460, Net 16,878,104, 2014/15 delivery
    # 5,390,489 (the kept penny values add to within £2 of the paper's, which adds whole pounds).
    shown = {name: D(value.replace(",", "")) for name, value in
             re.findall(r'data-total="([a-z_]+)">£([\d,]+)</td>', page)}
    assert (shown["current_cost"], shown["full_year_effect"]) == (D("51880460"), D("16878104"))
    for figure, paper in [("director_next_year", "5390489"), ("next_year_effect", "5301915"),
                          ("plan_in_year", "11576188"), ("most_likely", "10425159"), ("director_value", "10410340")]:
        assert abs(shown[figure] - D(paper)) <= 2, figure
    assert "Director&#x27;s value 2014/15" in page and "Plan 2014/15" in page
    text = b"".join(client.get(reverse("schemes:register-csv")).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = {name: index for index, name in enumerate(rows[0])}
    total = rows[-1]
    assert total[0] == f"Total ({len(rows) - 2} schemes)"
    assert D(total[column["Current cost, gross (£)"]]) == D("51880460")
    assert D(total[column["Net saving, full-year effect (£)"]]) == D("16878104")
    assert abs(D(total[column["Director's value next year 2014/15 (£)"]]) - D("5390489")) <= 2
    assert abs(D(total[column["Plan in year 2013/14 (£)"]]) - D("11576188")) <= 2
