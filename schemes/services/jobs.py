"""Queueing schemes' recorded background jobs: the run is recorded first, the task sent once that is committed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from governance.models import JobRun
from governance.permissions import Actor, is_system_actor
from governance.services import job_run_queue, task_send_on_commit
from schemes.tasks import recompute_portfolio

PORTFOLIO_RECOMPUTE_TASK = "schemes.tasks.recompute_portfolio"


@transaction.atomic
def portfolio_recompute_queue(*, actor: Actor | None) -> JobRun:
    """Ask for every organisation's figures to be recomputed in the background; returns its run.

    The schedule (actor None) and system actors (management commands) may; a person may not: it spans
    every organisation, which no role in one organisation covers.
    """
    if actor is not None and not is_system_actor(actor):
        raise PermissionDenied("Only the schedule recomputes every organisation's figures.")
    run = job_run_queue(actor=actor, task=PORTFOLIO_RECOMPUTE_TASK)
    # On commit, so the worker never looks for a run that is not saved yet (or was rolled back); through the
    # outbox, so a broker that is down then delays the run rather than losing it (docs/adr/0007).
    task_send_on_commit(task=recompute_portfolio, args=[run.pk])
    return run
