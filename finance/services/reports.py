"""The month-end variance report: produce a month's snapshot from the budget and the schemes.

Set-based (issue 11): a batch of organisation-months is read in a fixed number of queries whatever its size, each
report computed with the pure functions of finance.calculations over plain values, and the batch written with one
bulk insert a table. One organisation's report is a batch of one, so the page's reissue and the schedule's sweep
over every organisation share this code. A batch is one transaction: every report in it is issued whole or not
at all.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.signals import post_save
from django.utils import timezone

from finance.models import (
    VarianceReport,
    VarianceReportLine,
    VarianceReportSaving,
    VarianceReportScheme,
)
from finance.selectors.budgets import budget_table_of
from finance.services.report_rows import (
    budget_rows,
    report_inputs,
    savings_rows,
    scheme_snapshot_rows,
)
from governance.models import FinancialYear, Organisation
from governance.permissions import Action, require

if TYPE_CHECKING:
    from governance.permissions import Actor

# Organisation-months a batch (one transaction, one task of the sweep) takes: about 1,500 schemes' snapshot rows
# at 60 schemes an organisation, so memory stays flat however many organisations there are.
MONTH_END_REPORT_BATCH = 25


@dataclass(frozen=True)
class ReportRequest:
    """One organisation-month to report on; `job_run` (anything with a `pk`) makes a retry return its report."""

    organisation: Organisation
    year: FinancialYear
    month: int
    job_run: Any = None


def _pause_for_tests() -> None:
    """Integration tests kill a worker here, mid-report, to prove the snapshot is all or nothing (0 = no pause)."""
    seconds = float(getattr(settings, "MONTH_END_REPORT_TEST_PAUSE", 0) or 0)
    if seconds > 0:
        time.sleep(seconds)


def _nothing_to_report(request: ReportRequest) -> ValidationError:
    return ValidationError(f"{request.organisation.name} has no budget lines and no schemes for {request.year}: "
                           "there is nothing to report yet.")


@dataclass(frozen=True)
class _Built:
    """One report computed, not yet written."""

    request: ReportRequest
    lines: int
    budget: list[dict[str, Any]]
    savings: list[dict[str, Any]]
    schemes_read: int
    schemes: list[dict[str, Any]]

    @property
    def month_key(self) -> tuple[int, int, int]:
        return self.request.organisation.pk, self.request.year.pk, self.request.month


@transaction.atomic
def month_end_reports_produce(
    *, actor: Actor | None, requests: Sequence[ReportRequest],
) -> list[VarianceReport | ValidationError]:
    """Issue the variance report of each organisation-month in `requests`, as issue n+1 of its month, with the
    budget table, the scheme savings, every scheme's figures, ratings and months and the savings target, so the
    month's board pack reads them. Returns, in the order asked, each report, or why none was issued (nothing
    to report: no budget lines and no schemes).

    One transaction, and a fixed number of queries whatever the number of requests (keep batches bounded: the
    sweep's tasks take MONTH_END_REPORT_BATCH each). A failure part-way leaves no snapshot and every previous
    issue current. A retried job (a request with the same `job_run`) that already produced its report gets
    that report, never a second issue.
    """
    for request in requests:
        if actor is not None:
            require(actor, Action.KEEP_BUDGETS, request.organisation)
        if not 1 <= request.month <= 12:
            raise ValidationError({"month": [f"Choose a month from M1 (April) to M12 (March), not {request.month}."]})
    run_ids = [request.job_run.pk for request in requests if request.job_run is not None]
    done = {report.job_run_id: report for report in VarianceReport.objects.filter(job_run_id__in=run_ids)
            } if run_ids else {}
    todo = [request for request in requests if request.job_run is None or request.job_run.pk not in done]
    produced = _produce(actor, todo) if todo else {}
    return [done[request.job_run.pk] if request.job_run is not None and request.job_run.pk in done
            else produced[id(request)] for request in requests]


def _produce(actor: Actor | None, todo: list[ReportRequest]) -> dict[int, VarianceReport | ValidationError]:
    """Read, compute and write the reports of `todo`; each outcome by id() of its request."""
    organisation_ids = {request.organisation.pk for request in todo}
    # Lock the organisations' rows, in id order so concurrent batches take them in turn without deadlocking:
    # two issues of the same month never get the same number (it is max + 1).
    list(Organisation.objects.select_for_update().filter(pk__in=organisation_ids).order_by("pk")
         .values_list("pk", flat=True))
    inputs = report_inputs(organisation_ids, {request.year.pk for request in todo},
                     {(request.organisation.pk, request.year.pk) for request in todo})
    outcomes: dict[int, VarianceReport | ValidationError] = {}
    built: list[_Built] = []
    for request in todo:
        key = (request.organisation.pk, request.year.pk)
        lines = inputs.lines.get(key, [])
        schemes = inputs.schemes.get(key, [])
        budget = budget_rows(budget_table_of(lines, request.organisation, request.year, request.month))
        savings, schemes_read = savings_rows(schemes, inputs, request.month)
        if not budget and not savings:
            outcomes[id(request)] = _nothing_to_report(request)
            continue
        built.append(_Built(request=request, lines=len(lines), budget=budget, savings=savings,
                            schemes_read=schemes_read, schemes=schemes))
    if not built:
        return outcomes
    # One flat OR of the months (combining Q objects pairwise copies the tree each time: quadratic).
    issues = VarianceReport.objects.filter(Q(*(
        Q(organisation_id=organisation, year_id=year, month=month)
        for organisation, year, month in {item.month_key for item in built}), _connector=Q.OR))
    last = {(row["organisation_id"], row["year_id"], row["month"]): row["last"]
            for row in issues.order_by().values("organisation_id", "year_id", "month").annotate(last=Max("issue"))}
    issues.filter(is_current=True).update(is_current=False)
    produced_at = timezone.now()
    produced_by = actor if getattr(actor, "is_active", False) else None
    current = {item.month_key: position for position, item in enumerate(built)}  # the same month twice: the later
    reports = []
    for position, item in enumerate(built):
        last[item.month_key] = (last.get(item.month_key) or 0) + 1
        request = item.request
        reports.append(VarianceReport(
            organisation=request.organisation, year=request.year, month=request.month, issue=last[item.month_key],
            is_current=current[item.month_key] == position, produced_at=produced_at, produced_by=produced_by,
            job_run_id=None if request.job_run is None else request.job_run.pk, budget_lines_read=item.lines,
            schemes_read=item.schemes_read, schemes_stored=True,
            savings_target=inputs.targets.get((request.organisation.pk, request.year.pk))))
    VarianceReport.objects.bulk_create(reports)
    for report in reports:  # bulk_create sends no signals: each issue is audited as .create() would (ADR 0006)
        post_save.send(sender=VarianceReport, instance=report, created=True, raw=False, using=report._state.db,
                       update_fields=None)
    VarianceReportLine.objects.bulk_create(
        VarianceReportLine(report=report, position=position, **row)
        for report, item in zip(reports, built, strict=True) for position, row in enumerate(item.budget, 1))
    _pause_for_tests()
    VarianceReportSaving.objects.bulk_create(
        VarianceReportSaving(report=report, position=position, **row)
        for report, item in zip(reports, built, strict=True) for position, row in enumerate(item.savings, 1))
    VarianceReportScheme.objects.bulk_create(
        VarianceReportScheme(report=report, position=position, **row)
        for report, item in zip(reports, built, strict=True)
        for position, row in enumerate(scheme_snapshot_rows(item.schemes, inputs), 1))
    for report, item in zip(reports, built, strict=True):
        outcomes[id(item.request)] = report
    return outcomes


@transaction.atomic
def month_end_report_produce(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, month: int,
    job_run: Any = None,
) -> VarianceReport:
    """Issue one organisation's month's variance report (a batch of one: see month_end_reports_produce).

    One transaction: a failure part-way leaves no snapshot and the previous issue current. A retried job
    (the same `job_run`) that already produced its report returns that report, never a second issue.
    """
    [outcome] = month_end_reports_produce(actor=actor, requests=[ReportRequest(organisation, year, month, job_run)])
    if isinstance(outcome, ValidationError):
        raise outcome
    return outcome
