"""What every recorded background job does around its work: start the run, finish or fail it, retry.

governance owns JobRun but never imports the apps whose tasks these are (docs/adr/0003): each app's task
passes its work in as a function of the run. A task using this is declared with RECORDED_JOB, so it is
acknowledged only after it finishes (a worker killed mid-job leaves the message for redelivery) and its
run's `attempts` counts every start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError

from governance.models import JobRun
from governance.services import job_run_fail, job_run_finish, job_run_start, outbox_sweep

# A lost or busy database is worth retrying; anything else (bad data, nothing to do) is not.
RETRYABLE = (OperationalError, InterfaceError)
MAX_RETRIES = 5
# Options of every recorded job's @shared_task. bind: the runner reads the task's retries.
# acks_late + reject_on_worker_lost: a worker lost mid-job leaves the message unacknowledged, so the broker
# redelivers it; the job's own transaction rolled back, so the redelivery does the work once.
RECORDED_JOB: dict[str, Any] = {
    "bind": True, "base": DjangoTask, "acks_late": True, "reject_on_worker_lost": True, "max_retries": MAX_RETRIES,
}


def failure_in_words(error: BaseException) -> str:
    """What an administrator reads on the run: a validation message as written, else the error's type and text."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)[:2000]
    return f"{type(error).__name__}: {error}"[:2000]


def retry_countdown(retries: int) -> int:
    """Exponential backoff: 2, 4, 8... seconds, at most five minutes."""
    return int(min(2 ** (retries + 1), 300))


def run_recorded_job(task: Any, job_run_id: int, work: Callable[[JobRun], str]) -> str | None:
    """Run `work` for the run `job_run_id`; returns its summary, or None if the run had already finished.

    `task` is the bound Celery task (its request says how many retries so far).
    """
    run = job_run_start(job_run_id=job_run_id, celery_task_id=task.request.id or "")
    if run is None:
        return None  # delivered again after it finished: the work is done once
    try:
        summary = work(run)
    except RETRYABLE as error:
        if task.request.retries >= task.max_retries:
            job_run_fail(job_run=run, reason=failure_in_words(error))
            raise
        raise task.retry(exc=error, countdown=retry_countdown(task.request.retries)) from error
    except Exception as error:
        job_run_fail(job_run=run, reason=failure_in_words(error))
        raise
    job_run_finish(job_run=run, summary=summary)
    return summary


def run_recorded_jobs(task: Any, job_run_ids: list[int],
                      work: Callable[[list[JobRun]], dict[int, str | Exception]]) -> list[str]:
    """Run `work` once for a batch of runs (one task doing many runs' work set-based); returns the summaries.

    `work` returns each run's summary, or the error that run alone failed with (by run id). Runs already
    finished are skipped, so a redelivered batch does each run's work once. A retryable error retries the
    whole batch with backoff; any other fails every run of the batch, as run_recorded_job does for one.
    """
    runs = [run for run in (job_run_start(job_run_id=pk, celery_task_id=task.request.id or "")
                            for pk in job_run_ids) if run is not None]
    if not runs:
        return []
    try:
        outcomes = work(runs)
    except RETRYABLE as error:
        if task.request.retries >= task.max_retries:
            for run in runs:
                job_run_fail(job_run=run, reason=failure_in_words(error))
            raise
        raise task.retry(exc=error, countdown=retry_countdown(task.request.retries)) from error
    except Exception as error:
        for run in runs:
            job_run_fail(job_run=run, reason=failure_in_words(error))
        raise
    summaries = []
    for run in runs:
        outcome = outcomes[run.pk]
        if isinstance(outcome, Exception):
            job_run_fail(job_run=run, reason=failure_in_words(outcome))
        else:
            job_run_finish(job_run=run, summary=outcome)
            summaries.append(outcome)
    return summaries


@shared_task(base=DjangoTask, acks_late=True)
def send_outbox() -> int:
    """What beat sends every minute: send the tasks saves left in the outbox while the broker was down."""
    return outbox_sweep()
