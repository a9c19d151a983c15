"""Celery tasks: take ids, load, call a service. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from schemes.models import Scheme


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=300, max_retries=5, acks_late=True
)
def recompute_scheme_figures(scheme_ids: list[int]) -> int:
    """Recompute the risk-adjusted figures of these schemes; returns how many were recomputed."""
    from schemes.services import scheme_recompute

    done = 0
    for scheme_id in Scheme.objects.filter(pk__in=scheme_ids).values_list("pk", flat=True):
        scheme_recompute(scheme_id=scheme_id)
        done += 1
    return done
