"""Queueing finance's background jobs: the run is recorded first, the task sent once that is committed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.selectors import has_something_to_report, months_due_a_report
from finance.services.reports import MONTH_END_REPORT_BATCH
from governance.models import FinancialYear, JobRun, Organisation
from governance.permissions import Action, Actor, require
from governance.services import job_run_queue, task_send_on_commit

MONTH_END_REPORT_TASK = "finance.tasks.produce_month_end_report"


@transaction.atomic
def month_end_report_queue(*, actor: Actor | None, organisation: Organisation, year: FinancialYear,
                           month: int) -> JobRun:
    """Ask for the month's variance report to be produced in the background; returns its run."""
    if actor is not None:
        require(actor, Action.KEEP_BUDGETS, organisation)
    # Refused now, in words, rather than queued to fail on the worker.
    if not has_something_to_report(organisation, year):
        raise ValidationError(f"{organisation.name} has no budget lines and no schemes for {year}: there is "
                              "nothing to report yet.")
    run = job_run_queue(actor=actor, task=MONTH_END_REPORT_TASK, organisation=organisation, year=year, month=month)
    # Imported here: tasks import services, so the task module is loaded only when a run is sent.
    from finance.tasks import produce_month_end_report

    # On commit, so the worker never looks for a run that is not saved yet (or was rolled back); through the
    # outbox, so a broker that is down then delays the run rather than losing it (docs/adr/0007).
    task_send_on_commit(task=produce_month_end_report, args=[run.pk])
    return run


@transaction.atomic
def month_end_reports_due_queue() -> list[JobRun]:
    """The schedule's sweep: queue the report of every closed month that has none and none on its way.

    A month with nothing to report (no budget lines and no schemes) is left alone rather than failing
    every night. Running the sweep twice queues nothing the second time: a queued or started run counts.
    Each month has its own run; the runs are sent in batches of MONTH_END_REPORT_BATCH, each produced
    set-based in one transaction by one task (issue 11: every organisation's month-end in seconds).
    """
    runs = [job_run_queue(actor=None, task=MONTH_END_REPORT_TASK, organisation=month.organisation, year=month.year,
                          month=month.month)
            for month in months_due_a_report(report_task=MONTH_END_REPORT_TASK)]
    from finance.tasks import produce_month_end_reports

    for start in range(0, len(runs), MONTH_END_REPORT_BATCH):
        task_send_on_commit(task=produce_month_end_reports,
                            args=[[run.pk for run in runs[start:start + MONTH_END_REPORT_BATCH]]])
    return runs
