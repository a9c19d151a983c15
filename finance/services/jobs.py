"""Queueing finance's background jobs: the run is recorded first, the task sent once that is committed."""

from __future__ import annotations

from django.db import transaction

from governance.models import FinancialYear, JobRun, Organisation
from governance.permissions import Action, Actor, require
from governance.services import job_run_queue

MONTH_END_REPORT_TASK = "finance.tasks.produce_month_end_report"


@transaction.atomic
def month_end_report_queue(*, actor: Actor | None, organisation: Organisation, year: FinancialYear,
                           month: int) -> JobRun:
    """Ask for the month's variance report to be produced in the background; returns its run."""
    if actor is not None:
        require(actor, Action.KEEP_BUDGETS, organisation)
    run = job_run_queue(actor=actor, task=MONTH_END_REPORT_TASK, organisation=organisation, year=year, month=month)
    # Imported here: tasks import services, so the task module is loaded only when a run is sent.
    from finance.tasks import produce_month_end_report

    # On commit, so the worker never looks for a run that is not saved yet (or was rolled back).
    transaction.on_commit(lambda: produce_month_end_report.delay(run.pk))
    return run
