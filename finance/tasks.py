"""Celery tasks of finance: take ids, load, call a service. Safe to run twice (docs: governance/tasks.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from finance import services
from finance.models import VarianceReport
from governance.models import JobRun
from governance.tasks import RECORDED_JOB, run_recorded_job, run_recorded_jobs


@shared_task(**RECORDED_JOB)
def produce_month_end_report(self: Any, job_run_id: int) -> str | None:
    """Produce the run's month-end report; returns its summary (None if the run was already finished)."""

    def work(run: JobRun) -> str:
        assert run.organisation is not None and run.year is not None and run.month is not None
        report = services.month_end_report_produce(actor=run.requested_by, organisation=run.organisation,
                                                   year=run.year, month=run.month, job_run=run)
        return _summary(report, run)

    return run_recorded_job(self, job_run_id, work)


def _summary(report: VarianceReport, run: JobRun) -> str:
    assert run.year is not None
    return f"Issue {report.issue} of M{run.month} {run.year.name}"


@shared_task(**RECORDED_JOB)
def produce_month_end_reports(self: Any, job_run_ids: list[int]) -> list[str]:
    """Produce a batch of runs' month-end reports set-based (the sweep's tasks, MONTH_END_REPORT_BATCH runs
    each); returns their summaries. A run with nothing to report fails alone; the others are issued."""

    def work(runs: list[JobRun]) -> dict[int, str | Exception]:
        by_actor: dict[int | None, list[JobRun]] = defaultdict(list)
        for run in runs:  # the schedule's runs have no actor; the role is checked for anyone else's
            by_actor[run.requested_by_id].append(run)
        outcomes: dict[int, str | Exception] = {}
        for group in by_actor.values():
            requests = []
            for run in group:
                assert run.organisation is not None and run.year is not None and run.month is not None
                requests.append(services.ReportRequest(run.organisation, run.year, run.month, run))
            produced = services.month_end_reports_produce(actor=group[0].requested_by, requests=requests)
            for run, outcome in zip(group, produced, strict=True):
                outcomes[run.pk] = outcome if isinstance(outcome, Exception) else _summary(outcome, run)
        return outcomes

    return run_recorded_jobs(self, job_run_ids, work)


@shared_task(base=DjangoTask, acks_late=True)
def queue_due_month_end_reports() -> int:
    """The beat's daily sweep: queue a report for every closed month that has none; returns how many."""
    return len(services.month_end_reports_due_queue())
