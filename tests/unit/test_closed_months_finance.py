"""A closed month refuses changes to budget and activity figures as it does to schemes' (issue 10): the pages, the
API and the ledger import all give the same message, and nothing is saved. Saving what is already saved is no change,
so a re-import over closed months still goes through."""

from __future__ import annotations

import html
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from finance import services
from finance.importers import WorkbookInvalid, ledger_import
from finance.models import ActivityLine, ActivityMonth, BudgetLine, BudgetMonth
from governance.models import FinancialYear, ImportRecord, Organisation, Role
from governance.services import month_close
from tests.factories import FinancialYearFactory, OrganisationFactory, api_key, member

pytestmark = pytest.mark.django_db
D = Decimal
CLOSED = "M1 Apr-18 is closed, so its"
NOTHING = "Nothing has been saved. Ask finance to reopen the month if a figure is wrong."


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")


@pytest.fixture
def year() -> FinancialYear:
    return FinancialYearFactory(start_year=2018)


@pytest.fixture
def finance(organisation) -> object:
    return member(organisation, Role.FINANCE)


@pytest.fixture
def budget(organisation, year, finance) -> BudgetLine:
    line = services.budget_line_record(actor=None, organisation=organisation, year=year, name="Acute", position=1)
    for month in (1, 2):
        services.budget_month_record(actor=None, line=line, month=month, plan=D("1000"), actual=D("900"))
    month_close(actor=finance, organisation=organisation, year=year, month=1)
    return line


@pytest.fixture
def activity(organisation, year, finance) -> ActivityLine:
    line = services.activity_line_record(actor=None, organisation=organisation, year=year, code="E.M.7",
                                         title="Total Referrals", plan=24000)
    for month in (1, 2):
        services.activity_month_record(actor=None, line=line, month=month, plan=2000, actual=2100)
    month_close(actor=finance, organisation=organisation, year=year, month=1)
    return line


def budget_months(line: BudgetLine) -> list[tuple]:
    return list(BudgetMonth.objects.filter(line=line).order_by("month").values_list("month", "plan", "actual",
                                                                                   "forecast", "version"))


def activity_months(line: ActivityLine) -> list[tuple]:
    return list(ActivityMonth.objects.filter(line=line).order_by("month").values_list("month", "plan", "actual",
                                                                                     "version"))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


# --- The services -------------------------------------------------------------------------------------


def test_a_closed_budget_month_refuses_any_change_and_a_new_month_but_not_the_same_figures(budget, finance):
    before = budget_months(budget)
    for figures in ({"plan": D("1000"), "actual": D("950")}, {"plan": D("1001"), "actual": D("900")},
                    {"plan": D("1000"), "actual": D("900"), "forecast": D("1")}):
        with pytest.raises(ValidationError) as refused:
            services.budget_month_record(actor=finance, line=budget, month=1, **figures)
        assert refused.value.messages == [f"{CLOSED} plan, actual and forecast of Acute cannot be changed. {NOTHING}"]
    other = services.budget_line_record(actor=None, organisation=budget.organisation, year=budget.year, name="New",
                                        position=2)
    with pytest.raises(ValidationError, match=CLOSED):
        services.budget_month_record(actor=finance, line=other, month=1, plan=D("5"))
    assert budget_months(budget) == before and not BudgetMonth.objects.filter(line=other).exists()
    same = services.budget_month_record(actor=finance, line=budget, month=1, plan=D("1000"), actual=D("900"))
    assert same.version == 1  # no change, no write
    services.budget_month_record(actor=finance, line=budget, month=2, plan=D("1000"), actual=D("950"))
    assert budget_months(budget)[1][2:] == (D("950"), None, 2)  # an open month still saves


