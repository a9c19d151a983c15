"""The financial plan: what it asks of QIPP (pure), its lines (service), its page (seed 004 as the oracle)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance import calculations, services
from finance.models import FinancialPlan, FinancialPlanLine
from governance.models import FinancialYear, Role
from tests.factories import OrganisationFactory, member

D = Decimal
FIXTURE = json.loads(Path("fixtures/cambridgeshire_2018_19.json").read_text())["financial_plan_2018_19"]


def test_a_plan_that_nets_off_its_qipp_has_a_commitment_and_a_deficit() -> None:
    # Cambridgeshire 2018/19 (£'000): allocation 1,181,022, spend after QIPP 1,216,091, QIPP 35,142.
    position = calculations.plan_position(D(1_181_022), D(1_216_091), D(35_142))
    assert position.qipp_commitment == D(35_142)
    assert position.planned_surplus == D(-35_069)  # a planned deficit: adverse, in brackets on the page
    assert position.expenditure_before_qipp == D(1_251_233) and position.savings_requirement == D(70_211)


def test_a_plan_stated_before_qipp_asks_qipp_for_the_whole_gap() -> None:
    # Shropshire 2012/13 (£'000): allocation 346,027 against planned expenditure 356,570.
    position = calculations.plan_position(D(346_027), D(356_570), D(0))
    assert position.savings_requirement == position.qipp_commitment == D(10_543)
    assert position.planned_surplus == D(0)
    # A plan already in surplus before QIPP asks nothing of it.
    assert calculations.plan_position(D(100), D(90), D(0)).qipp_commitment == D(0)


def test_a_line_build_up_adds_the_adjustments_to_the_exit_position() -> None:
    # Acute: 581,292 + 4,668 + 23,367 + 5,456 - 13,969 = 600,814, the printed plan.
    assert calculations.plan_line_bridge(D(581_292), [D(4_668), D(23_367), None, D(5_456), D(-13_969)]) == D(600_814)
    assert calculations.plan_line_bridge(None, [D(5_230)]) == D(5_230)


@pytest.fixture
def plan(db) -> FinancialPlan:
    organisation = OrganisationFactory(ods_code="06H")
    year = FinancialYear.objects.get_or_create(start_year=2018)[0]
    return services.financial_plan_set(actor=None, organisation=organisation, year=year,
                                       allocation=D("1181022000"), planned_expenditure=D("1216091000"))


def _lines() -> list[services.PlanLineInput]:
    return [
        services.PlanLineInput(name="Allocation", section="allocation", recurrent_exit=D(1_143_103_000),
                               allocation_increase=D(37_919_000), planned=D(1_181_022_000)),
        services.PlanLineInput(name="Acute", section="expenditure", planned_qipp=D(-13_969_000),
                               planned=D(600_814_000)),
        services.PlanLineInput(name="Prescribing", section="expenditure", planned_qipp=D(-5_700_000),
                               planned=D(115_999_000)),
    ]


def test_the_plans_qipp_is_the_total_of_its_lines_and_a_second_set_writes_nothing(plan) -> None:
    plan = services.financial_plan_lines_set(actor=None, plan=plan, lines=_lines())
    assert plan.planned_qipp == D(19_669_000)
    acute = FinancialPlanLine.objects.get(plan=plan, name="Acute")
    assert acute.history.count() == 1
    services.financial_plan_lines_set(actor=None, plan=plan, lines=_lines())
    assert acute.history.count() == 1  # unchanged: no new version
    # Lines left out are removed; the QIPP follows.
    plan = services.financial_plan_lines_set(actor=None, plan=plan, lines=_lines()[:2])
    assert plan.planned_qipp == D(13_969_000) and plan.lines.count() == 2
    # financial_plan_set without planned_qipp keeps what the lines set.
    services.financial_plan_set(actor=None, organisation=plan.organisation, year=plan.year,
                                allocation=plan.allocation, planned_expenditure=plan.planned_expenditure)
    plan.refresh_from_db()
    assert plan.planned_qipp == D(13_969_000)


@pytest.mark.parametrize(("line", "message"), [
    (services.PlanLineInput(name="Community", section="expenditure", planned_qipp=D(5_500_000)), "negative adjustment"),
    (services.PlanLineInput(name="", section="expenditure"), "needs a name"),
    (services.PlanLineInput(name="Community", section="income"), "allocation or expenditure"),
    (services.PlanLineInput(name="Community", section="expenditure", planned=D("1e15")), "Community"),
    (services.PlanLineInput(name="x" * 201, section="expenditure"), "line name"),
])
def test_bad_lines_are_refused_with_a_message_and_nothing_saved(plan, line, message) -> None:
    with pytest.raises(ValidationError) as refused:
        services.financial_plan_lines_set(actor=None, plan=plan, lines=[*_lines(), line])
    assert message in str(refused.value)
    assert not plan.lines.exists()


def test_a_line_twice_is_refused(plan) -> None:
    with pytest.raises(ValidationError, match="Acute appears more than once"):
        services.financial_plan_lines_set(actor=None, plan=plan, lines=[*_lines(), _lines()[1]])


def test_only_those_who_set_the_plan_may_set_its_lines(plan) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.financial_plan_lines_set(actor=member(plan.organisation, Role.PMO_EDITOR), plan=plan, lines=_lines())


def _page(client, plan: FinancialPlan, role: str = Role.VIEWER) -> str:
    client.force_login(member(plan.organisation, role))
    client.post("/context/", {"organisation": plan.organisation.pk, "year": plan.year.pk})
    response = client.get("/finance/plan/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_plan_page_computes_the_papers_total_spend_and_deficit(client, plan) -> None:
    from demo.loader import CAMBRIDGESHIRE_PLAN_COLUMNS, pounds_thousands

    lines = [services.PlanLineInput(name=line["line"], section=line["section"].lower(), published_growth="",
                                    **{field: pounds_thousands(line["values"].get(column))
                                       for column, field in CAMBRIDGESHIRE_PLAN_COLUMNS.items()})
             for line in FIXTURE["lines"] if line["section"] != "Total"]
    services.financial_plan_lines_set(actor=None, plan=plan, lines=lines)
    from finance.selectors import PLAN_COLUMNS, financial_plan_table

    table = financial_plan_table(member(plan.organisation, Role.VIEWER), plan.organisation, plan.year)
    assert table is not None
    printed = {line["line"]: line["values"] for line in FIXTURE["lines"] if line["section"] == "Total"}
    for index, field in enumerate(PLAN_COLUMNS):
        column = next(c for c, f in CAMBRIDGESHIRE_PLAN_COLUMNS.items() if f == field)
        expected = printed["Total spend"].get(column)
        if expected is not None:
            assert (table.total_spend.values[index] or 0) == D(expected) * 1000, column  # blank = nil
        deficit = printed["Surplus/(deficit)"].get(column)
        if deficit is not None:
            assert table.surplus.values[index] == D(deficit) * 1000, column
    # Every line's build-up adds to its printed plan (none is flagged).
    assert all(row.bridge is None for row in table.expenditure + table.allocation)
    html = _page(client, plan)
    assert "1,216,091" in html and "(35,069)" in html and "(35,142)" in html
    assert "Planned deficit after QIPP" in html


def test_the_plan_page_reads_in_the_same_queries_however_many_lines(client, plan) -> None:
    services.financial_plan_lines_set(actor=None, plan=plan, lines=_lines()[:1])
    _page(client, plan)  # signed in, working organisation and year chosen
    with CaptureQueriesContext(connection) as few:
        client.get("/finance/plan/")
    services.financial_plan_lines_set(actor=None, plan=plan, lines=[
        services.PlanLineInput(name=f"Line {n}", section="expenditure", planned=D(n)) for n in range(40)])
    with CaptureQueriesContext(connection) as many:
        assert "Line 39" in client.get("/finance/plan/").content.decode()
    assert len(many) == len(few)


def test_without_a_plan_the_page_says_so(client, db) -> None:
    organisation = OrganisationFactory()
    client.force_login(member(organisation, Role.VIEWER))
    year = FinancialYear.objects.get_or_create(start_year=2018)[0]
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    assert "No financial plan has been recorded" in client.get("/finance/plan/").content.decode()
