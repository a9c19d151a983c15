"""Produced board packs and the runs that produce them, scoped to the reader: any member of the organisation may
read (and download) a pack; producing one is for finance and administrators (Action.PRODUCE_BOARD_PACK)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from finance.models import BoardPack
from governance.models import JobRun

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer

RECENT_RUNS = 24


@dataclass(frozen=True)
class BoardPackRun:
    """A run of the board-pack job and, once it has finished, the pack it stored (without its bytes)."""

    run: JobRun
    pack: BoardPack | None


def _packs_of(runs: list[JobRun]) -> dict[int, BoardPack]:
    packs = BoardPack.objects.filter(job_run_id__in=[r.pk for r in runs]).defer("content")
    return {pack.job_run_id: pack for pack in packs if pack.job_run_id is not None}


def board_pack_runs(user: Viewer, organisation: Organisation, year: FinancialYear, task: str) -> list[BoardPackRun]:
    """The year's latest runs of `task` (the board-pack job), newest first, each with its pack (two queries)."""
    runs = list(JobRun.objects.for_user(user).filter(task=task, organisation=organisation, year=year)
                .select_related("requested_by").order_by("-queued_at", "-pk")[:RECENT_RUNS])
    packs = _packs_of(runs)
    return [BoardPackRun(run=run, pack=packs.get(run.pk)) for run in runs]


def board_pack_run(user: Viewer, pk: int, task: str) -> BoardPackRun | None:
    """One run of the board-pack job the user may see, with its pack (None: no such run for this user)."""
    run = (JobRun.objects.for_user(user).filter(pk=pk, task=task)
           .select_related("organisation", "year", "requested_by").first())
    if run is None:
        return None
    return BoardPackRun(run=run, pack=_packs_of([run]).get(run.pk))


def board_pack_download(user: Viewer, pk: int) -> BoardPack | None:
    """A produced pack with its bytes, if the user belongs to its organisation."""
    return BoardPack.objects.for_user(user).select_related("organisation", "year").filter(pk=pk).first()


def board_pack_for_run(job_run_id: int) -> BoardPack | None:
    """The pack a run stored, for the task's retry (a task reads unscoped: it acts for the run's requester)."""
    return BoardPack.objects.filter(job_run_id=job_run_id).defer("content").first()