def test_a_closed_activity_month_refuses_changes(activity, finance):
    before = activity_months(activity)
    with pytest.raises(ValidationError) as refused:
        services.activity_month_record(actor=finance, line=activity, month=1, plan=2000, actual=2200)
    assert refused.value.messages == [f"{CLOSED} planned and actual activity of E.M.7 cannot be changed. {NOTHING}"]
    assert activity_months(activity) == before
    services.activity_month_record(actor=finance, line=activity, month=1, plan=2000, actual=2100)  # unchanged
    services.activity_month_record(actor=finance, line=activity, month=2, plan=2000, actual=2200)
    assert activity_months(activity)[1] == (2, 2000, 2200, 2)


# --- Pages -------------------------------------------------------------------------------------------


def test_the_budget_month_page_shows_the_reason_and_saves_nothing(budget, finance):
    before = budget_months(budget)
    response = signed_in(finance).post(f"/finance/budgets/lines/{budget.pk}/months/1/edit/",
                                       {"plan": "1,000", "actual": "1,234", "forecast": "", "version": "1"})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"{CLOSED} plan, actual and forecast of Acute cannot be changed." in page and 'value="1,234"' in page
    assert budget_months(budget) == before


def test_the_activity_month_page_shows_the_reason_and_saves_nothing(activity, finance):
    before = activity_months(activity)
    response = signed_in(finance).post(f"/finance/activity/{activity.pk}/months/1/",
                                       {"plan": "2000", "actual": "2,345", "version": "1"})
    assert response.status_code == 200
    assert f"{CLOSED} planned and actual activity of E.M.7 cannot be changed." in html.unescape(
        response.content.decode())
    assert activity_months(activity) == before


# --- API ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "payload", "figures"), [
    ("budget", {"version": 1, "actual": "1234"}, "plan, actual and forecast of Acute"),
    ("activity", {"version": 1, "actual": 2345}, "planned and actual activity of E.M.7"),
])
def test_the_api_refuses_a_closed_month_with_the_error_body(request, finance, kind, payload, figures):
    line = request.getfixturevalue(kind)
    url = (f"/api/v1/budget-lines/{line.pk}/months/1/" if kind == "budget"
           else f"/api/v1/activity/{line.pk}/months/1/")
    months = budget_months if kind == "budget" else activity_months
    before = months(line)
    response = token_client(finance).patch(url, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == f"{CLOSED} {figures} cannot be changed. {NOTHING}"
    assert body["errors"] == {"non_field_errors": [body["detail"]]}
    assert months(line) == before
    assert token_client(member(line.organisation, Role.FINANCE)).patch(
        url.replace("/months/1/", "/months/2/"), payload, format="json").status_code == 200


# --- The ledger import ---------------------------------------------------------------------------------


HEADER = "Budget line,Month,Plan,Actual,Forecast\n"


def test_a_ledger_changing_a_closed_month_is_refused_whole_naming_its_row(budget, finance):
    before, records = budget_months(budget), ImportRecord.objects.count()
    ledger = HEADER + "Acute,M2,1000,990,\nAcute,M1,1000,999,\nMental health,M1,5,,\n"
    with pytest.raises(WorkbookInvalid) as refused:
        ledger_import(actor=finance, organisation=budget.organisation, year_name="2018/19",
                      source=io.BytesIO(ledger.encode()), name="ledger.csv")
    assert f"row 3: {CLOSED} plan, actual and forecast of Acute cannot be changed" in str(refused.value)
    assert budget_months(budget) == before and ImportRecord.objects.count() == records
    assert not BudgetLine.objects.filter(name="Mental health").exists()


def test_a_ledger_repeating_a_closed_months_figures_imports_the_open_months(budget, finance):
    ledger = HEADER + "Acute,M1,1000,900,\nAcute,M2,1000,990,\n"
    ledger_import(actor=finance, organisation=budget.organisation, year_name="2018/19",
                  source=io.BytesIO(ledger.encode()), name="ledger.csv")
    assert [row[2:] for row in budget_months(budget)] == [(D("900"), None, 1), (D("990"), None, 2)]
