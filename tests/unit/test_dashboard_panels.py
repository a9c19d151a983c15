"""The governing-body dashboards' remaining panels: the savings bridge, the risk heat map and top risks, financial
risks against mitigations, the improvement plan; each built by a pure function (tested with the papers' figures),
each on the page with its title for the month, its takeaway and its table; read in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboards import charts
from finance.models import FinancialPlan
from finance.selectors import data_month, savings_bridge, year_to_date_and_outturn
from governance.models import MonthStatus, Role
from schemes.models import SchemeMonth
from schemes.selectors import MonthTotals
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

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
