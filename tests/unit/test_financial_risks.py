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
from finance.models import FinancialRisk, FinancialRiskKind, FinancialRiskMonth
from governance.models import Role
from schemes.services import EditConflict
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


@pytest.fixture
def demo(django_capture_on_commit_callbacks, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = True  # load_demo refuses to run without it
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)


def _api_rows(client: APIClient, url: str) -> list[dict]:  # type: ignore[type-arg]
    rows: list[dict] = []  # type: ignore[type-arg]
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        url = response.json()["next"]
    return rows


def _sum(rows: list[dict], name: str) -> Decimal:  # type: ignore[type-arg]
    return sum((D(row[name]) for row in rows), D("0")) / THOUSAND


@pytest.mark.django_db
def test_cambridgeshire_m10_reproduced_through_the_api(demo) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="viewer"))
    rows = _api_rows(client, "/api/v1/financial-risks/?organisation=06h&year=2018/19&month=10")
    risks = [r for r in rows if r["kind"] == "risk"]
    mitigations = [r for r in rows if r["kind"] == "mitigation"]
    assert len(risks) == 9 and len(mitigations) == 10
    assert risks[0] == risks[0] | {
        "organisation": "06H", "year": "2018/19", "month": 10, "description": "D2A - demand for service exceeding budget",
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
    assert len(_api_rows(client, "/api/v1/financial-risks/?organisation=06H&kind=mitigation")) == 10
    assert _api_rows(client, "/api/v1/financial-risks/?organisation=06H&month=9") == []
    assert _api_rows(client, "/api/v1/financial-risks/?organisation=07N") == []


@pytest.mark.django_db
def test_the_register_keeps_the_papers_totals_beside_the_sums(demo) -> None:  # type: ignore[no-untyped-def]
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
    history_rows = FinancialRisk.history.count()  # type: ignore[attr-defined]
    call_command("load_demo", verbosity=0)
    assert FinancialRisk.history.count() == history_rows  # type: ignore[attr-defined]  # re-loading writes nothing
