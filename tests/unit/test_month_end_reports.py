"""Month-end variance reports: stored snapshots of the budget table and the scheme savings, versioned by issue.

The oracle is seed 004 (Cambridgeshire and Peterborough, Month 10), loaded by the demo as budget lines whose
months add back to the paper's YTD and full-year figures.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from finance import services
from finance.models import VarianceReport, VarianceReportLine
from governance.models import FinancialYear, JobRun, JobStatus, Organisation, Role
from governance.services import system_actor
from schemes.models import SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db
D = Decimal
K = D(1000)


def cambridgeshire() -> tuple[Organisation, FinancialYear]:
    return Organisation.objects.get(ods_code="06H"), FinancialYear.objects.by_name("2018/19")


def produce(organisation: Organisation, year: FinancialYear, month: int, actor=None) -> VarianceReport:
    return services.month_end_report_produce(actor=actor or system_actor("month-end report"),
                                             organisation=organisation, year=year, month=month)


def test_the_m10_report_through_the_api_is_the_papers_table(demo) -> None:
    organisation, year = cambridgeshire()
    if not VarianceReport.objects.filter(organisation=organisation, year=year, month=10).exists():
        produce(organisation, year, 10)
    client = APIClient()
    client.login(username="viewer", password="viewer-demo-2013")
    [report] = client.get("/api/v1/variance-reports/?organisation=06H&year=2018/19&month=10&current=true"
                          ).json()["results"]
    lines = {line["line"]: line for line in report["budget_lines"]}
    acute = lines["Acute Services"]
    assert [D(acute[f]) for f in ("ytd_plan", "ytd_actual", "ytd_variance")] == [503_304 * K, 507_528 * K,
                                                                                  -4_224 * K]
    assert acute["ytd_variance_pct"] == "-0.8"  # adverse: (0.8)% on the page
    assert [D(acute[f]) for f in ("forecast_plan", "forecast_actual", "forecast_variance")] == [
        603_946 * K, 608_405 * K, -4_459 * K]
    assert acute["forecast_variance_pct"] == "-0.7"
    central = lines["Central Budgets and Reserves"]
    assert D(central["ytd_variance"]) == 9_721 * K and central["ytd_variance_pct"] == "27.2"  # underspend: favourable
    # The paper's subtotal and totals, within its rounding (its lines carry hidden decimals: see fixtures/README.md).
    programme = lines["Total Programme Expenditure"]
    assert abs(D(programme["ytd_plan"]) - 1_001_168 * K) <= K and abs(D(programme["ytd_actual"]) - 1_002_789 * K) <= K
    total = lines["Total Expenditure"]
    assert abs(D(total["ytd_variance"]) - -1_115 * K) <= K and D(total["forecast_variance"]) == 0
    deficit = lines["In year surplus / (deficit)"]
    # (29,224) printed: the lines as printed add to 1 more spend, so (29,225) from them.
    assert abs(D(deficit["ytd_plan"]) - -29_224 * K) <= K and D(deficit["forecast_plan"]) == -35_069 * K
    assert report["month"] == 10 and report["is_current"] and report["produced_at"]


def test_the_report_page_says_its_month_issue_and_when_it_was_produced(demo, client) -> None:
    organisation, year = cambridgeshire()
    report = produce(organisation, year, 10)
    client.login(username="viewer", password="viewer-demo-2013")
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Month-end report, M10 (January 2019)" in html and f"Issue {report.issue}" in html
    assert "(4,224)" in html and "(0.8)%" in html and "27.2%" in html
    assert "Produce report" not in client.get("/finance/reports/").content.decode()  # viewers read only
    assert client.post("/finance/reports/", {"month": "10"}).status_code == 403


def test_reissuing_a_month_keeps_the_earlier_issue_readable_and_says_which_is_current(client) -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    scheme = SchemeFactory(organisation=organisation, year=year)
    month = SchemeMonth.objects.create(scheme=scheme, month=1, plan=D("1000"), actual=D("800"))
    first = produce(organisation, year, 1)
    month.actual = D("1200")
    month.save()
    second = produce(organisation, year, 1)
    first.refresh_from_db()
    assert (first.issue, first.is_current, second.issue, second.is_current) == (1, False, 2, True)
    # The first issue still says what was reported then: 800 against 1,000.
    assert first.savings.get(is_total=True).ytd_actual == D("800")
    assert second.savings.get(is_total=True).ytd_actual == D("1200")
    client.force_login(member(organisation, Role.VIEWER))
    html = client.get(first.get_absolute_url()).content.decode()
    assert "Superseded" in html and f'href="{second.get_absolute_url()}"' in html
    assert "Issue 2</a> is the current" in html


def test_savings_over_plan_are_favourable_and_spend_under_plan_is_favourable() -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    scheme = SchemeFactory(organisation=organisation, year=year)
    for number in range(1, 13):
        SchemeMonth.objects.create(scheme=scheme, month=number, plan=D("100"),
                                   actual=D("150") if number <= 2 else None)
    line = services.budget_line_record(actor=None, organisation=organisation, year=year, name="Acute")
    for number in range(1, 13):
        services.budget_month_record(actor=None, line=line, month=number, plan=D("100"),
                                     actual=D("90") if number <= 2 else None)
    report = produce(organisation, year, 2)
    saving = report.savings.get(is_total=True)
    assert (saving.ytd_plan, saving.ytd_actual, saving.ytd_variance, saving.ytd_variance_pct) == (
        D("200"), D("300"), D("100"), D("50.0"))  # saved more than planned: favourable, positive
    assert saving.forecast_actual == D("1300") and saving.forecast_variance == D("100")
    acute = report.lines.get(name="Acute")
    assert (acute.ytd_variance, acute.ytd_variance_pct) == (D("20"), D("10.0"))  # spent less: favourable


def test_a_month_outside_the_year_or_nothing_to_report_is_refused_and_nothing_saved() -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    with pytest.raises(ValidationError, match="M1 \\(April\\) to M12"):
        produce(organisation, year, 13)
    with pytest.raises(ValidationError, match="nothing to report"):
        produce(organisation, year, 10)
    assert not VarianceReport.objects.exists()


def test_only_finance_and_administrators_produce_reports() -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=1, plan=D("1"))
    for role in (Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER):
        with pytest.raises(PermissionDenied):
            produce(organisation, year, 1, actor=member(organisation, role))
    assert produce(organisation, year, 1, actor=member(organisation, Role.FINANCE)).issue == 1


def _finance_on_the_reports_page(client) -> Organisation:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=3, plan=D("5"))
    client.force_login(member(organisation, Role.FINANCE))
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    return organisation


# Not inside a test transaction: as in production, the queued job runs (eagerly) when the queueing commits.
@pytest.mark.django_db(transaction=True)
def test_finance_produces_a_report_from_the_page_at_once_when_jobs_run_in_process(client) -> None:
    _finance_on_the_reports_page(client)
    assert "Produce report" in client.get("/finance/reports/").content.decode()
    assert "Choose a month" in client.post("/finance/reports/", {"month": "13"}).content.decode()
    response = client.post("/finance/reports/", {"month": "3"}, follow=True)
    assert "Month-end report, M3 (June 2018)" in response.content.decode()
    assert "produced: issue 1" in response.content.decode()
    report = VarianceReport.objects.get()
    assert report.produced_by is not None and report.job_run_id is not None


def test_with_a_worker_the_page_says_the_report_is_queued_and_shows_its_progress(client) -> None:
    # In the test's transaction the on-commit send never happens: the run stays queued, as with a busy worker.
    organisation = _finance_on_the_reports_page(client)
    response = client.post("/finance/reports/", {"month": "3"}, follow=True)
    page = response.content.decode()
    assert "The report for M3 is queued" in page
    assert "Reports asked for recently" in page and "waiting for a worker" in page
    run = JobRun.objects.get(organisation=organisation)
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED, failure_reason="The worker gave up.")
    assert "The worker gave up." in client.get("/finance/reports/").content.decode()
    assert not VarianceReport.objects.exists()


def test_nothing_to_report_is_said_on_the_page_and_nothing_is_queued(client) -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    client.force_login(member(organisation, Role.FINANCE))
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    page = client.post("/finance/reports/", {"month": "3"}).content.decode()
    assert "nothing to report yet" in page
    assert not JobRun.objects.exists()


def test_another_organisations_report_is_not_found(client) -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=1, plan=D("1"))
    report = produce(organisation, year, 1)
    client.force_login(member(OrganisationFactory(), Role.ADMINISTRATOR))
    assert client.get(report.get_absolute_url()).status_code == 404
    api = APIClient()
    api.force_authenticate(member(OrganisationFactory(), Role.ADMINISTRATOR))
    assert len(api.get("/api/v1/variance-reports/").json()["results"]) == 0


def test_list_page_and_api_queries_do_not_grow_with_issues_and_rows(client) -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=1, plan=D("1"))
    produce(organisation, year, 1)
    user = member(organisation, Role.VIEWER)
    client.force_login(user)
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    api = APIClient()
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as page_one:
        client.get("/finance/reports/")
    with CaptureQueriesContext(connection) as api_one:
        api.get("/api/v1/variance-reports/")
    for number in range(2, 7):
        SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=number,
                                   plan=D("1"))
        line = services.budget_line_record(actor=None, organisation=organisation, year=year, name=f"Line {number}",
                                           section="Programme")
        services.budget_month_record(actor=None, line=line, month=1, plan=D("10"))
        produce(organisation, year, number)
        produce(organisation, year, number)
    assert VarianceReportLine.objects.count() > 10
    with CaptureQueriesContext(connection) as page_many:
        client.get("/finance/reports/")
    with CaptureQueriesContext(connection) as api_many:
        assert len(api.get("/api/v1/variance-reports/").json()["results"]) == 11
    assert len(page_many) == len(page_one) and len(api_many) == len(api_one)


def test_a_retried_job_returns_its_report_and_never_issues_a_second() -> None:
    from types import SimpleNamespace

    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=1, plan=D("1"))
    run = SimpleNamespace(pk=41)  # the job run's id is all the report keeps of it
    first = services.month_end_report_produce(actor=None, organisation=organisation, year=year, month=1, job_run=run)
    again = services.month_end_report_produce(actor=None, organisation=organisation, year=year, month=1, job_run=run)
    assert again.pk == first.pk and VarianceReport.objects.count() == 1 and first.job_run_id == 41
    other = services.month_end_report_produce(actor=None, organisation=organisation, year=year, month=1,
                                              job_run=SimpleNamespace(pk=42))
    assert other.issue == 2 and other.is_current
