"""Background jobs are records (issue 9 section 2): queued, started, finished or failed, with why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from governance.models import FinancialYear, JobRun, JobStatus, Organisation
from governance.services.common import check_month, person

if TYPE_CHECKING:
    from governance.permissions import Actor


@transaction.atomic
def job_run_queue(
    *, actor: Actor | None, task: str, organisation: Organisation | None = None, year: FinancialYear | None = None,
    month: int | None = None, arguments: Mapping[str, Any] | None = None,
) -> JobRun:
    """Record that `task` was asked for, by `actor` (a person or a system actor; None is the schedule).

    The caller checks the role for what the job does (this only records it) and enqueues the task on commit.
    """
    if month is not None:
        check_month(month)
    return JobRun.objects.create(
        task=task, organisation=organisation, year=year, month=month, arguments=dict(arguments or {}),
        requested_by=person(actor), queued_at=timezone.now(),
    )


@transaction.atomic
def job_run_start(*, job_run_id: int, celery_task_id: str = "") -> JobRun | None:
    """The worker begins (or, after a retry or redelivery, begins again) a run: attempts += 1.

    Returns None for a run that is already finished, so a redelivered task does its work exactly once.
    """
    run = JobRun.objects.select_for_update().filter(pk=job_run_id).first()
    if run is None or run.status == JobStatus.FINISHED:
        return None
    run.status = JobStatus.STARTED
    run.attempts += 1
    run.started_at = timezone.now()
    run.failure_reason = ""
    if celery_task_id:
        run.celery_task_id = celery_task_id[:255]
    run.save(update_fields=["status", "attempts", "started_at", "failure_reason", "celery_task_id"])
    return run


@transaction.atomic
def job_run_finish(*, job_run: JobRun, summary: str) -> JobRun:
    """The run did its work; `summary` is what the administrator reads ("Issue 2 of M10 2018/19")."""
    job_run.status = JobStatus.FINISHED
    job_run.finished_at = timezone.now()
    job_run.result_summary = summary[:500]
    job_run.failure_reason = ""
    job_run.save(update_fields=["status", "finished_at", "result_summary", "failure_reason"])
    return job_run


@transaction.atomic
def job_run_fail(*, job_run: JobRun, reason: str) -> JobRun:
    """The run gave up (its last attempt failed): the reason is kept, in words, for the administrator."""
    job_run.status = JobStatus.FAILED
    job_run.finished_at = timezone.now()
    job_run.failure_reason = reason or "The job failed without saying why."
    job_run.save(update_fields=["status", "finished_at", "failure_reason"])
    return job_run
