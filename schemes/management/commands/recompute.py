from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from governance.models import JobStatus
from governance.services import system_actor
from schemes import services


class Command(BaseCommand):
    help = ("Queue the recompute of every organisation's figures (what the schedule does each night) as a "
            "background job; prints the job run and, when jobs run in-process (no REDIS_URL), what it did.")

    def handle(self, *args: Any, **options: Any) -> None:
        run = services.portfolio_recompute_queue(actor=system_actor("recompute"))
        self.stdout.write(f"Job run {run.pk} queued: recompute of every organisation.")
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            return
        run.refresh_from_db()
        if run.status != JobStatus.FINISHED:
            raise CommandError(f"Job run {run.pk} {run.get_status_display().lower()}: {run.failure_reason}")
        self.stdout.write(run.result_summary)
