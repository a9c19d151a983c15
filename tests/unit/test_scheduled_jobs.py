"""The beat schedule's jobs (issue 9 section 2): the nightly recompute of every organisation, an
organisation-year at a time, and the daily sweep that produces the report of each closed month lacking one.

Celery is eager here, so a queued run is done once the queueing commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command

from finance import services as finance_services
from finance.models import VarianceReport
from finance.tasks import queue_due_month_end_reports
from governance.models import JobRun, JobStatus, MonthStatus, Role
from governance.services import system_actor
from qipp_portal.celery import app
from qipp_portal.env import env_schedule
from schemes import services
from schemes.models import Scheme, SchemeMonth
from schemes.recompute import portfolio_recompute
from schemes.tasks import queue_nightly_recompute
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_beat_schedule_names_tasks_that_exist_at_night_in_london() -> None:
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} == {
        "schemes.tasks.queue_nightly_recompute", "finance.tasks.queue_due_month_end_reports",
        "governance.tasks.send_outbox"}
    for entry in schedule.values():
        assert entry["task"] in app.tasks
        assert isinstance(entry["schedule"], crontab)
    recompute, sweep = schedule["nightly-recompute"]["schedule"], schedule["month-end-report-sweep"]["schedule"]
    assert repr(recompute) == "<crontab: 30 1 * * * (m/h/dM/MY/d)>"
    assert repr(sweep) == "<crontab: 30 2 * * * (m/h/dM/MY/d)>"  # after the recompute: reports read fresh figures
    # Every minute: a save made while the broker was down has its task sent within a minute of its return.
    assert repr(schedule["outbox-sweep"]["schedule"]) == "<crontab: * * * * * (m/h/dM/MY/d)>"
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_a_schedule_is_crontab_or_seconds_and_anything_else_stops_start_up(monkeypatch) -> None:
    monkeypatch.setenv("QIPP_TEST_SCHEDULE", "0 3 * * 1-5")
    weekdays = env_schedule("QIPP_TEST_SCHEDULE", "30 1 * * *")
    assert repr(weekdays) == "<crontab: 0 3 * * 1-5 (m/h/dM/MY/d)>"
    monkeypatch.setenv("QIPP_TEST_SCHEDULE", "2.5")
    assert env_schedule("QIPP_TEST_SCHEDULE", "30 1 * * *") == 2.5
    for bad in ("every night", "0 3 * *", "-5", "0", "61 3 * * *"):
        monkeypatch.setenv("QIPP_TEST_SCHEDULE", bad)
        with pytest.raises(ImproperlyConfigured, match="QIPP_TEST_SCHEDULE must be five crontab fields"):
            env_schedule("QIPP_TEST_SCHEDULE", "30 1 * * *")


def _stale_scheme(organisation, year, reference: str) -> Scheme:
    """A scheme whose stored figures are wrong (as after a change of RAG factors made outside the services)."""
    scheme = SchemeFactory(organisation=organisation, year=year, reference=reference, gross_saving=D("120000"),
                           go_live=date(year.start_year, 4, 1))
    Scheme.objects.filter(pk=scheme.pk).update(plan_in_year=D("1"), most_likely=D("1"), figures_computed_at=None)
    return scheme


def test_the_nightly_recompute_puts_every_organisations_figures_right_and_records_its_run(
        django_capture_on_commit_callbacks) -> None:
    year = FinancialYearFactory(start_year=2013)
    stale = [_stale_scheme(OrganisationFactory(), year, f"S{n}") for n in range(3)]
    stale.append(_stale_scheme(stale[0].organisation, FinancialYearFactory(start_year=2014), "S9"))
    with django_capture_on_commit_callbacks(execute=True):
        run_id = queue_nightly_recompute.apply().get()
    run = JobRun.objects.get(pk=run_id)
    assert (run.task, run.status, run.attempts, run.requested_by) == (
        services.PORTFOLIO_RECOMPUTE_TASK, JobStatus.FINISHED, 1, None)
    assert run.result_summary == "4 schemes recomputed in 4 organisation-years"
    for scheme in stale:
        scheme.refresh_from_db()
        # 120,000 from 1 April: all twelve months in year; no rating yet, so most likely is the plan.
        assert (scheme.plan_in_year, scheme.most_likely) == (D("120000.00"), D("120000.00"))
        assert scheme.figures_computed_at is not None
        assert SchemeMonth.objects.filter(scheme=scheme).count() == 12


def test_recomputing_twice_changes_nothing_the_second_time() -> None:
    scheme = _stale_scheme(OrganisationFactory(), FinancialYearFactory(start_year=2013), "A1")
    assert portfolio_recompute().schemes == 1
    first = Scheme.objects.values().get(pk=scheme.pk)
    months = list(SchemeMonth.objects.filter(scheme=scheme).values_list("month", "plan"))
    portfolio_recompute()
    again = Scheme.objects.values().get(pk=scheme.pk)
    assert {k: v for k, v in again.items() if k != "figures_computed_at"} == {
        k: v for k, v in first.items() if k != "figures_computed_at"}
    assert list(SchemeMonth.objects.filter(scheme=scheme).values_list("month", "plan")) == months


def test_no_person_queues_the_recompute_of_every_organisation() -> None:
    with pytest.raises(PermissionDenied):
        services.portfolio_recompute_queue(actor=member(OrganisationFactory(), Role.ADMINISTRATOR))
    assert not JobRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_recompute_command_queues_it_as_the_system_and_prints_what_it_did() -> None:
    _stale_scheme(OrganisationFactory(), FinancialYearFactory(start_year=2013), "A1")
    out = StringIO()
    call_command("recompute", stdout=out)
    assert "1 schemes recomputed in 1 organisation-years" in out.getvalue()
    assert JobRun.objects.get().requested_by == system_actor("recompute")


@pytest.fixture
def closed_months():
    """Two organisations with schemes in 2018/19; M9 and M10 closed at the first, M10 at the second."""
    year = FinancialYearFactory(start_year=2018)
    first, second, empty = OrganisationFactory(ods_code="AAA"), OrganisationFactory(ods_code="BBB"), \
        OrganisationFactory(ods_code="CCC")
    for organisation in (first, second):
        SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=10,
                                   plan=D("5"))
    for organisation, month in ((first, 9), (first, 10), (second, 10), (empty, 10)):
        MonthStatus.objects.create(organisation=organisation, year=year, month=month, is_closed=True)
    MonthStatus.objects.create(organisation=second, year=year, month=11, is_closed=False)
    return first, second, empty, year


def test_the_sweep_reports_each_closed_month_lacking_one_once(closed_months,
                                                              django_capture_on_commit_callbacks) -> None:
    first, second, empty, year = closed_months
    finance_services.month_end_report_produce(actor=None, organisation=first, year=year, month=9)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due_month_end_reports.apply().get() == 2
    reported = sorted(VarianceReport.objects.values_list("organisation__ods_code", "month", "issue"))
    # M9 at AAA already had its report (not reissued); M11 at BBB is open; CCC has nothing to report.
    assert reported == [("AAA", 9, 1), ("AAA", 10, 1), ("BBB", 10, 1)]
    runs = JobRun.objects.filter(task=finance_services.MONTH_END_REPORT_TASK)
    assert {(r.organisation_id, r.month, r.status, r.requested_by) for r in runs} == {
        (first.pk, 10, JobStatus.FINISHED, None), (second.pk, 10, JobStatus.FINISHED, None)}
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due_month_end_reports.apply().get() == 0
    assert VarianceReport.objects.count() == 3


def test_the_sweep_leaves_a_month_whose_report_is_on_its_way(closed_months) -> None:
    first, second, empty, year = closed_months
    # Not executing on-commit callbacks: the runs stay queued, as if the worker had not got to them yet.
    queued = finance_services.month_end_reports_due_queue()
    assert [(run.organisation, run.month) for run in queued] == [(first, 9), (first, 10), (second, 10)]
    assert finance_services.month_end_reports_due_queue() == []
    JobRun.objects.filter(pk=queued[0].pk).update(status=JobStatus.FAILED, failure_reason="worker lost")
    # A failed run is tried again by the next sweep.
    assert [(run.organisation, run.month) for run in finance_services.month_end_reports_due_queue()] == [(first, 9)]


def test_a_report_with_nothing_to_report_is_refused_before_it_is_queued() -> None:
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError, match="nothing to report yet"):
        finance_services.month_end_report_queue(actor=member(organisation, Role.FINANCE),
                                                organisation=organisation,
                                                year=FinancialYearFactory(start_year=2018), month=10)
    assert not JobRun.objects.exists()
