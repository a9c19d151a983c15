"""Activity plans (issue 9 section 1, last bullet): arithmetic, services, pages per role, API, demo figures.

The oracle is seed 004's Activity Plan as transcribed in fixtures/cambridgeshire_2018_19.json.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from finance import calculations, services
from finance.calculations import ActivityMonthFigures
from finance.forms.activity import parse_count
from finance.models import ActivityLine, ActivityMonth
from governance.models import Role
from schemes.services import EditConflict
from tests.api_pages import all_pages
from tests.factories import FinancialYearFactory, OrganisationFactory, member

D = Decimal
FIXTURE = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "cambridgeshire_2018_19.json").read_text())
PRINTED = {line["code"]: line for line in FIXTURE["activity_plan"]["lines"]}
MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
EM7_PROFILE = [PRINTED["E.M.7"]["monthly_plan"][m] for m in MONTHS]


# --- The arithmetic (no database) -------------------------------------------------------------------


def test_activity_over_plan_is_adverse_negative_and_under_plan_favourable() -> None:
    assert calculations.activity_variance(25761, 26000) == -239  # over plan: adverse, shown (239)
    assert calculations.activity_variance(25761, 25000) == 761  # under plan: favourable
    assert calculations.activity_percent(-239, 25761) == D("-0.9")
    assert calculations.activity_percent(761, 25761) == D("3.0")
    assert calculations.activity_percent(5, 0) is None
    assert calculations.activity_percent(-1, 200) == D("-0.5")  # half away from zero, as the papers round


def test_ytd_runs_m1_to_n_and_waits_for_every_months_actual() -> None:
    months = [ActivityMonthFigures(plan=p) for p in EM7_PROFILE]
    nothing = calculations.activity_position(months, 10)
    assert nothing.ytd_plan == 25761 + 27776 + 26576 + 27433 + 26199 + 24340 + 28016 + 27513 + 22285 + 27119
    assert nothing.ytd_plan == 263018
    assert (nothing.ytd_actual, nothing.ytd_variance, nothing.month_actual) == (None, None, None)
    assert nothing.missing == tuple(range(1, 11))
    recorded = [ActivityMonthFigures(plan=25761, actual=26000), ActivityMonthFigures(plan=27776, actual=27000),
                *months[2:]]
    m2 = calculations.activity_position(recorded, 2)
    assert (m2.month_plan, m2.month_actual, m2.month_variance, m2.month_variance_pct) == (27776, 27000, 776,
                                                                                          D("2.8"))
    assert (m2.ytd_plan, m2.ytd_actual, m2.ytd_variance, m2.ytd_variance_pct) == (53537, 53000, 537, D("1.0"))
    m3 = calculations.activity_position(recorded, 3)
    assert m3.ytd_actual is None and m3.missing == (3,)  # a partial sum is never set against the whole plan
    assert calculations.activity_position(months[:3], 12).ytd_plan == 25761 + 27776 + 26576  # months not kept: 0
    with pytest.raises(ValueError):
        calculations.activity_position(months, 13)


def test_plan_checks_show_the_papers_differences() -> None:
    em7 = PRINTED["E.M.7"]
    check = calculations.activity_plan_check(plan=315252, profile=EM7_PROFILE, do_nothing=330640,
                                             qipp_change=-15388, prior_outturn=318285)
    assert (check.profile_total, check.profile_difference, check.bridge_difference) == (315252, 0, 0)
    assert check.consistent and check.change_pct == D("-1.0") and em7["change_17_18_to_18_19_pct"] == "-1%"
    em7a = PRINTED["E.M.7a"]
    check = calculations.activity_plan_check(plan=em7a["plan_18_19"], profile=em7a["monthly_plan"].values(),
                                             do_nothing=em7a["do_nothing_18_19"], qipp_change=em7a["qipp_18_19"])
    assert (check.profile_total, check.profile_difference, check.bridge_difference) == (177010, 1, 0)
    assert not check.consistent and check.change_pct is None
    assert calculations.activity_plan_check(plan=10, profile=[10], do_nothing=12, qipp_change=-1).bridge_difference \
        == 1
    assert calculations.activity_plan_check(plan=10, profile=[10]).bridge_difference is None


@pytest.mark.parametrize(("text", "signed", "expected"), [
    ("27,776", False, 27776), ("315252", False, 315252), (" 0 ", False, 0), ("-15,388", True, -15388),
    ("(15,388)", True, -15388),
])
def test_typed_counts_are_read_with_commas_and_brackets(text: str, signed: bool, expected: int) -> None:
    assert parse_count(text, "plan", signed=signed) == expected


@pytest.mark.parametrize(("text", "signed", "message"), [
    ("1.5", False, "whole number"), ("lots", False, "whole number"), ("1,23", False, "whole number"),
    ("-3", False, "cannot be negative"), ("10,000,000", False, "9,999,999 or less"),
    ("-10000000", True, "9,999,999 or less either way"), ("(12", True, "whole number"),
])
def test_bad_counts_are_refused_in_the_users_words(text: str, signed: bool, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_count(text, "plan", signed=signed)


# --- Services ------------------------------------------------------------------------------------------


@pytest.fixture
def organisation():
    return OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")


@pytest.fixture
def year():
    return FinancialYearFactory(start_year=2018)


def em7(organisation, year, **changes) -> ActivityLine:
    values = {"title": "Total Referrals (Specific Acute)", "position": 1, "prior_outturn": 318285,
              "do_nothing": 330640, "qipp_change": -15388, "plan": 315252, "published_change": "-1%", **changes}
    line = services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.7", **values)
    for month, plan in enumerate(EM7_PROFILE, start=1):
        services.activity_month_record(actor=None, line=line, month=month, plan=plan)
    return line


@pytest.mark.django_db
def test_a_line_and_its_months_are_recorded_once_and_unchanged_records_write_nothing(organisation, year) -> None:
    line = em7(organisation, year)
    em7(organisation, year)
    line.refresh_from_db()
    assert line.version == 1 and line.history.count() == 1
    assert ActivityMonth.objects.count() == 12 and ActivityMonth.history.count() == 12
    assert sum(ActivityMonth.objects.values_list("plan", flat=True)) == 315252
    month = services.activity_month_record(actor=None, line=line, month=1, plan=25761, actual=26112,
                                           expected_version=1)
    assert (month.actual, month.version, month.history.count()) == (26112, 2, 2)


@pytest.mark.django_db
def test_stale_edits_are_refused(organisation, year) -> None:
    line = em7(organisation, year)
    services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.7",
                                  commentary="Referral management scheme live", expected_version=1)
    with pytest.raises(EditConflict):
        services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.7",
                                      commentary="x", expected_version=1)
    services.activity_month_record(actor=None, line=line, month=1, plan=25761, actual=1, expected_version=1)
    with pytest.raises(EditConflict):
        services.activity_month_record(actor=None, line=line, month=1, plan=25761, actual=2, expected_version=1)
    assert ActivityMonth.objects.get(line=line, month=1).actual == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("call", "field", "message"), [
    ({"month": 13}, "month", "not a month of the year"),
    ({"plan": -1}, "plan", "cannot be negative"),
    ({"plan": 10_000_000}, "plan", "between 0 and 9,999,999"),
    ({"actual": 1.5}, "actual", "whole number"),
    ({"actual": -4}, "actual", "cannot be negative"),
])
def test_month_bounds_are_refused_with_a_message(organisation, year, call, field, message) -> None:
    line = em7(organisation, year)
    arguments = {"month": 2, "plan": 27776, **call}
    with pytest.raises(ValidationError) as refused:
        services.activity_month_record(actor=None, line=line, **arguments)
    assert message in " ".join(refused.value.message_dict[field])


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"plan": -5}, "plan", "cannot be negative"),
    ({"qipp_change": -10_000_000}, "qipp_change", "between -9,999,999 and 9,999,999"),
    ({"do_nothing": "many"}, "do_nothing", "whole number"),
    ({"title": "x" * 201}, "title", "200 characters or fewer"),
    ({"published_change": "x" * 11}, "published_change", "10 characters or fewer"),
])
def test_line_bounds_are_refused_with_a_message(organisation, year, changes, field, message) -> None:
    em7(organisation, year)
    with pytest.raises(ValidationError) as refused:
        services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.7", **changes)
    assert message in " ".join(refused.value.message_dict[field])
    assert ActivityLine.objects.get().version == 1


@pytest.mark.django_db
def test_a_new_line_needs_a_code_title_and_plan(organisation, year) -> None:
    with pytest.raises(ValidationError, match="title and the year's plan"):
        services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.8", title="x")
    with pytest.raises(ValidationError):
        services.activity_line_record(actor=None, organisation=organisation, year=year, code=" ", title="x",
                                      plan=1)
    with pytest.raises(TypeError):
        services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.8", colour="red")
    assert not ActivityLine.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER])
def test_only_finance_and_administrators_keep_activity(organisation, year, role) -> None:
    line = em7(organisation, year)
    with pytest.raises(PermissionDenied):
        services.activity_month_record(actor=member(organisation, role), line=line, month=1, plan=1)
    with pytest.raises(PermissionDenied):
        services.activity_line_record(actor=member(organisation, role), organisation=organisation, year=year,
                                      code="E.M.7", commentary="x")
    services.activity_month_record(actor=member(organisation, Role.FINANCE), line=line, month=1, plan=25761,
                                   actual=25000)
    assert ActivityMonth.objects.get(line=line, month=1).actual == 25000


# --- Pages --------------------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER])
def test_readers_see_the_plan_and_change_nothing(organisation, year, role) -> None:
    line = em7(organisation, year)
    client = client_for(member(organisation, role))
    html = client.get("/finance/activity/?month=10").content.decode()
    assert "Activity plan" in html and "E.M.7" in html and "Total Referrals (Specific Acute)" in html
    assert "M10 (January 2019)" in html and "263,018" in html and "315,252" in html and "(15,388)" in html
    assert "No actuals recorded yet" in html
    assert "/edit/" not in html
    page = client.get(f"/finance/activity/{line.pk}/").content.decode()
    assert "25,761" in page and "Edit the line" not in page and f"/activity/{line.pk}/months/" not in page
    assert client.get(f"/finance/activity/{line.pk}/months/1/").status_code == 403
    assert client.post(f"/finance/activity/{line.pk}/months/1/", {"plan": "1"}).status_code == 403
    assert client.post(f"/finance/activity/{line.pk}/edit/", {"title": "x", "plan": "1"}).status_code == 403
    assert client.get(f"/finance/activity/{line.pk}/history/").status_code == 200
    assert ActivityMonth.objects.get(line=line, month=1).version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMINISTRATOR])
def test_finance_record_actuals_and_see_the_variance(organisation, year, role) -> None:
    line = em7(organisation, year)
    client = client_for(member(organisation, role))
    form = client.get(f"/finance/activity/{line.pk}/months/1/").content.decode()
    assert 'value="25761"' in form and 'name="version" value="1"' in form
    response = client.post(f"/finance/activity/{line.pk}/months/1/", {"plan": "25,761", "actual": "26,000",
                                                                        "version": "1"})
    assert response.status_code == 302, response.content.decode()
    html = client.get("/finance/activity/").content.decode()  # opens on the latest month with an actual
    assert "M1 (April 2018)" in html and "26,000" in html and "(239)" in html and "(0.9)%" in html
    assert "No actuals recorded yet" not in html
    page = client.get(f"/finance/activity/{line.pk}/").content.decode()
    assert "(239)" in page and "Edit the line" in page
    response = client.post(f"/finance/activity/{line.pk}/edit/", {
        "title": "Total Referrals (Specific Acute)", "prior_outturn": "318,285", "do_nothing": "330,640",
        "qipp_change": "-15,388", "plan": "315,252", "published_change": "-1%",
        "commentary": "GP referrals above plan in April", "version": "1"})
    assert response.status_code == 302, response.content.decode()
    line.refresh_from_db()
    assert (line.commentary, line.version) == ("GP referrals above plan in April", 2)
    history = client.get(f"/finance/activity/{line.pk}/history/").content.decode()
    assert "version 2" in history and "26,000" in history


@pytest.mark.django_db
def test_a_bad_count_is_shown_on_the_form_and_nothing_is_saved(organisation, year) -> None:
    line = em7(organisation, year)
    client = client_for(member(organisation, Role.FINANCE))
    response = client.post(f"/finance/activity/{line.pk}/months/2/", {"plan": "27776", "actual": "lots",
                                                                        "version": "1"})
    assert response.status_code == 200
    assert "Enter the actual as a whole number, like 27,776." in response.content.decode()
    response = client.post(f"/finance/activity/{line.pk}/months/2/", {"plan": "", "version": "1"})
    assert "Enter the plan." in response.content.decode()
    assert ActivityMonth.objects.get(line=line, month=2).actual is None
    assert client.get(f"/finance/activity/{line.pk}/months/13/").status_code == 404


@pytest.mark.django_db
def test_a_stale_save_is_a_409_keeping_what_the_user_typed(organisation, year) -> None:
    line = em7(organisation, year)
    client = client_for(member(organisation, Role.FINANCE))
    services.activity_month_record(actor=None, line=line, month=3, plan=26576, actual=26000, expected_version=1)
    response = client.post(f"/finance/activity/{line.pk}/months/3/", {"plan": "26576", "actual": "27,123",
                                                                        "version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this month" in html and 'value="27,123"' in html
    assert 'name="version" value="2"' in html and "26,000" in html  # the saved version, beside the user's
    assert ActivityMonth.objects.get(line=line, month=3).actual == 26000
    again = client.post(f"/finance/activity/{line.pk}/months/3/", {"plan": "26576", "actual": "27,123",
                                                                     "version": "2"})
    assert again.status_code == 302  # saving again is a knowing overwrite
    assert ActivityMonth.objects.get(line=line, month=3).actual == 27123
    services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.7",
                                  commentary="saved first", expected_version=1)
    response = client.post(f"/finance/activity/{line.pk}/edit/", {"title": "My title", "plan": "315252",
                                                                    "version": "1"})
    assert response.status_code == 409 and "My title" in response.content.decode()


@pytest.mark.django_db
def test_other_organisations_lines_are_not_found(organisation, year) -> None:
    line = em7(organisation, year)
    stranger = member(OrganisationFactory(ods_code="07N"), Role.FINANCE)
    client = client_for(stranger)
    assert client.get(f"/finance/activity/{line.pk}/").status_code == 404
    assert client.post(f"/finance/activity/{line.pk}/months/1/", {"plan": "1"}).status_code == 404
    api = APIClient()
    api.force_authenticate(stranger)
    assert len(api.get("/api/v1/activity/").json()["results"]) == 0


# --- API and query counts -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_lines(organisation, year) -> None:
    user = member(organisation, Role.FINANCE)
    client = client_for(user)
    api = APIClient()
    api.force_authenticate(user)
    first = em7(organisation, year)
    urls = ["/finance/activity/", "/finance/activity/?month=4&q=E.M", f"/finance/activity/{first.pk}/",
            "/api/v1/activity/?organisation=06H&year=2018/19"]
    # Once first: the detail page makes its line's organisation and year the working ones (follow_into), and the
    # session saved then is a first visit's cost, not one that grows with lines.
    for url in urls:
        assert (client if url.startswith("/finance") else api).get(url).status_code == 200
    counts = []
    for size in (2, 15):
        while ActivityLine.objects.count() < size:
            n = ActivityLine.objects.count()
            line = services.activity_line_record(actor=None, organisation=organisation, year=year, code=f"E.M.{n}x",
                                                 title=f"Line {n}", plan=1200, position=n)
            for month in range(1, 13):
                services.activity_month_record(actor=None, line=line, month=month, plan=100,
                                               actual=90 if month < 3 else None)
        with CaptureQueriesContext(connection) as queries:
            for url in urls:
                assert (client if url.startswith("/finance") else api).get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_cambridgeshire_activity_plan_is_the_papers_through_the_api(demo) -> None:
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="viewer"))
    rows = all_pages(client, "/api/v1/activity/?organisation=06h&year=2018/19")
    assert [r["code"] for r in rows] == list(PRINTED)
    em7 = rows[0]
    assert em7 == em7 | {"organisation": "06H", "year": "2018/19", "title": "Total Referrals (Specific Acute)",
                         "prior_outturn": 318285, "do_nothing": 330640, "qipp_change": -15388, "plan": 315252,
                         "published_change": "-1%"}
    assert [m["plan"] for m in em7["months"]] == EM7_PROFILE
    assert [m["month"] for m in em7["months"]] == list(range(1, 13))
    assert all(m["actual"] is None and m["variance"] is None for r in rows for m in r["months"])  # none published
    for row in rows:
        printed = PRINTED[row["code"]]
        assert row["plan"] == printed["plan_18_19"] and row["do_nothing"] == printed["do_nothing_18_19"]
        assert row["prior_outturn"] == printed["outturn_17_18"]
        assert [m["plan"] for m in row["months"]] == [printed["monthly_plan"][m] for m in MONTHS]
        assert row["checks"]["bridge_difference"] == 0
        recorded = [f"monthly profile sums to {row['checks']['profile_total']}, plan printed {row['plan']}"]
        assert printed.get("inconsistencies", []) == (recorded if row["checks"]["profile_difference"] else [])
    assert sum(1 for r in rows if r["checks"]["profile_difference"]) == 9
    assert all_pages(client, "/api/v1/activity/?organisation=07N") == []
    assert [r["code"] for r in all_pages(client, "/api/v1/activity/?organisation=06H&q=E.M.11")] == [
        "E.M.11", "E.M.11a", "E.M.11b"]
    assert client.get("/api/v1/activity/?year=nonsense").status_code == 400
    history = ActivityMonth.history.count()
    call_command("load_demo", verbosity=0)
    assert ActivityMonth.history.count() == history and ActivityLine.objects.count() == 12  # re-loading: nothing


@pytest.mark.django_db
def test_the_demo_activity_page_shows_plans_and_says_no_actuals(demo) -> None:
    from django.contrib.auth import get_user_model

    client = client_for(get_user_model().objects.get(username="viewer"))
    line = ActivityLine.objects.get(code="E.M.7a")
    html = client.get(f"/finance/activity/{line.pk}/").content.decode()  # follows into Cambridgeshire 2018/19
    assert "177,009" in html and "177,010" in html and "+1 on the printed plan" in html
    assert "No actuals recorded yet" in html
    page = client.get("/finance/activity/?month=10").content.decode()
    assert "9 lines of this plan have a monthly profile that does not add up" in page
    assert "Activity" in page and 'href="/finance/activity/"' in page  # in the navigation
