"""Budget pages (issue 9 section 1): the month-end budget table beside the savings gap, a line's months, edits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from finance import calculations, selectors, services
from finance.models import BudgetLine, BudgetMonth
from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR
from governance.models import FinancialYear, Organisation, Role
from tests.factories import FinancialYearFactory, OrganisationFactory, member

D = Decimal
K = D("1000")


# --- The allocation and surplus rows (pure) -------------------------------------------------------------


def test_income_rows_count_receiving_more_than_plan_as_favourable() -> None:
    spend = calculations.budget_row_of(D("100"), D("90"), D("120"), D("130"))
    assert (spend.ytd_variance, spend.forecast_variance) == (D("10"), D("-10"))  # under plan favourable
    income = calculations.income_row(spend)
    assert (income.ytd_variance, income.forecast_variance) == (D("-10"), D("10"))
    assert (income.ytd_variance_pct, income.forecast_variance_pct) == (D("-10.0"), D("8.3"))


def test_the_surplus_is_allocation_less_expenditure_and_a_bigger_deficit_is_adverse() -> None:
    # Cambridgeshire M10 (£'000): allocation 989,133 against expenditure 1,018,357 planned, 1,019,473 spent.
    allocation = calculations.budget_row_of(D("989133"), D("989133"), D("1187989"), D("1187989"))
    expenditure = calculations.budget_row_of(D("1018357"), D("1019473"), D("1223058"), D("1223058"))
    surplus = calculations.surplus_row(allocation, expenditure)
    assert (surplus.ytd_plan, surplus.ytd_actual, surplus.ytd_variance) == (D("-29224"), D("-30340"), D("-1116"))
    assert surplus.ytd_variance_pct == D("3.8")  # as the paper prints it: variance / plan, both negative
    assert (surplus.forecast_plan, surplus.forecast_variance) == (D("-35069"), D("0"))


def test_differences_name_the_totals_a_paper_printed_otherwise() -> None:
    computed = calculations.budget_row_of(D("1"), D("2"), D("3"), D("4"))
    assert calculations.budget_row_differences(computed, None) == frozenset()
    assert calculations.budget_row_differences(computed, calculations.budget_row_of(D("1"), D("2"), D("3"),
                                                                                    D("5"))) == {"forecast_actual"}


# --- Cambridgeshire M10 from the demo data ---------------------------------------------------------------


def _paper(row: dict) -> calculations.BudgetRow:
    return calculations.budget_row_of(*(D(row[part][name]) * K for part, name in (
        ("ytd", "plan"), ("ytd", "actual"), ("forecast", "plan"), ("forecast", "forecast"))))


def _fixture_rows() -> dict[str, dict]:
    import json

    from demo.loader import FIXTURES
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    return {row["line"]: row for row in data["budget_lines"]["lines"]}


def _close(computed: calculations.BudgetRow, printed: dict, lines: int) -> None:
    """Within the paper's rounding: each of `lines` lines printed to the nearest £'000 (half a thousand each)."""
    tolerance = D("500") * lines
    for name, (part, key) in {"ytd_plan": ("ytd", "plan"), "ytd_actual": ("ytd", "actual"),
                              "ytd_variance": ("ytd", "variance"), "forecast_plan": ("forecast", "plan"),
                              "forecast_actual": ("forecast", "forecast"),
                              "forecast_variance": ("forecast", "variance")}.items():
        assert abs(getattr(computed, name) - D(printed[part][key]) * K) <= tolerance, (name, computed, printed)
    for name, part in (("ytd_variance_pct", "ytd"), ("forecast_variance_pct", "forecast")):
        assert abs(getattr(computed, name) - D(printed[part]["variance_pct"])) <= D("0.1"), (name, computed)


@pytest.mark.django_db
def test_cambridgeshire_m10_budget_table_reproduces_the_paper(demo) -> None:
    organisation = Organisation.objects.get(ods_code="06H")
    year = FinancialYear.objects.get(start_year=2018)
    admin = member(organisation, Role.VIEWER)
    table = selectors.budget_table(admin, organisation, year)
    assert table.month == 10 == table.latest_actual_month  # the latest month with actuals
    printed = _fixture_rows()
    lines = {item.line.name: item for section in table.sections for item in section.lines}
    acute = lines["Acute Services"].row
    assert (acute.ytd_plan, acute.ytd_actual, acute.ytd_variance, acute.ytd_variance_pct) == (
        D("503304000"), D("507528000"), D("-4224000"), D("-0.8"))
    assert (acute.forecast_plan, acute.forecast_actual, acute.forecast_variance, acute.forecast_variance_pct) == (
        D("603946000"), D("608405000"), D("-4459000"), D("-0.7"))
    central = lines["Central Budgets and Reserves"].row
    assert (central.ytd_variance, central.ytd_variance_pct) == (D("9721000"), D("27.2"))
    assert (central.forecast_variance, central.forecast_variance_pct) == (D("12809000"), D("30.9"))
    for name, item in lines.items():  # every line exactly as printed: its months were spread from the paper
        assert item.row == _paper(printed[name]) and item.published is None, name
    assert [s.name for s in table.sections] == ["Programme Expenditure", ""]
    programme = table.sections[0]
    assert [i.line.name for i in programme.lines][:2] == ["Acute Services", "Mental Health Services"]
    assert programme.subtotal is not None and table.sections[1].subtotal is None
    _close(programme.subtotal, printed["Total Programme Expenditure"], len(programme.lines))
    _close(table.expenditure, printed["Total Expenditure"], len(lines))
    assert table.allocation_total is not None and table.allocation_total.ytd_plan == D("989133000")
    assert table.surplus is not None
    _close(table.surplus, printed["In year deficit"], len(lines) + 1)
    assert BudgetLine.objects.filter(organisation=organisation).count() == 8  # subtotals and totals not stored
    history = BudgetMonth.history.count()
    call_command("load_demo", verbosity=0)
    assert BudgetMonth.history.count() == history  # re-loading writes nothing


@pytest.mark.django_db
def test_the_budget_page_shows_the_month_the_sums_and_the_gap_beside_them(demo) -> None:
    organisation = Organisation.objects.get(ods_code="06H")
    client = _client(member(organisation, Role.VIEWER), organisation, FinancialYear.objects.get(start_year=2018))
    html = client.get("/finance/budgets/").content.decode()
    assert "Budget lines, M10 (January 2019), 2018/19" in html
    for text in ("503,304", "507,528", "(4,224)", "(0.8)%", "603,946", "608,405", "(4,459)", "(0.7)%", "9,721",
                 "27.2%", "Total Programme Expenditure", "Discharge to Assess"):
        assert text in html, text
    # The in-year deficit, allocation - expenditure summed from the lines: plan (29,225), actual (30,341), (1,116)
    # adverse, 3.8% (the paper prints (29,224) and (30,340): its total expenditure is 1 less than its lines' sum).
    for text in ("989,133", "(29,225)", "(30,341)", "(1,116)", "3.8%", "Total expenditure", "(35,069)"):
        assert text in html, text
    assert "Savings gap, 2018/19" in html and "35,069" in html and "35,142" in html  # the plan's, beside it
    m9 = client.get("/finance/budgets/?month=9").content.decode()
    assert "Budget lines, M9 (December 2018), 2018/19" in m9 and "452,974" in m9  # 503,304 x 9 / 10


@pytest.mark.django_db
def test_the_api_gives_each_line_its_months_commentary_and_the_papers_figures(demo) -> None:
    organisation = Organisation.objects.get(ods_code="06H")
    api = APIClient()
    api.force_authenticate(member(organisation, Role.VIEWER))
    response = api.get("/api/v1/budget-lines/?organisation=06h&year=2018/19&month=10")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["results"]) == 8
    lines = {row["name"]: row for row in body["results"]}
    acute = lines["Acute Services"]
    assert acute["figures"] == {
        "month": 10, "ytd_plan": "503304000.00", "ytd_actual": "507528000.00", "ytd_variance": "-4224000.00",
        "ytd_variance_pct": "-0.8", "forecast_plan": "603946000.00", "forecast_actual": "608405000.00",
        "forecast_variance": "-4459000.00", "forecast_variance_pct": "-0.7",
    }
    assert [m["month"] for m in acute["months"]] == list(range(1, 13))
    assert acute["months"][0] == {"month": 1, "plan": "50330400.00", "actual": "50752800.00", "forecast": None,
                                  "version": 1}
    assert acute["months"][11]["actual"] is None and acute["months"][11]["forecast"] == "50438500.00"
    assert acute["commentary"].startswith("In year overspend") and acute["published_ytd_plan"] == "503304000.00"
    central = lines["Central Budgets and Reserves"]["figures"]
    assert (central["ytd_variance"], central["ytd_variance_pct"]) == ("9721000.00", "27.2")
    assert api.get("/api/v1/budget-lines/?organisation=06H&year=2018/19&month=13").status_code == 400
    assert len(api.get("/api/v1/budget-lines/?organisation=07N").json()["results"]) == 0  # not a member of Bexley
    assert len(api.get("/api/v1/budget-lines/?year=2013/14").json()["results"]) == 0


# --- Pages, roles, edits ---------------------------------------------------------------------------------


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")


@pytest.fixture
def year() -> FinancialYear:
    return FinancialYearFactory(start_year=2018)


def _line(organisation: Organisation, year: FinancialYear, name: str = "Acute Services", position: int = 1,
          section: str = "Programme Expenditure", months: int = 12, actuals: int = 2) -> BudgetLine:
    line = services.budget_line_record(actor=None, organisation=organisation, year=year, name=name,
                                       position=position, section=section, commentary=f"{name} commentary")
    for month in range(1, months + 1):
        services.budget_month_record(actor=None, line=line, month=month, plan=D("1000"),
                                     actual=D("1100") if month <= actuals else None)
    return line


def _client(user, organisation: Organisation, year: FinancialYear) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_ORGANISATION] = organisation.pk
    session[SESSION_YEAR] = year.pk
    session.save()
    return client


MONTH_POST = {"plan": "1,000", "actual": "£1,250.50", "forecast": "", "version": "1"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER])
def test_readers_see_the_budget_and_change_nothing(organisation, year, role) -> None:
    line = _line(organisation, year)
    client = _client(member(organisation, role), organisation, year)
    html = client.get("/finance/budgets/").content.decode()
    assert "Budget lines, M2 (May 2018), 2018/19" in html
    assert "(10.0)%" in html  # 2,000 planned, 2,200 spent: 10% over, adverse
    assert "Add a budget line" not in html
    page = client.get(line.get_absolute_url()).content.decode()
    assert "Acute Services commentary" in page and "(£200)" in page and "(10.0)%" in page
    assert "/edit/" not in page
    for url, data in ((f"/finance/budgets/lines/{line.pk}/months/1/edit/", MONTH_POST),
                      (f"/finance/budgets/lines/{line.pk}/edit/", {"kind": "spend", "position": "1", "version": "1"}),
                      ("/finance/budgets/lines/add/", {"name": "New", "kind": "spend", "position": "2"})):
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    assert client.get(f"/finance/budgets/lines/{line.pk}/history/").status_code == 200
    assert BudgetMonth.objects.get(line=line, month=1).actual == D("1100")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMINISTRATOR])
def test_finance_and_administrators_add_lines_and_edit_months(organisation, year, role) -> None:
    client = _client(member(organisation, role), organisation, year)
    _line(organisation, year, position=4, months=0)
    assert "Add a budget line" in client.get("/finance/budgets/").content.decode()
    assert 'name="position" value="5"' in client.get("/finance/budgets/lines/add/").content.decode()  # after the last
    response = client.post("/finance/budgets/lines/add/", {"name": "Running Costs", "kind": "spend",
                                                           "position": "9", "commentary": "On plan"})
    assert response.status_code == 302, response.content.decode()
    line = BudgetLine.objects.get(name="Running Costs")
    assert (line.kind, line.position, line.commentary, line.version) == ("spend", 9, "On plan", 1)
    assert response["Location"] == line.get_absolute_url()
    again = client.post("/finance/budgets/lines/add/", {"name": "Running Costs", "kind": "spend", "position": "1"})
    assert again.status_code == 200 and "already a line called" in again.content.decode()
    month_url = f"/finance/budgets/lines/{line.pk}/months/1/edit/"
    assert client.post(month_url, {**MONTH_POST, "version": "0"}).status_code == 302
    month = BudgetMonth.objects.get(line=line, month=1)
    assert (month.plan, month.actual, month.forecast, month.version) == (D("1000"), D("1250.50"), None, 1)
    page = client.get(line.get_absolute_url()).content.decode()
    assert "(£251)" in page and month_url in page  # 1,000 - 1,250.50, adverse
    edit = client.post(f"/finance/budgets/lines/{line.pk}/edit/", {
        "kind": "spend", "position": "9", "section": "Running", "commentary": "Over", "version": "1",
        "published_month": "1", "published_ytd_plan": "1000", "published_ytd_actual": "1300",
        "published_forecast_plan": "1000", "published_forecast": "1300"})
    assert edit.status_code == 302, edit.content.decode()
    line.refresh_from_db()
    assert (line.name, line.section, line.commentary, line.version) == ("Running Costs", "Running", "Over", 2)
    table = client.get("/finance/budgets/?month=1").content.decode()
    assert "Running Costs as published" in table  # the paper's 1,300 differs from the months' 1,250.50
    history = client.get(f"/finance/budgets/lines/{line.pk}/history/").content.decode()
    assert "version 2" in history and "£1,251" in history


@pytest.mark.django_db
def test_a_stale_month_edit_is_a_409_keeping_what_the_user_typed(organisation, year) -> None:
    line = _line(organisation, year)
    client = _client(member(organisation, Role.FINANCE), organisation, year)
    services.budget_month_record(actor=None, line=line, month=1, plan=D("1000"), actual=D("900"),
                                 expected_version=1)
    response = client.post(f"/finance/budgets/lines/{line.pk}/months/1/edit/",
                           {**MONTH_POST, "actual": "1,234"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this month" in html and 'value="1,234"' in html and 'name="version" value="2"' in html
    assert "£900" in html  # the saved version, beside the user's
    assert BudgetMonth.objects.get(line=line, month=1).actual == D("900")
    stale_line = client.post(f"/finance/budgets/lines/{line.pk}/edit/", {
        "kind": "spend", "position": "1", "commentary": "Mine", "version": "0"})
    assert stale_line.status_code == 409 and "Mine" in stale_line.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), [
    ("plan", "", "Enter the plan"),
    ("plan", "lots", "Enter the plan in pounds, like"),
    ("actual", "1.234", "nearest penny"),
    ("forecast", "10,000,000,000", "less than"),
])
def test_bad_month_input_is_a_message_and_nothing_is_saved(organisation, year, field, value, message) -> None:
    line = _line(organisation, year, months=0)
    client = _client(member(organisation, Role.FINANCE), organisation, year)
    response = client.post(f"/finance/budgets/lines/{line.pk}/months/3/edit/",
                           {**MONTH_POST, "version": "0", field: value})
    assert response.status_code == 200 and message in response.content.decode()
    assert not BudgetMonth.objects.exists()
    assert client.get(f"/finance/budgets/lines/{line.pk}/months/13/edit/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "Enter the name"),
    ("name", "x" * 201, "200 characters or fewer"),
    ("position", "first", "whole number"),
    ("commentary", "x" * 2001, "2,000 characters or fewer"),
    ("published_ytd_plan", "1,000", "Choose the month the published figures are for"),
])
def test_bad_line_input_is_a_message_and_nothing_is_saved(organisation, year, field, value, message) -> None:
    client = _client(member(organisation, Role.FINANCE), organisation, year)
    response = client.post("/finance/budgets/lines/add/", {"name": "Acute", "kind": "spend", "position": "1",
                                                           field: value})
    assert response.status_code == 200 and message in response.content.decode()
    assert not BudgetLine.objects.exists()


@pytest.mark.django_db
def test_another_organisations_lines_are_not_found(organisation, year) -> None:
    line = _line(organisation, year)
    bexley = Organisation.objects.create(ods_code="07N", name="NHS Bexley CCG")
    client = _client(member(bexley, Role.ADMINISTRATOR), bexley, year)
    for url in (line.get_absolute_url(), f"/finance/budgets/lines/{line.pk}/edit/",
                f"/finance/budgets/lines/{line.pk}/history/", f"/finance/budgets/lines/{line.pk}/months/1/edit/"):
        assert client.get(url).status_code == 404, url
    assert "Acute Services" not in client.get("/finance/budgets/").content.decode()


@pytest.mark.django_db
def test_the_filter_narrows_the_lines_never_the_totals(organisation, year) -> None:
    _line(organisation, year)
    _line(organisation, year, name="Mental Health Services", position=2)
    client = _client(member(organisation, Role.VIEWER), organisation, year)
    html = client.get("/finance/budgets/?q=mental").content.decode()
    assert "Mental Health Services" in html and ">Acute Services<" not in html
    assert "Total Programme Expenditure" in html


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_lines(organisation, year) -> None:
    user = member(organisation, Role.FINANCE)
    client = _client(user, organisation, year)
    first = _line(organisation, year)
    urls = ["/finance/budgets/", "/finance/budgets/?month=3&q=s", first.get_absolute_url(),
            f"/finance/budgets/lines/{first.pk}/history/", "/api/v1/budget-lines/?organisation=06H&year=2018/19",
            "/api/v1/budget-lines/?month=4"]
    api = APIClient()
    api.force_authenticate(user)
    # Once first, uncounted: a first visit's session save (a detail page making its record's organisation and year
    # the working ones) is not a cost that grows with rows.
    for url in urls:
        assert (api if url.startswith("/api") else client).get(url).status_code == 200
    counts = []
    for size in (2, 12):
        while BudgetLine.objects.count() < size:
            n = BudgetLine.objects.count()
            _line(organisation, year, name=f"Line {n}", position=n, section="Programme" if n % 3 else "")
        with CaptureQueriesContext(connection) as queries:
            for url in urls:
                assert (api if url.startswith("/api") else client).get(url).status_code == 200, url
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
