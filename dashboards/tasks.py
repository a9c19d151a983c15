"""Celery tasks of the dashboards: take ids, load, call a service. Safe to run twice (docs: governance/tasks.py)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from dashboards.services import board_pack_produce
from governance.models import JobRun
from governance.tasks import RECORDED_JOB, run_recorded_job


@shared_task(**RECORDED_JOB)
def produce_board_pack(self: Any, job_run_id: int) -> str | None:
    """Produce and store the run's board pack; returns its summary (None if the run was already finished)."""

    def work(run: JobRun) -> str:
        pack = board_pack_produce(job_run=run)
        source = f"month-end report issue {pack.report_issue}" if pack.report_issue else "today's figures"
        return f"{pack.file_name} ({pack.size:,} bytes, from {source})"

    return run_recorded_job(self, job_run_id, work)
