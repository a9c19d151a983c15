"""Sending Celery tasks through the transactional outbox (docs/adr/0007-broker-outage.md).

A save that owes background work (a recompute, a job run) writes an `OutboxMessage` in its own transaction and
sends the task once that commits. If the broker is down the save still lands: the send fails within the
bounded retry policy (settings: CELERY_BROKER_CONNECTION_TIMEOUT, CELERY_TASK_PUBLISH_RETRY_POLICY), the row
stays, and `outbox_sweep` sends it when the broker is back. A task can so arrive twice (sent, then the row's
delete lost); every task is idempotent, so that does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from governance.models import OutboxMessage

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# Whether a send from this process has failed since its last successful one: the next success sweeps.
_broker_failed = False


@transaction.atomic
def task_send_on_commit(*, task: Task[Any, Any], args: Sequence[Any] = (), robust: bool = False) -> OutboxMessage:
    """Send the Celery `task` with `args` once the current transaction commits; nothing if it rolls back.

    `robust`: an error the task itself raises when it runs eagerly (no broker configured) is logged rather
    than raised, as `transaction.on_commit(..., robust=True)` does.
    """
    message = OutboxMessage.objects.create(task=task.name, arguments=list(args), created_at=timezone.now())
    transaction.on_commit(lambda: outbox_deliver(message=message), robust=robust)
    return message


def _send(message: OutboxMessage) -> None:
    """Publish the message's task (or, with no broker configured, run it now, as Celery's eager mode does)."""
    task = current_app.tasks.get(message.task)
    if task is not None:
        task.apply_async(args=tuple(message.arguments))
    else:  # not imported in this process (a sweep on a web server): sent by name, for a worker that has it
        current_app.send_task(message.task, args=list(message.arguments))


def _record_failure(messages: Sequence[OutboxMessage], error: Exception) -> None:
    global _broker_failed
    _broker_failed = True
    logger.warning("The broker is unreachable; %d task(s) kept in the outbox to send later: %s", len(messages), error)
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:500])


def outbox_deliver(*, message: OutboxMessage) -> bool:
    """Send one committed message now and delete it; True if sent. A broker that is down leaves it for the sweep."""
    global _broker_failed
    try:
        _send(message)
    except BrokerUnavailable as error:
        _record_failure([message], error)
        return False
    except Exception:
        # Not the broker: the task itself failed as it ran eagerly (no broker configured). It was handed over,
        # so it is not kept; the error is the task's, raised as it would have been without the outbox.
        OutboxMessage.objects.filter(pk=message.pk).delete()
        raise
    try:
        OutboxMessage.objects.filter(pk=message.pk).delete()
    except DatabaseError:
        # Sent, but the database went just after the save committed: the sweep sends it again (harmless).
        logger.warning("Sent %s but could not clear it from the outbox", message, exc_info=True)
        return True
    if _broker_failed:
        # The broker is back: send what this process (or any) left behind while it was down.
        _broker_failed = False
        outbox_sweep(older_than=timedelta(0))
    return True


def outbox_sweep(*, older_than: timedelta | None = None) -> int:
    """Send the messages left in the outbox, oldest first; returns how many were sent.

    Only those older than `older_than` (OUTBOX_SWEEP_AFTER_SECONDS by default): a younger one may still be on
    its way from the save that wrote it. What beat runs every minute. Stops at the first broker error (the rest
    wait for the next sweep). Rows another sweep is sending are skipped (PostgreSQL's SKIP LOCKED), so two
    sweeps never send one twice.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    sent: list[int] = []
    with transaction.atomic():
        pending = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                       .filter(created_at__lte=timezone.now() - older_than).order_by("pk")[:SWEEP_BATCH])
        for message in pending:
            try:
                _send(message)
            except BrokerUnavailable as error:
                _record_failure(pending[len(sent):], error)
                break
            sent.append(message.pk)
        OutboxMessage.objects.filter(pk__in=sent).delete()
    if sent:
        logger.info("Sent %d task(s) the outbox had kept while the broker was unreachable", len(sent))
    return len(sent)


def outbox_pending() -> int:
    """How many tasks are waiting for the broker (what /health/ reports)."""
    return OutboxMessage.objects.count()
