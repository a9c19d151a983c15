"""Recorded jobs on real workers, Redis and PostgreSQL (issue 9 section 2): a month-end report produced by a
worker; a worker killed in the middle of one leaves no partial snapshot and the redelivery completes it exactly
once; beat's schedule queues the nightly recompute and the sweep, which the worker carries out.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from finance.models import BudgetLine, BudgetMonth, VarianceReport, VarianceReportLine
from finance.services import MONTH_END_REPORT_TASK
from finance.tasks import produce_month_end_report
from governance.models import JobRun, JobStatus, MonthStatus
from governance.services import job_run_queue
from schemes.models import Scheme, SchemeMonth
from schemes.services import PORTFOLIO_RECOMPUTE_TASK
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory
from tests.integration.conftest import (
    ROOT,
    start_celery_beat,
    start_celery_worker,
    stop_process,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
# The kill test's own queue, so the session's worker never takes its task.
KILL_QUEUE = f"{os.environ.get('CELERY_QUEUE', 'qipp')}-worker-lost"


def _organisation_with_budget(ods_code: str):
    """Three budget lines with M1..M10 actuals and a scheme: what a month-end report reads."""
    organisation = OrganisationFactory(ods_code=ods_code)
    year = FinancialYearFactory(start_year=2018)
    for position, name in enumerate(("Acute Services", "Mental Health", "Primary Care"), 1):
        line = BudgetLine.objects.create(organisation=organisation, year=year, name=name, position=position)
        BudgetMonth.objects.bulk_create(BudgetMonth(line=line, month=month, plan=D(1000 * position),
                                                    actual=D(990 * position) if month <= 10 else None,
                                                    forecast=D(1000 * position))
                                        for month in range(1, 13))
    SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=10, plan=D("5"))
    return organisation, year


def test_the_worker_produces_the_queued_report(celery_worker_process) -> None:
    organisation, year = _organisation_with_budget("INT2")
    from finance import services

    run = services.month_end_report_queue(actor=None, organisation=organisation, year=year, month=10)
    assert wait_for(lambda: JobRun.objects.get(pk=run.pk).status == JobStatus.FINISHED, timeout=60), (
        JobRun.objects.get(pk=run.pk).failure_reason)
    report = VarianceReport.objects.get(job_run_id=run.pk)
    assert report.budget_lines_read == 3 and report.is_current
    assert {"Acute Services", "Mental Health", "Primary Care"} <= set(report.lines.values_list("name", flat=True))
    acute = report.lines.get(name="Acute Services")
    # Spend under plan is favourable: 10 x (1,000 - 990).
    assert (acute.ytd_plan, acute.ytd_actual, acute.ytd_variance) == (D("10000"), D("9900"), D("100"))


def test_a_worker_killed_mid_report_leaves_nothing_and_the_redelivery_reports_once() -> None:
    organisation, year = _organisation_with_budget("INT3")
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(KILL_QUEUE)  # nothing left from an earlier run
    run = job_run_queue(actor=None, task=MONTH_END_REPORT_TASK, organisation=organisation, year=year, month=10)
    produce_month_end_report.apply_async(args=(run.pk,), queue=KILL_QUEUE)

    # The first worker stops inside the report's transaction, after its budget lines are written.
    doomed = start_celery_worker("doomed", KILL_QUEUE, QIPP_MONTH_END_REPORT_TEST_PAUSE="60",
                                 CELERY_VISIBILITY_TIMEOUT="5")
    try:
        assert wait_for(lambda: JobRun.objects.get(pk=run.pk).status == JobStatus.STARTED, timeout=60)
        time.sleep(2)  # now inside the pause: its lines are written but not committed...
        assert not VarianceReport.objects.exists()  # ...so nothing of the report is visible
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=20)
    finally:
        if doomed.poll() is None:
            doomed.kill()
    # The database rolled the dead connection's transaction back: no half-written snapshot.
    assert wait_for(lambda: not VarianceReport.objects.exists() and not VarianceReportLine.objects.exists(),
                    timeout=10)
    assert JobRun.objects.get(pk=run.pk).attempts == 1

    # Redis hands the unacknowledged task to the next worker once the visibility timeout passes.
    rescuer = start_celery_worker("rescuer", KILL_QUEUE, CELERY_VISIBILITY_TIMEOUT="5")
    try:
        assert wait_for(lambda: JobRun.objects.get(pk=run.pk).status == JobStatus.FINISHED, timeout=90), (
            "the task was not redelivered after its worker was killed")
        # A second redelivery, if any came, finds the run finished and writes nothing.
        wait_for(lambda: False, timeout=6)
    finally:
        stop_process(rescuer)
    finished = JobRun.objects.get(pk=run.pk)
    assert (finished.status, finished.attempts) == (JobStatus.FINISHED, 2)
    [report] = VarianceReport.objects.filter(organisation=organisation)
    assert (report.issue, report.job_run_id, report.budget_lines_read) == (1, run.pk, 3)
    assert report.lines.filter(name="Primary Care").exists()
    assert report.savings.exists()


def test_beat_queues_the_nightly_recompute_and_the_sweep_and_the_worker_does_them(celery_worker_process) -> None:
    organisation, year = _organisation_with_budget("INT4")
    stale = SchemeFactory(organisation=organisation, year=year, go_live=date(2018, 4, 1), gross_saving=D("1200"))
    Scheme.objects.filter(pk=stale.pk).update(plan_in_year=D("1"), figures_computed_at=None)
    MonthStatus.objects.create(organisation=organisation, year=year, month=10, is_closed=True)

    with tempfile.TemporaryDirectory() as folder:
        beat = start_celery_beat("beat", Path(folder), QIPP_NIGHTLY_RECOMPUTE_SCHEDULE="3",
                                 QIPP_MONTH_END_REPORT_SWEEP_SCHEDULE="3")
        try:
            assert wait_for(lambda: JobRun.objects.filter(task=PORTFOLIO_RECOMPUTE_TASK,
                                                          status=JobStatus.FINISHED).exists(), timeout=90), (
                f"no nightly recompute finished: see {ROOT / '.pytest-celery-beat.log'}")
            assert wait_for(lambda: VarianceReport.objects.filter(organisation=organisation, month=10).exists(),
                            timeout=60), "the sweep did not produce the closed month's report"
        finally:
            stop_process(beat)
    assert Scheme.objects.get(pk=stale.pk).plan_in_year == D("1200.00")
    recompute = JobRun.objects.filter(task=PORTFOLIO_RECOMPUTE_TASK, status=JobStatus.FINISHED).first()
    assert recompute is not None and recompute.requested_by is None
    assert "schemes recomputed" in recompute.result_summary
    # However often the sweep ran, the closed month was reported once (a queued or started run counts).
    assert VarianceReport.objects.filter(organisation=organisation, month=10).count() == 1
