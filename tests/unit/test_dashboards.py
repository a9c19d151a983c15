"""Dashboards: charts built by pure functions from stored figures, with a title for the month, a takeaway in words and
the same figures as a table; the page draws them with our own static plotly.js and no inline script."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import charts
from governance.models import Role
from schemes.models import SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

D = Decimal
LABELS = ["Apr-13", "May-13", "Jun-13", "Jul-13", "Aug-13", "Sep-13", "Oct-13", "Nov-13", "Dec-13", "Jan-14",
          "Feb-14", "Mar-14"]


def test_cumulative_delivery_says_how_far_actuals_are_from_plan_and_where_the_year_will_end() -> None:
    chart = charts.cumulative_delivery(
        labels=LABELS, plan=[D(100)] * 12, actual=[D(90)] * 3 + [None] * 9,
        forecast_or_plan=[D(100)] * 6 + [D(110)] * 6, data_month=3, as_at="M3 (June 2013)", year_name="2013/14")
    assert chart.title == "Cumulative savings, plan against actual and forecast, 2013/14, as at M3 (June 2013)"
    assert chart.takeaway == ("By M3 (June 2013), £270 saved against £300 planned: £30 behind plan. "
                              "Forecast outturn £1,230 against a plan of £1,200.")
    plan, actual, forecast = chart.figure["data"]
    assert plan["y"][-1] == 1200 and actual["y"] == [90, 180, 270] and actual["x"] == LABELS[:3]
    assert forecast["x"][0] == "Jun-13" and forecast["y"][0] == 270 and forecast["y"][-1] == 1230  # joins the actuals
    assert all(isinstance(v, int) for trace in chart.figure["data"] for v in trace["y"])  # never floats
    # Told apart by line and marker as well as colour.
    assert len({(t["line"]["dash"], t["marker"]["symbol"]) for t in chart.figure["data"]}) == 3
    assert chart.rows[2] == ["Jun-13", "£300", "£270", "£270"] and chart.rows[3][2] == "–"


def test_before_any_actual_the_chart_says_so() -> None:
    chart = charts.cumulative_delivery(labels=LABELS, plan=[D(50)] * 12, actual=[None] * 12,
                                       forecast_or_plan=[D(50)] * 12, data_month=None, as_at="no month yet",
                                       year_name="2013/14")
    assert chart.takeaway == "No actual savings are recorded yet for 2013/14; the plan for the year is £600."
    assert [t["name"] for t in chart.figure["data"]] == ["Plan", "Forecast"]


def test_plotly_js_is_served_from_the_plotly_wheel_not_a_cdn() -> None:
    found = finders.find("vendor/plotly/plotly.min.js")
    assert found and "site-packages/plotly/package_data" in str(found)


@pytest.mark.django_db
def test_the_dashboard_page_has_each_charts_title_takeaway_figure_and_table(client) -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2013)
    scheme = SchemeFactory(organisation=organisation, year=year)
    for month in range(1, 13):
        SchemeMonth.objects.create(scheme=scheme, month=month, plan=D("1000"), actual=D("900") if month <= 2 else None)
    client.force_login(member(organisation, Role.VIEWER))
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    html = client.get("/dashboard/").content.decode()
    assert "Data month: M2 (May 2013) (the latest month with an actual; no month is closed yet)" in html
    assert "as at M2 (May 2013)" in html and "£1,800 saved against £2,000 planned: £200 behind plan" in html
    assert 'id="figure-cumulative" type="application/json"' in html and 'data-figure="figure-cumulative"' in html
    assert 'id="table-cumulative"' in html
    assert '/static/vendor/plotly/plotly.min.js' in html and '/static/js/charts.js' in html
    main = html[html.index("<main"):html.index("</main>")]
    inline = [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", main, re.S)
              if "application/json" not in attrs and body.strip()]
    assert not inline, inline
    assert 'media="print"' in html and "css/print.css" in html


@pytest.mark.django_db
def test_the_dashboard_reads_in_the_same_queries_however_many_schemes(client) -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2013)
    client.force_login(member(organisation, Role.VIEWER))
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})

    def add() -> None:
        scheme = SchemeFactory(organisation=organisation, year=year)
        for month in range(1, 13):
            SchemeMonth.objects.create(scheme=scheme, month=month, plan=D("10"), actual=D("5") if month < 4 else None)

    add()
    with CaptureQueriesContext(connection) as one:
        client.get("/dashboard/")
    for _ in range(15):
        add()
    with CaptureQueriesContext(connection) as many:
        assert "£240 saved" in client.get("/dashboard/").content.decode()
    assert len(many) == len(one) == 16, [q["sql"][:120] for q in many.captured_queries]


def test_rag_mix_counts_and_pounds_with_the_share_at_risk_in_words() -> None:
    chart = charts.rag_mix(rows=[("green", 5, D(600), D(600)), ("amber", 3, D(300), D(225)), ("red", 2, D(100), D(50)),
                                 ("", 1, D(0), D(0))], as_at="M10 (January 2014)", year_name="2013/14")
    assert chart.takeaway == ("2 of 11 schemes rated Red; Amber and Red schemes carry £400 of the £1,000 in-year plan "
                              "(40%).")
    [bars] = chart.figure["data"]
    assert bars["x"] == ["Green", "Amber", "Red", "Not rated"] and bars["y"] == [600, 225, 50, 0]
    assert bars["text"][0] == "5 schemes" and len(set(bars["marker"]["pattern"]["shape"])) == 4  # not colour alone
    assert chart.rows[1] == ["Amber", "3", "£300", "£225"]


def test_programme_delivery_names_the_programme_furthest_from_plan() -> None:
    chart = charts.programme_delivery(rows=[("Planned Care", D(1000), D(900), D(850)),
                                            ("Integrated Care", D(2000), D(1500), D(1400))],
                                      as_at="M1 (April 2013)", year_name="2013/14")
    assert chart.takeaway.startswith("Integrated Care has the largest gap between plan and most likely: £500")
    assert [trace["name"] for trace in chart.figure["data"]] == ["In-year plan", "Most likely", "Director's assessment"]


def test_budget_variance_names_the_most_adverse_line() -> None:
    chart = charts.budget_variance(rows=[("Acute", D(-10), D(-40)), ("Prescribing", D(5), D(8))],
                                   as_at="M10 (January 2019)", issue=2)
    assert chart.title == ("Budget variance by line, YTD and forecast, as at M10 (January 2019) "
                           "(month-end report, issue 2)")
    assert chart.takeaway == "Acute is the most adverse line: forecast £40 over plan for the year."
    assert chart.rows[0] == ["Acute", "(£10)", "(£40)"]


@pytest.mark.django_db
def test_the_demo_dashboards_show_bexleys_rag_mix_and_cambridgeshires_budget_variance(
        client, django_capture_on_commit_callbacks, settings) -> None:
    from django.core.management import call_command

    from governance.models import FinancialYear, Organisation

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    client.login(username="viewer", password="viewer-demo-2013")
    html = client.get("/dashboard/").content.decode()
    assert "NHS Bexley CCG (07N)" in html and "of 27 schemes rated Red" in html
    # The savings bridge, from stored figures: the appendix's totals (plan 11,576,188; most likely 10,425,159).
    bridge = html[html.index('id="table-bridge"'):]
    bridge = bridge[:bridge.index("</table>")]
    assert ('Identified plan</th><td class="nhsuk-table__cell nhsuk-table__cell--numeric">£11,576,188</td>'
            in bridge)
    assert "£10,425,159" in bridge and "no financial plan sets a QIPP target for 2013/14" in html
    assert "Delivery by programme" in html
    client.post("/context/", {"organisation": Organisation.objects.get(ods_code="06H").pk,
                              "year": FinancialYear.objects.by_name("2018/19").pk})
    html = client.get("/dashboard/").content.decode()
    assert "Budget variance by line, YTD and forecast, as at M10 (January 2019)" in html
    assert "Mental Health Services is the most adverse line: forecast £5,638,000 over plan for the year." in html
    # Cambridgeshire and Peterborough's M10 financial risks: risks 29,001 total, 21,259 assessed; mitigations
    # 27,887 and 21,259; shortfall (1,114) on total value, none assessed (£'000).
    assert "Financial risks against mitigations and the shortfall, £&#x27;000, as at M10 (January 2019)" in html
    register = html[html.index('id="table-financial-risks"'):]
    register = register[:register.index("</table>")]
    assert re.search(r"Total value</th>\s*<td[^>]*>29,001</td><td[^>]*>27,887</td><td[^>]*>\(1,114\)</td>", register)
    assert re.search(r"Assessed value</th>\s*<td[^>]*>21,259</td><td[^>]*>21,259</td><td[^>]*>0</td>", register)
    assert "15 of 16 scored risks are Red (extreme) now; at their target scores 0 would be." in html
    assert "The highest risk now is OR1 Risk to delivery of QIPP Plan (Transformation): 20 Red (4×5)" in html
    assert "49 of 68 actions complete" in html and 'id="table-plan-exceptions"' in html
