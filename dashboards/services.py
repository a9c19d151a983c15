"""The board pack's background job: queued for finance, produced by the worker, stored by finance.

The dashboards own no data: the run is governance's (`job_run_*`), the stored pack finance's (`board_pack_store`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dashboards.exports import board_pack, pack_inputs
from dashboards.exports.reading import shell_reader
from finance.models import BoardPack
from finance.selectors import board_pack_for_run
from finance.services import board_pack_store
from governance.fields import NOTE_LENGTH
from governance.models import FinancialYear, JobRun, Organisation
from governance.permissions import Action, Actor, require
from governance.services import job_run_queue, task_send_on_commit

BOARD_PACK_TASK = "dashboards.tasks.produce_board_pack"


@transaction.atomic
def board_pack_queue(*, actor: Actor, organisation: Organisation, year: FinancialYear, month: int,
                     commentary: str = "") -> JobRun:
    """Ask for the month's board pack to be produced in the background; returns its run (the task is sent once
    the run is committed, so the worker never looks for a run that is not saved yet)."""
    require(actor, Action.PRODUCE_BOARD_PACK, organisation)
    if not 1 <= month <= 12:
        raise ValidationError({"month": [f"Choose a month from M1 (April) to M12 (March), not {month}."]})
    commentary = (commentary or "").strip()
    if len(commentary) > NOTE_LENGTH:
        raise ValidationError({"commentary": [f"The commentary must be {NOTE_LENGTH:,} characters or fewer."]})
    run = job_run_queue(actor=actor, task=BOARD_PACK_TASK, organisation=organisation, year=year, month=month,
                        arguments={"commentary": commentary})
    # Imported here: the task module imports these services.
    from dashboards.tasks import produce_board_pack

    # robust: with the embedded default (eager) a failing pack is recorded as failed, the page still answers.
    task_send_on_commit(task=produce_board_pack, args=[run.pk], robust=True)
    return run


def board_pack_produce(*, job_run: JobRun) -> BoardPack:
    """Build the run's pack, read as whoever asked for it (their organisations only), and store it.

    Safe to run twice: a run that already stored its pack gets it back without building another.
    """
    done = board_pack_for_run(job_run.pk)
    if done is not None:
        return done
    assert job_run.organisation is not None and job_run.year is not None and job_run.month is not None
    reader = job_run.requested_by or shell_reader()
    inputs = pack_inputs(reader, job_run.organisation, job_run.year, job_run.month, produced_at=timezone.now(),
                         commentary=str(job_run.arguments.get("commentary", "")))
    content = board_pack(inputs)
    year_name = job_run.year.name.replace("/", "-")  # "2013-14": a file name has no slash
    name = f"QIPP board pack {job_run.organisation.ods_code} {year_name} M{job_run.month}.xlsx"
    return board_pack_store(actor=None, organisation=job_run.organisation, year=job_run.year, month=job_run.month,
                            content=content, file_name=name, job_run=job_run,
                            report_issue=inputs.report.issue if inputs.report is not None else None)
