"""Celery tasks: take ids, load, call a service. Safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError

from governance.models import JobRun
from governance.tasks import RECORDED_JOB, run_recorded_job
from schemes.recompute import organisation_recompute, portfolio_recompute, schemes_recompute


@shared_task(
    # DjangoTask is what Celery makes every task of a Django project: named here so delay_on_commit is typed.
    base=DjangoTask,
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5, acks_late=True,
)
def recompute_scheme_figures(scheme_ids: list[int]) -> int:
    """Recompute the risk-adjusted figures of these schemes; returns how many were recomputed."""
    # Schemes deleted since the task was queued are simply skipped.
    return len(schemes_recompute(scheme_ids=scheme_ids))


@shared_task(
    base=DjangoTask,
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5, acks_late=True,
)
def recompute_organisation_figures(organisation_id: int) -> int:
    """Recompute every scheme of one organisation (its RAG factors changed); returns how many were read."""
    return organisation_recompute(organisation_id=organisation_id).schemes


@shared_task(**RECORDED_JOB)
def recompute_portfolio(self: Any, job_run_id: int) -> str | None:
    """The nightly recompute of every organisation, an organisation-year at a time; returns its summary."""

    def work(run: JobRun) -> str:
        done = portfolio_recompute()
        return f"{done.schemes} schemes recomputed in {done.batches} organisation-years"

    return run_recorded_job(self, job_run_id, work)


@shared_task(base=DjangoTask, acks_late=True)
def queue_nightly_recompute() -> int:
    """What beat sends each night: record the run and queue it (the run is what administrators see)."""
    from schemes.services.jobs import portfolio_recompute_queue

    return portfolio_recompute_queue(actor=None).pk
