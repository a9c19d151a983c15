"""Financial risks and mitigations (issue 8 section 2): arithmetic, services, API, pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from finance import calculations, services
from finance.calculations import Amounts
from finance.models import FinancialRisk, FinancialRiskMonth
from governance.models import Membership, Organisation, Role
from schemes.services import EditConflict
from tests.api_pages import all_pages
from tests.factories import FinancialYearFactory, OrganisationFactory, member

D = Decimal
THOUSAND = D("1000")


# --- The arithmetic (no database) -------------------------------------------------------------------


def test_residual_is_assessed_less_in_forecast() -> None:
    assert calculations.residual(D("3240000"), D("3040000")) == D("200000")
    assert calculations.residual(D("0"), D("0")) == D("0")
    assert calculations.residual(D("100"), D("150")) == D("-50")


def test_assessed_percent_is_assessed_over_total_to_a_whole_percent() -> None:
    assert calculations.assessed_percent(D("4000"), D("3240")) == D("81")
    assert calculations.assessed_percent(D("2500"), D("2685")) == D("107")  # more than the total: as printed
    assert calculations.assessed_percent(D("1250"), D("0")) == D("0")  # the paper prints 40%: we show 0%
    assert calculations.assessed_percent(D("0"), D("0")) is None
    assert calculations.assessed_percent(D("200"), D("1")) == D("1")  # 0.5% rounds half up


def test_register_total_adds_each_figure_and_shortfall_is_mitigations_less_risks() -> None:
    risks = calculations.register_total([calculations.row_amounts(D("4000"), D("3240"), D("3040")),
                                         calculations.row_amounts(D("5000"), D("4395"), D("3895"))])
    assert risks == Amounts(D("9000"), D("7635"), D("6935"), D("700"))
    mitigations = calculations.register_total([calculations.row_amounts(D("3011"), D("3011"), D("3011"))])
    assert calculations.shortfall(risks, mitigations) == Amounts(D("-5989"), D("-4624"), D("-3924"), D("-700"))
    assert calculations.register_total([]) == Amounts()


def test_differences_name_the_figures_a_published_total_prints_differently() -> None:
    computed = Amounts(D("29001"), D("21259"), D("17208"), D("4051"))
    published = Amounts(D("29001"), D("21259"), D("17207"), D("4052"))
    assert calculations.differences(computed, published) == {"in_forecast", "residual"}
    assert calculations.differences(computed, computed) == set()
    assert calculations.differences(computed, None) == set()


# --- Cambridgeshire M10 through the API after load_demo ---------------------------------------------------


def _sum(rows: list[dict], name: str) -> Decimal:
    return sum((D(row[name]) for row in rows), D("0")) / THOUSAND


@pytest.mark.django_db
def test_cambridgeshire_m10_reproduced_through_the_api(demo) -> None:
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="viewer"))
    rows = all_pages(client, "/api/v1/financial-risks/?organisation=06h&year=2018/19&month=10")
    risks = [r for r in rows if r["kind"] == "risk"]
    mitigations = [r for r in rows if r["kind"] == "mitigation"]
    assert len(risks) == 9 and len(mitigations) == 10
    assert risks[0] == risks[0] | {
        "organisation": "06H", "year": "2018/19", "month": 10,
        "description": "D2A - demand for service exceeding budget",
        "total_value": "4000000.00", "assessed_value": "3240000.00", "in_forecast": "3040000.00",
        "residual": "200000.00", "assessed_percent": "81", "published_percent": "81%", "exec_lead": "JT",
    }
    paper = {  # £'000 as printed: total, assessed, in forecast, residual
        "risk": (D("29001"), D("21259"), D("17207"), D("4052")),
        "mitigation": (D("27887"), D("21259"), D("17207"), D("4052")),
    }
    for kind, listed in (("risk", risks), ("mitigation", mitigations)):
        sums = [_sum(listed, name) for name in ("total_value", "assessed_value", "in_forecast", "residual")]
        for summed, printed in zip(sums, paper[kind], strict=True):
            assert abs(summed - printed) <= 1, (kind, sums, paper[kind])  # the paper's rows are rounded
        for row in listed:
            assert D(row["residual"]) == D(row["assessed_value"]) - D(row["in_forecast"])
    shortfall = _sum(mitigations, "total_value") - _sum(risks, "total_value")
    assert shortfall == D("-1114")
    # Filters narrow: one kind, another month (none), another organisation (none).
    assert len(all_pages(client, "/api/v1/financial-risks/?organisation=06H&kind=mitigation")) == 10
    assert all_pages(client, "/api/v1/financial-risks/?organisation=06H&month=9") == []
    assert all_pages(client, "/api/v1/financial-risks/?organisation=07N") == []


@pytest.mark.django_db
def test_the_register_keeps_the_papers_totals_beside_the_sums(demo) -> None:
    from django.contrib.auth import get_user_model

    from finance.selectors import financial_risk_register

    viewer = get_user_model().objects.get(username="viewer")
    register = FinancialRiskMonth.objects.get(organisation__ods_code="06H", month=10)
    view = financial_risk_register(viewer, register)
    assert view.risks.total == Amounts(D("29001000"), D("21259000"), D("17208000"), D("4051000"))
    assert view.risks.published == Amounts(D("29001000"), D("21259000"), D("17207000"), D("4052000"))
    assert view.risks.differs == {"in_forecast", "residual"}
    assert view.mitigations.total.total_value == D("27887000")
    assert view.shortfall.total_value == D("-1114000")
    assert view.published_shortfall == Amounts(D("-1114000"), D("0"), D("0"), D("0"))
    history_rows = FinancialRisk.history.count()
    call_command("load_demo", verbosity=0)
    assert FinancialRisk.history.count() == history_rows  # re-loading writes nothing


# --- Services, pages and roles -----------------------------------------------------------------------


@pytest.fixture
def organisation():
    return OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")


@pytest.fixture
def year():
    return FinancialYearFactory(start_year=2018)


@pytest.fixture
def register(organisation, year):
    return services.financial_risk_month_start(actor=None, organisation=organisation, year=year, month=10)


def add(register, kind="risk", description="D2A demand", total="4000000", assessed="3240000",
        forecast="3040000"):
    return services.financial_risk_create(actor=None, register=register, kind=kind, description=description,
                                          total_value=D(total), assessed_value=D(assessed), in_forecast=D(forecast))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


POST = {"kind": "risk", "description": "CHC placement costs", "total_value": "6,000,000",
        "assessed_value": "2822000", "in_forecast": "£2,322,000", "exec_lead": "JT"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER])
def test_readers_see_the_register_and_change_nothing(organisation, register, role) -> None:
    row = add(register)
    user = member(organisation, role)
    client = client_for(user)
    page = client.get(f"/finance/financial-risks/{register.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Financial risks and mitigations, M10 (January 2019)" in html
    assert "(4,000)" in html and "(3,240)" in html and "(200)" in html and "81%" in html  # adverse in brackets
    assert "Add a risk" not in html and f"/rows/{row.pk}/edit/" not in html
    assert client.get(f"/finance/financial-risks/{register.pk}/add/").status_code == 403
    assert client.post(f"/finance/financial-risks/{register.pk}/add/", POST).status_code == 403
    assert client.post(f"/finance/financial-risks/rows/{row.pk}/edit/", POST).status_code == 403
    assert client.post("/finance/financial-risks/", {"month": "11"}).status_code == 403
    assert client.get(f"/finance/financial-risks/rows/{row.pk}/history/").status_code == 200
    with pytest.raises(PermissionDenied):
        services.financial_risk_create(actor=user, register=register, kind="risk", description="x",
                                       total_value=D("1"), assessed_value=D("1"), in_forecast=D("0"))
    assert FinancialRisk.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMINISTRATOR])
def test_finance_and_administrators_add_and_edit_rows(organisation, register, role) -> None:
    client = client_for(member(organisation, role))
    assert "Add a risk" in client.get(f"/finance/financial-risks/{register.pk}/").content.decode()
    response = client.post(f"/finance/financial-risks/{register.pk}/add/", POST)
    assert response.status_code == 302, response.content.decode()
    row = FinancialRisk.objects.get()
    assert (row.kind, row.total_value, row.in_forecast, row.residual) == ("risk", D("6000000"), D("2322000"),
                                                                           D("500000"))
    form = client.get(f"/finance/financial-risks/rows/{row.pk}/edit/").content.decode()
    assert 'value="6000000"' in form
    response = client.post(f"/finance/financial-risks/rows/{row.pk}/edit/",
                           {**POST, "in_forecast": "2,822,000", "version": "1"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.residual, row.version) == (D("0"), 2)
    history = client.get(f"/finance/financial-risks/rows/{row.pk}/history/").content.decode()
    assert "version 2" in history and "version 1" in history


@pytest.mark.django_db
def test_a_stale_edit_is_a_409_keeping_what_the_user_typed(organisation, register) -> None:
    row = add(register)
    client = client_for(member(organisation, Role.FINANCE))
    services.financial_risk_update(actor=None, row=row, expected_version=1, changes={"exec_lead": "LK"})
    response = client.post(f"/finance/financial-risks/rows/{row.pk}/edit/",
                           {**POST, "description": "My wording", "version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this risk" in html and "My wording" in html and 'name="version" value="2"' in html
    row.refresh_from_db()
    assert (row.description, row.exec_lead) == ("D2A demand", "LK")
    with pytest.raises(EditConflict):
        services.financial_risk_update(actor=None, row=row, expected_version=1, changes={"exec_lead": "JT"})


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), [
    ("total_value", "10,000,000,000", "less than"),
    ("total_value", "-5", "positive amount"),
    ("assessed_value", "lots", "as an amount in pounds"),
    ("in_forecast", "1.234", "nearest penny"),
    ("in_forecast", "", "Enter the in forecast"),
    ("description", "x" * 301, "300 characters or fewer"),
    ("description", "", "Enter the description"),
    ("exec_lead", "x" * 101, "100 characters or fewer"),
    ("commentary", "x" * 2001, "2,000 characters or fewer"),
])
def test_bad_input_is_a_message_and_nothing_is_saved(organisation, register, field, value, message) -> None:
    client = client_for(member(organisation, Role.FINANCE))
    response = client.post(f"/finance/financial-risks/{register.pk}/add/", {**POST, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FinancialRisk.objects.exists()


@pytest.mark.django_db
def test_services_bound_money_and_text(register) -> None:
    with pytest.raises(ValidationError, match="less than"):
        add(register, total="10000000000")
    with pytest.raises(ValidationError, match="positive"):
        add(register, assessed="-1")
    with pytest.raises(ValidationError, match="300 characters"):
        add(register, description="y" * 301)
    with pytest.raises(ValidationError, match="risk or a mitigation"):
        add(register, kind="opportunity")
    with pytest.raises(ValidationError, match="M1 .April. to M12"):
        services.financial_risk_month_start(actor=None, organisation=register.organisation, year=register.year,
                                            month=13)
    assert not FinancialRisk.objects.exists()


@pytest.mark.django_db
def test_copy_forward_leaves_last_month_as_it_was(organisation, year, register) -> None:
    row = add(register)
    add(register, kind="mitigation", description="Contingency", total="3011000", assessed="3011000",
        forecast="3011000")
    client = client_for(member(organisation, Role.FINANCE))
    response = client.post("/finance/financial-risks/", {"month": "11", "copy_from": str(register.pk)})
    assert response.status_code == 302
    m11 = FinancialRiskMonth.objects.get(month=11)
    assert m11.rows.count() == 2
    copy = m11.rows.get(kind="risk")
    services.financial_risk_update(actor=None, row=copy, expected_version=1, changes={"in_forecast": D("3240000")})
    row.refresh_from_db()
    assert row.in_forecast == D("3040000") and row.residual == D("200000")  # M10 unchanged
    again = client.post("/finance/financial-risks/", {"month": "11", "copy_from": str(register.pk)})
    assert again.status_code == 200 and "already has a financial risks register" in again.content.decode()
    listing = client.get("/finance/financial-risks/").content.decode()
    assert "M10 (January 2019)" in listing and "M11 (February 2019)" in listing


@pytest.mark.django_db
def test_another_organisations_register_is_not_found(organisation, register) -> None:
    row = add(register)
    stranger = member(Organisation.objects.create(ods_code="07N", name="NHS Bexley CCG"), Role.ADMINISTRATOR)
    client = client_for(stranger)
    assert client.get(f"/finance/financial-risks/{register.pk}/").status_code == 404
    assert client.get(f"/finance/financial-risks/rows/{row.pk}/edit/").status_code == 404
    assert client.get(f"/finance/financial-risks/rows/{row.pk}/history/").status_code == 404
    api = APIClient()
    api.force_authenticate(stranger)
    assert len(api.get("/api/v1/financial-risks/").json()["results"]) == 0


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_rows(organisation, register) -> None:
    user = member(organisation, Role.FINANCE)
    client = client_for(user)
    api = APIClient()
    api.force_authenticate(user)
    urls = [f"/finance/financial-risks/{register.pk}/", f"/finance/financial-risks/{register.pk}/?kind=risk&q=D",
            "/finance/financial-risks/", "/api/v1/financial-risks/?organisation=06H&year=2018/19&month=10"]
    # Once first, uncounted: a first visit's session save (a detail page making its record's organisation and year
    # the working ones) is not a cost that grows with rows.
    for url in urls:
        assert (client if url.startswith("/finance") else api).get(url).status_code == 200
    counts = []
    for size in (2, 30):
        while register.rows.count() < size:
            n = register.rows.count()
            add(register, kind="risk" if n % 2 else "mitigation", description=f"D row {n}")
        with CaptureQueriesContext(connection) as queries:
            for url in urls:
                assert (client if url.startswith("/finance") else api).get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_opening_a_register_makes_its_organisation_and_year_the_working_ones(organisation, register) -> None:
    other = Organisation.objects.create(ods_code="07N", name="NHS Bexley CCG")
    user = member(other, Role.VIEWER)
    Membership.objects.create(user=user, organisation=organisation, role=Role.VIEWER)
    FinancialYearFactory(start_year=2013)
    client = client_for(user)
    client.get("/finance/financial-risks/")  # working in Bexley, 2013/14 first
    html = client.get(f"/finance/financial-risks/{register.pk}/").content.decode()
    assert f'"{organisation.pk}" selected>NHS Cambridgeshire and Peterborough CCG (06H)' in html  # the header
    assert f'"{register.year.pk}" selected>2018/19' in html


@pytest.mark.django_db
def test_the_months_api_gives_the_sums_the_papers_totals_and_the_shortfall(demo) -> None:
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="finance"))
    [month] = all_pages(client, "/api/v1/financial-risk-months/?organisation=06H&year=2018/19&month=10")
    totals = month["totals"]
    assert totals["published_risks"] == {"total_value": "29001000.00", "assessed_value": "21259000.00",
                                         "in_forecast": "17207000.00", "residual": "4052000.00"}
    assert totals["published_mitigations"] == {"total_value": "27887000.00", "assessed_value": "21259000.00",
                                               "in_forecast": "17207000.00", "residual": "4052000.00"}
    assert totals["published_shortfall"]["total_value"] == "-1114000.00"
    assert totals["risks"]["in_forecast"] == "17208000.00"  # the sum of the paper's rounded rows
    assert totals["shortfall"] == {"total_value": "-1114000.00", "assessed_value": "0.00", "in_forecast": "0.00",
                                   "residual": "0.00"}
    assert all_pages(client, "/api/v1/financial-risk-months/?organisation=07N") == []


@pytest.mark.django_db
def test_the_months_api_query_count_does_not_grow(organisation, year) -> None:
    user = member(organisation, Role.VIEWER)
    api = APIClient()
    api.force_authenticate(user)
    counts = []
    for months in (1, 6):
        for m in range(1, months + 1):
            if not FinancialRiskMonth.objects.filter(month=m).exists():
                add(services.financial_risk_month_start(actor=None, organisation=organisation, year=year, month=m))
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get("/api/v1/financial-risk-months/").json()["results"]) == months
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
