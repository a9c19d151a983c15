"""Tasks waiting to be sent to the broker: the transactional outbox (docs/adr/0007-broker-outage.md)."""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    """A Celery task that a committed save asked for and that has not reached the broker yet.

    Written by `governance.services.task_send_on_commit` in the save's own transaction, so the save and the
    work it owes are committed together or not at all; deleted once the task is sent. A row that stays means
    the broker was unreachable when the save committed: `outbox_sweep` (beat, every minute, and the next
    successful send from the same process) sends it when the broker is back. Names the task rather than
    importing it: governance never imports the apps above it (docs/adr/0003).
    """

    task = models.CharField("task", max_length=200)
    # The task's positional arguments (ids): JSON, as Celery sends them.
    arguments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # Failed sends so far, and the broker's last error: what an operator reads while the broker is down.
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.arguments)} (pending since {self.created_at:%Y-%m-%d %H:%M:%S})"
