"""The governing-body dashboards' remaining panels: the savings bridge, the risk heat map and top risks, financial
risks against mitigations, the improvement plan; each built by a pure function (tested with the papers' figures),
each on the page with its title for the month, its takeaway and its table; read in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboards import charts
from finance.models import FinancialPlan, FinancialRisk, FinancialRiskKind, FinancialRiskMonth
from finance.selectors import data_month, savings_bridge, year_to_date_and_outturn
from governance.models import (
    ActionRag,
    ActionStatus,
    FinancialYear,
    MonthStatus,
    Organisation,
    PlanAction,
    PlanDomain,
    Requirement,
    Role,
)
from risks.models import Risk
from schemes.models import SchemeMonth
from schemes.selectors import MonthTotals
from tests.factories import FinancialYearFactory, MembershipFactory, OrganisationFactory, SchemeFactory, member

D = Decimal


def months(actuals: int) -> list[MonthTotals]:
    return [MonthTotals(month=m, plan=D(100), actual=D(90) if m <= actuals else None,
                        forecast_or_plan=D(110) if m > 6 else D(100)) for m in range(1, 13)]


def test_the_data_month_is_the_latest_closed_month_else_the_latest_actual() -> None:
    assert data_month(3, months(5)) == 3
    assert data_month(None, months(5)) == 5
    assert data_month(None, months(0)) is None


def test_ytd_is_the_actuals_to_the_month_and_the_outturn_adds_the_later_forecasts() -> None:
    assert year_to_date_and_outturn(months(3), 3) == (D(270), D(270) + 3 * D(100) + 6 * D(110))
    assert year_to_date_and_outturn(months(0), None) == (D(0), 6 * D(100) + 6 * D(110))


def test_the_bridge_chart_has_every_step_with_its_amount_and_says_how_far_the_outturn_is_from_target() -> None:
    # Bexley's appendix: plan 11,576,188, most likely 10,425,159 (its director's values and a target for example).
    chart = charts.savings_bridge(
        target=D("12000000"), identified_plan=D("11576188"), most_likely=D("10425159"),
        director_value=D("10100000"), ytd_actual=D("2500000"), forecast_outturn=D("10300000"),
        unidentified=D("423812"), as_at="M4 (July 2013)", year_name="2013/14")
    assert chart.title == ("Savings bridge, from the QIPP target to the forecast outturn, 2013/14, "
                           "as at M4 (July 2013)")
    assert chart.takeaway == ("Forecast outturn £10,300,000 against a QIPP target of £12,000,000: £1,700,000 short "
                              "of it; £423,812 of the target is not yet identified in schemes.")
    [bars] = chart.figure["data"]
    assert bars["x"] == ["QIPP target", "Identified plan", "Most likely", "Director's assessment", "YTD actual",
                         "Forecast outturn", "Unidentified QIPP"]
    assert bars["y"][1:3] == [11576188, 10425159] and all(isinstance(v, int) for v in bars["y"])
    assert bars["text"][1] == "£11,576,188"  # every bar says its amount: nothing told by colour alone
    assert len(set(bars["marker"]["pattern"]["shape"])) == 7
    assert chart.rows[1][:2] == ["Identified plan", "£11,576,188"] and chart.rows[2][:2] == ["Most likely",
                                                                                           "£10,425,159"]


def test_without_a_financial_plan_the_bridge_leaves_out_the_target_and_says_so() -> None:
    chart = charts.savings_bridge(
        target=None, identified_plan=D("11576188"), most_likely=D("10425159"), director_value=D("1"),
        ytd_actual=D("0"), forecast_outturn=D("11576188"), unidentified=None, as_at="no month yet",
        year_name="2013/14")
    assert chart.takeaway == ("Forecast outturn £11,576,188 against an identified plan of £11,576,188 (most likely "
                              "£10,425,159); no financial plan sets a QIPP target for 2013/14.")
    assert "QIPP target" not in chart.figure["data"][0]["x"]
    assert chart.rows[0][:2] == ["QIPP target", "–"] and chart.rows[-1][:2] == ["Unidentified QIPP", "–"]


@pytest.mark.django_db
def test_the_bridge_selector_reads_the_stored_figures_the_plan_and_the_months() -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2012)
    for gross in (D("6000"), D("3000")):
        scheme = SchemeFactory(organisation=organisation, year=year, gross_saving=gross, plan_in_year=gross,
                               most_likely=gross * D("0.75"), director_value=gross / 2)
        for month in range(1, 13):
            SchemeMonth.objects.create(scheme=scheme, month=month, plan=gross / 12,
                                       actual=gross / 24 if month <= 4 else None,
                                       forecast=gross / 6 if month == 12 else None)
    # Shropshire's shape: planned expenditure before QIPP less allocation is the requirement (here £10,000).
    FinancialPlan.objects.create(organisation=organisation, year=year, allocation=D("90000"),
                                 planned_expenditure=D("100000"))
    viewer = member(organisation, Role.VIEWER)
    MonthStatus.objects.create(organisation=organisation, year=year, month=3, is_closed=True)
    bridge = savings_bridge(viewer, organisation, year)
    assert (bridge.month, bridge.month_closed) == (3, True)
    assert (bridge.target, bridge.identified_plan, bridge.most_likely, bridge.director_value) == (
        D("10000"), D("9000"), D("6750"), D("4500"))
    assert bridge.ytd_actual == D("1125")  # 3 months of 375 + 187.50 (M4's actuals are after the closed month)
    assert bridge.forecast_outturn == D("1125") + 8 * D("750") + D("1500")  # M4-M11 on plan, M12's forecast
    assert bridge.unidentified == D("1000") and bridge.schemes == 2
    assert savings_bridge(viewer, organisation, year, month=4).ytd_actual == D("1500")
    outsider = member(OrganisationFactory(), Role.VIEWER)
    assert savings_bridge(outsider, organisation, year).schemes == 0  # scoped: nothing of another organisation


# --- risks: the heat map, the top risks, financial risks against mitigations ---------------------------------

def grid(*cells: tuple[int, int, int]) -> list[list[int]]:
    """A heat-map grid (likelihood 5 down to 1, impact 1 to 5) from (likelihood, impact, count)."""
    rows = [[0] * 5 for _ in range(5)]
    for likelihood, impact, count in cells:
        rows[5 - likelihood][impact - 1] = count
    return rows


def test_the_heat_map_says_each_cells_count_and_band_now_and_at_target() -> None:
    chart = charts.risk_heat_map(current=grid((4, 4, 11), (4, 5, 3), (3, 4, 1), (3, 5, 1)),
                                 target=grid((3, 4, 4), (2, 5, 4), (1, 4, 4), (3, 3, 1), (2, 4, 2), (1, 3, 1)),
                                 unscored_current=0, unscored_target=0, as_at="7 December 2026",
                                 year_name="2018/19")
    assert chart.title == "Risk heat map, current and target scores, 2018/19 register, as at 7 December 2026"
    assert chart.takeaway == "15 of 16 scored risks are Red (extreme) now; at their target scores 0 would be."
    current, target = chart.figure["data"]
    assert (current["name"], target["name"], target["xaxis"]) == ("Current", "Target", "x2")
    words = [a["text"] for a in chart.figure["layout"]["annotations"]]
    assert "<b>11</b><br>Red" in words and "<b>4</b><br>Yellow" in words  # count and band word in the cell
    assert chart.rows[1][0] == "Likelihood 4" and chart.rows[1][4] == "16 Red: 11 now, 0 target"
    assert chart.rows[2][4] == "12 Amber: 1 now, 4 target"
    assert "Yellow (moderate)" in chart.notes[0]


def test_risks_without_a_score_are_counted_off_the_map() -> None:
    chart = charts.risk_heat_map(current=grid(), target=grid(), unscored_current=2, unscored_target=1,
                                 as_at="1 May 2018", year_name="2018/19")
    assert chart.takeaway == "No risk in the 2018/19 register has a current score yet."
    assert chart.notes[1] == ("Not on the map: 2 risks without a current score, 1 risk without a target score.")


def test_the_top_risks_table_names_the_highest_with_its_score_in_words() -> None:
    chart = charts.top_risks(risks=[
        charts.TopRisk("OR1", "Risk to delivery of QIPP Plan", "Chief Finance Officer", (4, 5), (2, 5)),
        charts.TopRisk("", "Unscored target", "", (3, 3), None)], as_at="7 December 2026", year_name="2018/19")
    assert chart.takeaway == ("The highest risk now is OR1 Risk to delivery of QIPP Plan: 20 Red (4×5), "
                              "target 10 Amber (2×5).")
    assert chart.rows == [["OR1 Risk to delivery of QIPP Plan", "20 Red (4×5)", "10 Amber (2×5)",
                           "Chief Finance Officer"], ["Unscored target", "9 Amber (3×3)", "not scored", "–"]]
    assert not chart.figure


def side(total: str, assessed: str, in_forecast: str, residual: str) -> charts.RiskSide:
    return charts.RiskSide(D(total), D(assessed), D(in_forecast), D(residual))


def test_financial_risks_against_mitigations_give_cambridgeshires_shortfall() -> None:
    # Cambridgeshire and Peterborough M10: risks 29,001 total, 21,259 assessed; mitigations 27,887 and 21,259.
    risks = side("29001000", "21259000", "17207000", "4052000")
    mitigations = side("27887000", "21259000", "17207000", "4052000")
    shortfall = side("-1114000", "0", "0", "0")
    chart = charts.financial_risks(risks=risks, mitigations=mitigations, shortfall=shortfall,
                                   as_at="M10 (January 2019)")
    assert chart.title == "Financial risks against mitigations and the shortfall, £'000, as at M10 (January 2019)"
    assert chart.takeaway == ("Mitigations fall short of risks by £1,114,000 on total value and £0 on assessed "
                              "value.")
    assert chart.rows[0] == ["Total value", "29,001", "27,887", "(1,114)"]
    assert chart.rows[1] == ["Assessed value", "21,259", "21,259", "0"]
    assert [t["name"] for t in chart.figure["data"]] == ["Risks", "Mitigations", "Shortfall"]
    assert len({t["marker"]["pattern"]["shape"] for t in chart.figure["data"]}) == 3


def test_mitigations_that_cover_the_risks_are_said_to() -> None:
    chart = charts.financial_risks(risks=side("10", "8", "0", "8"), mitigations=side("12", "9", "0", "9"),
                                   shortfall=side("2", "1", "0", "1"), as_at="M3 (June 2018)")
    assert chart.takeaway == "Mitigations cover the risks: £9 assessed against £8."


# --- the improvement plan --------------------------------------------------------------------------------

def action(domain: str, reference: str, rag: str, *, overdue: bool = False, reset: bool = False,
           revisions: list[dict[str, str | None]] | None = None) -> dict[str, object]:
    return {"domain": domain, "reference": reference, "text": f"Action {reference}", "owner": "AO",
            "due_date": "2019-01-14", "due_date_as_published": "", "rag": rag, "overdue": overdue, "reset": reset,
            "revised_due_dates": revisions or []}


PLAN = [action("Leadership", "1a", "Complete"), action("Leadership", "1b", "Delayed", overdue=True),
        action("Governance", "2a", "Reset Date", reset=True,
               revisions=[{"old_date": "2018-10-01", "new_date": "2019-01-14", "reason": "Capacity"}]),
        action("Governance", "2b", "")]


def test_plan_progress_counts_actions_by_domain_and_rag_with_patterns_and_a_total_row() -> None:
    chart = charts.plan_progress(rows=PLAN, as_at="M10 (January 2019)", year_name="2018/19",
                                 source="As published.")
    assert chart.title == "Improvement plan progress by domain and RAG, 2018/19, as at M10 (January 2019)"
    assert chart.takeaway == "1 of 4 actions complete; 1 delayed, 1 at a reset date and 1 overdue."
    assert [t["name"] for t in chart.figure["data"]] == ["Complete", "Delayed", "Reset Date", "Not rated"]
    assert len({t["marker"]["pattern"]["shape"] for t in chart.figure["data"]}) == 4  # not colour alone
    assert chart.columns[0] == "Domain" and chart.rows[0] == ["Leadership", "1", "0", "1", "0", "0", "0", "2"]
    assert chart.rows[-1] == ["All domains", "1", "0", "1", "1", "0", "1", "4"] and chart.notes == ["As published."]


def test_plan_exceptions_list_the_overdue_and_reset_actions_with_why() -> None:
    chart = charts.plan_exceptions(rows=PLAN, as_at="M10 (January 2019)", year_name="2018/19")
    assert chart.takeaway == "1 action overdue and 1 with a reset date."
    assert chart.rows == [
        ["1b Action 1b", "Leadership", "AO", "14 Jan 2019", "Delayed", "Overdue"],
        ["2a Action 2a", "Governance", "AO", "14 Jan 2019 (reset 1×, first due 1 Oct 2018)", "Reset Date",
         "Reset date"],
    ]
    assert charts.plan_exceptions(rows=PLAN[:1], as_at="M1", year_name="2018/19").takeaway == (
        "No action is overdue or has had its date reset.")


# --- the pages --------------------------------------------------------------------------------------------

def add_everything(organisation: Organisation, year: FinancialYear, n: int) -> None:
    """`n` more of each thing a dashboard reads: schemes with months, risks, register rows, plan actions."""
    register, _ = FinancialRiskMonth.objects.get_or_create(organisation=organisation, year=year, month=2)
    domain, _ = PlanDomain.objects.get_or_create(organisation=organisation, year=year, name="Leadership")
    for _ in range(n):
        scheme = SchemeFactory(organisation=organisation, year=year, gross_saving=D("120"), plan_in_year=D("120"),
                               most_likely=D("90"), director_value=D("80"), overall_rag="amber")
        for month in range(1, 13):
            SchemeMonth.objects.create(scheme=scheme, month=month, plan=D("10"), actual=D("5") if month < 3 else None)
        Risk.objects.create(organisation=organisation, year=year, title=f"Risk of {scheme.name}",
                            current_likelihood=4, current_impact=5, target_likelihood=2, target_impact=3)
        for kind, value in ((FinancialRiskKind.RISK, D("1000")), (FinancialRiskKind.MITIGATION, D("600"))):
            FinancialRisk.objects.create(register=register, kind=kind, description=f"{kind} {scheme.name}",
                                         total_value=value, assessed_value=value / 2, in_forecast=D("0"),
                                         residual=value / 2)
        number = Requirement.objects.filter(domain=domain).count() + 1
        requirement = Requirement.objects.create(domain=domain, number=number, text=f"Requirement {number}")
        PlanAction.objects.create(requirement=requirement, letter="a", text=f"Action {number}a",
                                  due_date=date(2013, 5, 1), rag=ActionRag.DELAYED, status=ActionStatus.OPEN)


@pytest.fixture
def world() -> dict[str, Any]:
    organisation = OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")
    year = FinancialYearFactory(start_year=2013)
    return {"organisation": organisation, "year": year, "viewer": member(organisation, Role.VIEWER)}


SLUGS = ("bridge", "cumulative", "rag-mix", "programmes", "heat-map", "top-risks", "financial-risks",
         "plan-progress", "plan-exceptions")
WITHOUT_A_FIGURE = ("top-risks", "plan-exceptions")  # tables


@pytest.mark.django_db
def test_a_viewers_home_is_the_dashboard_with_every_panels_title_takeaway_and_table(client, world) -> None:
    add_everything(world["organisation"], world["year"], 2)
    client.force_login(world["viewer"])
    html = client.get("/").content.decode()  # the home of a governing-body viewer
    assert "<h1>QIPP dashboard 2013/14</h1>" in html
    for slug in SLUGS:
        section = html[html.index(f'aria-labelledby="title-{slug}"'):]
        section = section[:section.index("</section>")]
        assert re.search(r'<h2 id="title-[\w-]+">[^<]+(as at|, £)[^<]+</h2>', section), slug  # a title with a when
        assert re.search(r'<p class="app-takeaway"><strong>[^<]+\.</strong></p>', section), slug
        assert f'id="table-{slug}"' in section and "<tbody" in section, slug
        has_figure = f'<script id="figure-{slug}" type="application/json">' in section
        assert has_figure == (slug not in WITHOUT_A_FIGURE), slug
        assert (f'data-figure="figure-{slug}"' in section) == has_figure, slug
    assert "2 of 2 scored risks are Red (extreme) now" in html
    assert "Financial risks against mitigations and the shortfall, £&#x27;000, as at M2 (May 2013)" in html
    assert "Mitigations fall short of risks by £800 on total value and £400 on assessed value." in html
    assert "0 of 2 actions complete; 2 delayed, 0 at a reset date and 2 overdue." in html
    main = html[html.index("<main"):html.index("</main>")]
    assert " style=" not in main and "<style" not in main  # no inline style (a strict CSP allows the page)
    inline = [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", main, re.S)
              if "application/json" not in attrs and body.strip()]
    assert not inline


@pytest.mark.django_db
def test_other_roles_keep_their_home(client, world) -> None:
    client.force_login(member(world["organisation"], Role.PMO_EDITOR))
    html = client.get("/").content.decode()
    assert "at a glance" in html and "QIPP dashboard" not in html


@pytest.mark.django_db
def test_the_dashboard_reads_in_the_same_queries_however_much_data(client, world) -> None:
    organisation, year = world["organisation"], world["year"]
    client.force_login(world["viewer"])
    add_everything(organisation, year, 1)
    client.get("/dashboard/")  # the first request after signing in also saves the session: not what is counted
    with CaptureQueriesContext(connection) as one:
        assert client.get("/dashboard/").status_code == 200
    add_everything(organisation, year, 8)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/dashboard/").content.decode()
    assert "9 of 9 scored risks are Red" in html and "0 of 9 actions complete" in html
    # 17: session, user; organisation, its years; closed month, months, the report (else the latest), the schemes'
    # sums, plan, programmes; risks; financial risk totals; plan update, actions, revised dates; roles, switcher
    assert len(many) == len(one) == 17, [q["sql"][:120] for q in many.captured_queries]


@pytest.mark.django_db
def test_another_organisations_dashboard_is_not_found_and_ones_own_becomes_the_working_one(client, world) -> None:
    other = OrganisationFactory(ods_code="07N")
    add_everything(other, world["year"], 1)
    client.force_login(world["viewer"])
    assert client.get("/dashboard/07N/2013/").status_code == 404
    assert client.get("/dashboard/06H/1999/").status_code == 404
    mine = FinancialYearFactory(start_year=2018)
    response = client.get("/dashboard/06H/2018/")
    assert response.status_code == 200 and "<h1>QIPP dashboard 2018/19</h1>" in response.content.decode()
    assert client.session["working_year_id"] == mine.pk


@pytest.mark.django_db
def test_the_portfolio_has_a_row_per_organisation_drilling_down_in_the_same_queries(client, world) -> None:
    viewer, year = world["viewer"], world["year"]
    add_everything(world["organisation"], year, 2)
    FinancialPlan.objects.create(organisation=world["organisation"], year=year, allocation=D("1000"),
                                 planned_expenditure=D("1500"))
    client.force_login(viewer)
    client.get("/portfolio/")  # the first request after signing in also saves the session: not what is counted
    with CaptureQueriesContext(connection) as one:
        html = client.get("/portfolio/").content.decode()
    row = html[html.index("<th scope=\"row\""):]
    row = row[:row.index("</tr>")]
    assert '<a href="/dashboard/06H/2013/">NHS Cambridgeshire and Peterborough CCG (06H)</a>' in row
    assert "2013/14, M2 (May 2013)<br><span class=\"nhsuk-body-s\">not computed yet</span>" in row
    cells = re.findall(r'<td class="nhsuk-table__cell[^"]*">([^<]*)</td>', row)
    # plan 240, most likely 180, YTD 2 months x 2 schemes x 5, FOT 20 + 10 months x 2 x 10, 2 Amber,
    # gap: the requirement 500 less 240 gross identified
    assert cells == ["£240", "£180", "£20", "£220", "0 Green, 2 Amber, 0 Red", "£260"]
    OrganisationFactory(ods_code="07N")  # not the viewer's: never listed
    for ods in ("05N", "5P5", "00Q"):
        organisation = OrganisationFactory(ods_code=ods)
        MembershipFactory(user=viewer, organisation=organisation, role=Role.VIEWER)
        add_everything(organisation, year, 2)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/portfolio/").content.decode()
    assert html.count('<th scope="row"') == 4 and "07N" not in html
    assert len(many) == len(one)


@pytest.mark.django_db
def test_the_dashboard_can_be_read_as_at_an_earlier_month(client, world) -> None:
    add_everything(world["organisation"], world["year"], 2)  # actuals in M1 and M2; the register is M2's
    client.force_login(world["viewer"])
    html = client.get("/dashboard/?month=1").content.decode()
    assert "Data month: M1 (April 2013) (the month chosen, not closed yet)" in html
    assert "By M1 (April 2013), £10 saved against £20 planned" in html
    assert '<option value="1" selected>M1 Apr-13</option>' in html
    # No register for M1: the latest is shown, its title says its month and a note says why.
    assert "Financial risks against mitigations and the shortfall, £&#x27;000, as at M2 (May 2013)" in html
    assert ("No financial risk register was kept for M1 (April 2013) or before: this is the year&#x27;s latest, "
            "M2 (May 2013)&#x27;s.") in html
    # Risks are not kept by month: the heat map and top risks are today's register, and say so, not M1's.
    today = f"{timezone.localdate():%-d %B %Y}"
    assert f"Risk heat map, current and target scores, 2013/14 register, as at today, {today}" in html
    assert f"Top 2 risks by current score, 2013/14 register, as at today, {today}" in html
    said = (f"Risks are not kept month by month: this is the register as it stands today ({today}), not as it "
            "stood at M1 (April 2013), the month the rest of this dashboard shows.")
    for slug in ("heat-map", "top-risks"):
        section = html[html.index(f'aria-labelledby="title-{slug}"'):]
        assert said in section[:section.index("</section>")], slug
    assert "as at M1 (April 2013)" not in html[html.index('aria-labelledby="title-heat-map"'):
                                                html.index('aria-labelledby="title-financial-risks"')]
    # The register's own month: no note.
    assert "No financial risk register was kept" not in client.get("/dashboard/?month=2").content.decode()
    for nonsense in ("13", "0", "x"):
        assert "Data month: M2 (May 2013)" in client.get(f"/dashboard/?month={nonsense}").content.decode()


def bridge_amounts(html: str) -> dict[str, str]:
    table = html[html.index('id="table-bridge"'):]
    table = table[:table.index("</table>")]
    return dict(re.findall(r'<th scope="row" class="nhsuk-table__header">([^<]+)</th><td[^>]*>([^<]+)</td>', table))


@pytest.mark.django_db
def test_a_reported_month_shows_its_month_end_report_as_the_board_pack_does(client, world) -> None:
    from dashboards.exports import pack_inputs
    from finance.services import month_end_report_produce
    from governance.services import system_actor

    organisation, year = world["organisation"], world["year"]
    add_everything(organisation, year, 2)  # plan 240, most likely 180, director 160; actuals 5 a month in M1, M2
    FinancialPlan.objects.create(organisation=organisation, year=year, allocation=D("1000"),
                                 planned_expenditure=D("1500"))
    report = month_end_report_produce(actor=system_actor("month-end report"), organisation=organisation, year=year,
                                      month=2)
    # After the report: a scheme's figures, rating and M2 actual change, and another scheme is added.
    SchemeMonth.objects.filter(scheme__organisation=organisation, month=2).update(actual=D("50"))
    organisation.schemes.update(plan_in_year=D("1000"), most_likely=D("500"), overall_rag="red")
    add_everything(organisation, year, 1)
    client.force_login(world["viewer"])
    reported = client.get("/dashboard/?month=2").content.decode()
    assert f"Scheme figures as the month-end report stated them: issue {report.issue}" in reported
    amounts = bridge_amounts(reported)
    assert (amounts["Identified plan"], amounts["Most likely"], amounts["Director&#x27;s assessment"]) == (
        "£240", "£180", "£160")
    # YTD to M2 as reported: 2 schemes x 5 x 2 months; outturn adds the 10 later months' plans, 2 x 10 each.
    assert (amounts["YTD actual"], amounts["Forecast outturn"]) == ("£20", "£220")
    assert amounts["QIPP target"] == "£500" and amounts["Unidentified QIPP"] == "£260"  # 500 less 240 gross
    assert "By M2 (May 2013), £20 saved against £40 planned" in reported  # cumulative delivery, as reported
    assert "0 of 2 schemes rated Red" in reported  # the RAG mix as the report stored the ratings
    # The board pack of the month reads the same selector: the same figures.
    pack = pack_inputs(world["viewer"], organisation, year, 2, produced_at=report.produced_at).bridge
    assert (pack.plan_in_year, pack.most_likely, pack.ytd_actual, pack.forecast_outturn, pack.unidentified) == (
        D("240"), D("180"), D("20"), D("220"), D("260"))
    # A month without a report shows today's stored figures, and says when they were computed instead.
    today = client.get("/dashboard/?month=1").content.decode()
    assert "Scheme figures as the month-end report" not in today
    assert bridge_amounts(today)["Identified plan"] == "£2,120"  # 3 schemes: 2 x 1,000 changed + 1 new x 120
    assert "2 of 3 schemes rated Red" in today


@pytest.mark.django_db
def test_a_reported_month_reads_in_the_same_queries_however_many_schemes(client, world) -> None:
    from finance.services import month_end_report_produce
    from governance.services import system_actor

    organisation, year = world["organisation"], world["year"]
    client.force_login(world["viewer"])
    add_everything(organisation, year, 1)
    month_end_report_produce(actor=system_actor("month-end report"), organisation=organisation, year=year, month=2)
    client.get("/dashboard/?month=2")  # the first request after signing in also saves the session
    with CaptureQueriesContext(connection) as one:
        assert client.get("/dashboard/?month=2").status_code == 200
    add_everything(organisation, year, 8)
    month_end_report_produce(actor=system_actor("month-end report"), organisation=organisation, year=year, month=2)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/dashboard/?month=2").content.decode()
    assert "issue 2" in html and "of 9 schemes rated Red" in html
    # 15: the report's snapshot (report, lines, schemes) stands for the live months, sums, plan and programmes
    assert len(many) == len(one) == 15, [q["sql"][:120] for q in many.captured_queries]


def test_a_charts_table_is_drawn_with_every_cell_escaped_and_amounts_right_aligned() -> None:
    from django.template.loader import render_to_string

    chart = charts.Chart(slug="s", title="T", takeaway="", figure={}, columns=["Scheme", "Owner", "£ plan"],
                         rows=[["<b>A & B</b>", "Ann", "£1,000"]], text_columns=(1,))
    html = render_to_string("dashboards/_chart.html", {"chart": chart, "figure_id": "figure-s"})
    assert ('<thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">'
            'Scheme</th><th scope="col" class="nhsuk-table__header">Owner</th>'
            '<th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">£ plan</th></tr></thead>') in html
    assert ('<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">&lt;b&gt;A &amp; B&lt;/b&gt;</th>'
            '<td class="nhsuk-table__cell">Ann</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">£1,000</td>'
            '</tr>') in html
