"""Month-end reports in batches (issue 11): the same snapshots as the per-organisation code they replaced, in a
number of queries that does not grow with the organisations in a batch.

The oracle is the per-organisation implementation as it stood before the batches (`_old_report`, kept here as
it was, reading one organisation through model instances): every stored figure of every report the batch writes
is compared with it, over the demo data (every organisation-year with something to report) and a small synthetic
portfolio (benchmarks.portfolio) with an override.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from benchmarks.portfolio import SCALES, build_portfolio
from finance import calculations, services
from finance.calculations import BudgetMonthFigures, BudgetRow
from finance.models import BudgetLine, BudgetMonth, FinancialPlan, VarianceReport
from finance.selectors.budgets import budget_table_of
from finance.services.report_rows import ROW_FIGURES, budget_rows
from governance.formatting import format_month
from governance.models import FinancialYear, Organisation
from schemes.models import FigureOverride, Scheme, SchemeMonth
from schemes.selectors import latest_ratings
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory

pytestmark = pytest.mark.django_db
SCHEME_FIGURES = ("gross_saving", "full_year_effect", "plan_in_year", "next_year_effect", "most_likely",
                  "director_value", "director_next_year")
RATING_DIMENSIONS = ("value", "resources", "timescales", "codependencies", "overall")
LINE_FIELDS = ("kind", "name", "section", "commentary", *ROW_FIGURES)
SAVING_FIELDS = ("programme", "is_total", "schemes", *ROW_FIGURES)
SCHEME_FIELDS = ("reference", "programme", "name", "phase", "go_live", "months_in_year", "delivery_change_months",
                 *SCHEME_FIGURES, *(f"{d}_rag" for d in RATING_DIMENSIONS), "overrides", "months")


def _figures(row: BudgetRow) -> dict[str, Decimal | None]:
    return {name: getattr(row, name) for name in ROW_FIGURES}


def _penny_text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _old_report(organisation: Organisation, year: FinancialYear, month: int) -> dict[str, Any]:
    """What the per-organisation month_end_report_produce stored, computed as it computed it."""
    lines = list(BudgetLine.objects.filter(organisation=organisation, year=year)
                 .prefetch_related(Prefetch("months", queryset=BudgetMonth.objects.order_by("month")))
                 .order_by("position", "id"))
    by_scheme: dict[int, dict[int, BudgetMonthFigures]] = defaultdict(dict)
    programme_of: dict[int, str] = {}
    for scheme_id, programme, number, plan, actual, forecast in SchemeMonth.objects.filter(
            scheme__organisation=organisation, scheme__year=year).values_list(
            "scheme_id", "scheme__programme__name", "month", "plan", "actual", "forecast"):
        by_scheme[scheme_id][number] = BudgetMonthFigures(plan=plan, actual=actual, forecast=forecast)
        programme_of[scheme_id] = programme
    rows_by_programme: dict[str, list[BudgetRow]] = defaultdict(list)
    for scheme_id, figures in by_scheme.items():
        twelve = [figures.get(n, BudgetMonthFigures(plan=Decimal("0"))) for n in range(1, 13)]
        rows_by_programme[programme_of[scheme_id]].append(calculations.savings_row(twelve, month))
    savings = [{"programme": name, "is_total": False, "schemes": len(rows),
                **_figures(calculations.savings_rows_total(rows))} for name, rows in sorted(rows_by_programme.items())]
    if savings:
        every = [row for rows in rows_by_programme.values() for row in rows]
        savings.append({"programme": "Total", "is_total": True, "schemes": len(every),
                        **_figures(calculations.savings_rows_total(every))})
    active = FigureOverride.objects.filter(cleared_at__isnull=True)
    schemes = list(Scheme.objects.filter(organisation=organisation, year=year).select_related("programme")
                   .prefetch_related(Prefetch("overrides", queryset=active, to_attr="active_overrides"))
                   .order_by("programme__name", "reference"))
    ratings = latest_ratings(schemes)
    months: dict[int, dict[int, dict[str, str | None]]] = defaultdict(dict)
    for scheme_id, number, plan, actual, forecast in SchemeMonth.objects.filter(
            scheme__in=[s.pk for s in schemes]).values_list("scheme_id", "month", "plan", "actual", "forecast"):
        months[scheme_id][number] = {"plan": _penny_text(plan), "actual": _penny_text(actual),
                                     "forecast": _penny_text(forecast)}
    scheme_rows = []
    for scheme in schemes:
        rating = ratings.get(scheme.pk)
        scheme_rows.append({
            "reference": scheme.reference, "programme": scheme.programme.name, "name": scheme.name,
            "phase": scheme.phase, "go_live": format_month(scheme.go_live) if scheme.go_live else "",
            "months_in_year": scheme.months_in_year, "delivery_change_months": scheme.delivery_change_months,
            **{name: getattr(scheme, name) for name in SCHEME_FIGURES},
            **{f"{d}_rag": (getattr(rating, d) if rating else "") for d in RATING_DIMENSIONS},
            "overrides": {o.figure: o.reason for o in scheme.active_overrides},
            "months": [months[scheme.pk].get(n, {"plan": "0.00", "actual": None, "forecast": None})
                       for n in range(1, 13)],
        })
    financial_plan = FinancialPlan.objects.filter(organisation=organisation, year=year).first()
    return {
        "budget_lines_read": len(lines), "schemes_read": len(by_scheme),
        "savings_target": None if financial_plan is None else calculations.plan_position(
            financial_plan.allocation, financial_plan.planned_expenditure, financial_plan.planned_qipp
        ).qipp_commitment,
        "lines": budget_rows(budget_table_of(lines, organisation, year, month)), "savings": savings,
        "schemes": scheme_rows,
    }


def _stored(report: VarianceReport) -> dict[str, Any]:
    """Every figure the report stored, read back from the database."""
    report = VarianceReport.objects.get(pk=report.pk)
    return {
        "budget_lines_read": report.budget_lines_read, "schemes_read": report.schemes_read,
        "savings_target": report.savings_target,
        "lines": list(report.lines.order_by("position").values(*LINE_FIELDS)),
        "savings": list(report.savings.order_by("position").values(*SAVING_FIELDS)),
        "schemes": list(report.schemes.order_by("position").values(*SCHEME_FIELDS)),
    }


def _assert_batch_matches_the_old_reports(pairs: list[tuple[Organisation, FinancialYear]], month: int) -> int:
    expected = [_old_report(organisation, year, month) for organisation, year in pairs]
    requests = [services.ReportRequest(organisation, year, month) for organisation, year in pairs]
    reports = services.month_end_reports_produce(actor=None, requests=requests)
    assert len(reports) == len(pairs)
    compared = 0
    for (organisation, year), want, report in zip(pairs, expected, reports, strict=True):
        assert isinstance(report, VarianceReport), report
        assert (report.organisation_id, report.year_id, report.month, report.is_current) == (
            organisation.pk, year.pk, month, True)
        assert _stored(report) == want, f"{organisation} {year}"
        compared += len(want["lines"]) + len(want["savings"]) + len(want["schemes"])
    return compared


def test_a_batch_over_the_demo_stores_what_each_organisation_s_own_report_stored(settings,
                                                                                   django_capture_on_commit_callbacks):
    settings.DEBUG = True  # load_demo refuses to run without it
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    pairs = sorted({(s.organisation, s.year) for s in Scheme.objects.select_related("organisation", "year")}
                   | {(b.organisation, b.year) for b in BudgetLine.objects.select_related("organisation", "year")},
                   key=lambda pair: (pair[0].pk, pair[1].pk))
    assert len(pairs) >= 3 and FigureOverride.objects.filter(cleared_at__isnull=True).exists()
    for month in (3, 10):
        assert _assert_batch_matches_the_old_reports(pairs, month) > 50


def test_a_batch_over_a_synthetic_portfolio_stores_what_the_old_reports_stored() -> None:
    portfolio = build_portfolio(SCALES["small"])
    scheme = Scheme.objects.filter(organisation=portfolio.organisations[1], year=portfolio.latest_year).first()
    assert scheme is not None
    FigureOverride.objects.create(scheme=scheme, figure="most_likely", value=Decimal("1234.56"),
                                  reason="Director's call at the panel")
    SchemeMonth.objects.filter(scheme=scheme, month=12).delete()  # a month never recorded
    pairs = [(organisation, year) for organisation in portfolio.organisations for year in portfolio.years]
    assert _assert_batch_matches_the_old_reports(pairs, 6) > 100


def _organisations_with_schemes(count: int, year: FinancialYear) -> list[Organisation]:
    organisations = []
    for _ in range(count):
        organisation = OrganisationFactory()
        for _ in range(3):
            SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=1,
                                       plan=Decimal("100"), actual=Decimal("90"))
        organisations.append(organisation)
    return organisations


def _queries(organisations: list[Organisation], year: FinancialYear) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.month_end_reports_produce(actor=None, requests=[
            services.ReportRequest(organisation, year, 1) for organisation in organisations])
    # Less the audit log's one event an issue (governance.audit: each report is audited, as its creation was).
    return len([q for q in queries.captured_queries if "governance_auditevent" not in q["sql"]])


def test_a_batch_s_queries_do_not_grow_with_its_organisations() -> None:
    year = FinancialYearFactory(start_year=2018)
    two, six = _organisations_with_schemes(2, year), _organisations_with_schemes(6, year)
    assert _queries(two, year) == _queries(six, year)
    assert VarianceReport.objects.filter(is_current=True).count() == 8
    # Reissued: the same count again, and each month's earlier issue no longer current.
    assert _queries(six, year) == _queries(two, year)
    assert VarianceReport.objects.filter(is_current=True).count() == 8
    assert VarianceReport.objects.filter(is_current=False).count() == 8


def test_a_batch_says_which_organisation_has_nothing_to_report_and_issues_the_others() -> None:
    year = FinancialYearFactory(start_year=2018)
    [busy] = _organisations_with_schemes(1, year)
    empty = OrganisationFactory()
    first, nothing, again = services.month_end_reports_produce(actor=None, requests=[
        services.ReportRequest(busy, year, 1), services.ReportRequest(empty, year, 1),
        services.ReportRequest(busy, year, 1)])
    assert isinstance(nothing, ValidationError) and "nothing to report" in nothing.messages[0]
    assert isinstance(first, VarianceReport) and isinstance(again, VarianceReport)
    assert (first.issue, first.is_current, again.issue, again.is_current) == (1, False, 2, True)
    assert not VarianceReport.objects.filter(organisation=empty).exists()
    with pytest.raises(ValidationError, match="nothing to report"):
        services.month_end_report_produce(actor=None, organisation=empty, year=year, month=1)


def test_the_sweep_sends_its_runs_in_batches_each_run_done_once(monkeypatch, django_capture_on_commit_callbacks):
    from finance.services import jobs
    from finance.tasks import produce_month_end_reports
    from governance.models import JobRun, JobStatus, MonthStatus, OutboxMessage

    year = FinancialYearFactory(start_year=2018)
    organisations = _organisations_with_schemes(5, year)
    for organisation in organisations:
        MonthStatus.objects.create(organisation=organisation, year=year, month=1, is_closed=True)
    monkeypatch.setattr(jobs, "MONTH_END_REPORT_BATCH", 2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        runs = services.month_end_reports_due_queue()
    assert len(runs) == 5 and len(callbacks) == 3  # batches of 2, 2 and 1
    assert [m.arguments for m in OutboxMessage.objects.order_by("pk")] == [
        [[runs[0].pk, runs[1].pk]], [[runs[2].pk, runs[3].pk]], [[runs[4].pk]]]
    for callback in callbacks:
        callback()
    assert set(JobRun.objects.values_list("status", flat=True)) == {JobStatus.FINISHED}
    assert JobRun.objects.get(pk=runs[0].pk).result_summary == "Issue 1 of M1 2018/19"
    assert VarianceReport.objects.filter(is_current=True).count() == 5
    from governance.models import AuditEvent  # each issue audited, as when it was created one by one

    assert set(AuditEvent.objects.filter(model="finance.variancereport").values_list("object_id", flat=True)) == {
        str(pk) for pk in VarianceReport.objects.values_list("pk", flat=True)}
    # Delivered again (a worker lost before acknowledging): every run is finished, nothing is issued twice.
    assert produce_month_end_reports.apply(args=([run.pk for run in runs],)).get() == []
    assert VarianceReport.objects.count() == 5


def test_a_batch_task_fails_only_the_run_with_nothing_to_report() -> None:
    from finance.tasks import produce_month_end_reports
    from governance.models import JobRun, JobStatus
    from governance.services import job_run_queue

    year = FinancialYearFactory(start_year=2018)
    [busy] = _organisations_with_schemes(1, year)
    empty = OrganisationFactory()
    runs = [job_run_queue(actor=None, task=services.MONTH_END_REPORT_TASK, organisation=organisation, year=year,
                          month=3) for organisation in (busy, empty)]
    assert produce_month_end_reports.apply(args=([run.pk for run in runs],)).get() == ["Issue 1 of M3 2018/19"]
    done, failed = (JobRun.objects.get(pk=run.pk) for run in runs)
    assert done.status == JobStatus.FINISHED and failed.status == JobStatus.FAILED
    assert "nothing to report" in failed.failure_reason
    assert VarianceReport.objects.get(job_run_id=done.pk).organisation == busy
