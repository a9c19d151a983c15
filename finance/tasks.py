"""Celery tasks of finance: take ids, load, call a service. Safe to run twice (docs: schemes/tasks.py)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError

from finance import services
from governance.services import job_run_fail, job_run_finish, job_run_start

RETRYABLE = (OperationalError, InterfaceError)
MAX_RETRIES = 5


def _reason(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return f"{type(error).__name__}: {error}"[:2000]


@shared_task(
    bind=True, base=DjangoTask,
    # acks_late + reject_on_worker_lost: a worker killed mid-report leaves the message unacknowledged, so the
    # broker redelivers it; the report's own transaction rolled back, so the redelivery writes it once.
    acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES,
)
def produce_month_end_report(self: Any, job_run_id: int) -> str | None:
    """Produce the run's month-end report; returns its summary (None if the run was already finished)."""
    run = job_run_start(job_run_id=job_run_id, celery_task_id=self.request.id or "")
    if run is None:
        return None
    assert run.organisation is not None and run.year is not None and run.month is not None
    try:
        report = services.month_end_report_produce(actor=run.requested_by, organisation=run.organisation,
                                                   year=run.year, month=run.month, job_run=run)
    except RETRYABLE as error:
        if self.request.retries >= self.max_retries:
            job_run_fail(job_run=run, reason=_reason(error))
            raise
        # Exponential backoff: 2, 4, 8... seconds, at most five minutes.
        raise self.retry(exc=error, countdown=min(2 ** (self.request.retries + 1), 300)) from error
    except Exception as error:
        # Not worth retrying (e.g. nothing to report yet): say why and stop.
        job_run_fail(job_run=run, reason=_reason(error))
        raise
    summary = f"Issue {report.issue} of M{run.month} {run.year.name}"
    job_run_finish(job_run=run, summary=summary)
    return summary
