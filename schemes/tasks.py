"""Celery tasks: take ids, load, call a service. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError

from schemes.recompute import schemes_recompute


@shared_task(
    # DjangoTask is what Celery makes every task of a Django project: named here so delay_on_commit is typed.
    base=DjangoTask,
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5, acks_late=True,
)
def recompute_scheme_figures(scheme_ids: list[int]) -> int:
    """Recompute the risk-adjusted figures of these schemes; returns how many were recomputed."""
    # Schemes deleted since the task was queued are simply skipped.
    return len(schemes_recompute(scheme_ids=scheme_ids))
