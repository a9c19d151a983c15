"""Celery tasks of finance: take ids, load, call a service. Safe to run twice (docs: governance/tasks.py)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from finance import services
from governance.models import JobRun
from governance.tasks import RECORDED_JOB, run_recorded_job


@shared_task(**RECORDED_JOB)
def produce_month_end_report(self: Any, job_run_id: int) -> str | None:
    """Produce the run's month-end report; returns its summary (None if the run was already finished)."""

    def work(run: JobRun) -> str:
        assert run.organisation is not None and run.year is not None and run.month is not None
        report = services.month_end_report_produce(actor=run.requested_by, organisation=run.organisation,
                                                   year=run.year, month=run.month, job_run=run)
        return f"Issue {report.issue} of M{run.month} {run.year.name}"

    return run_recorded_job(self, job_run_id, work)


@shared_task(base=DjangoTask, acks_late=True)
def queue_due_month_end_reports() -> int:
    """The beat's daily sweep: queue a report for every closed month that has none; returns how many."""
    return len(services.month_end_reports_due_queue())
