"""Storing a produced board pack: written once, by the job that built it (dashboards.tasks.produce_board_pack)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finance.models import BoardPack
from governance.models import FinancialYear, JobRun, Organisation
from governance.permissions import Action, require

if TYPE_CHECKING:
    from governance.permissions import Actor


@transaction.atomic
def board_pack_store(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, month: int, content: bytes,
    file_name: str, job_run: JobRun | None = None, report_issue: int | None = None,
) -> BoardPack:
    """Keep a produced pack. A retried job (the same `job_run`) that stored its pack already gets that pack back.

    `actor` is None for the task (the role was checked when the run was queued); who asked is the run's.
    """
    if actor is not None:
        require(actor, Action.PRODUCE_BOARD_PACK, organisation)
    if not 1 <= month <= 12:
        raise ValidationError({"month": [f"Choose a month from M1 (April) to M12 (March), not {month}."]})
    if not content:
        raise ValidationError("The board pack is empty: nothing was stored.")
    if job_run is not None:
        done = BoardPack.objects.filter(job_run_id=job_run.pk).first()
        if done is not None:
            return done
    person = actor if actor is not None else (job_run.requested_by if job_run is not None else None)
    return BoardPack.objects.create(
        organisation=organisation, year=year, month=month, job_run_id=None if job_run is None else job_run.pk,
        report_issue=report_issue, file_name=file_name[:200], content=content, size=len(content),
        produced_at=timezone.now(), produced_by=person if getattr(person, "is_active", False) else None,
    )
