"""The month-end variance report: produce a month's snapshot from the budget and the schemes.

Set-based (issue 11): a batch of organisation-months is read in a fixed number of queries whatever its size, each
report computed with the pure functions of finance.calculations over plain values, and the batch written with one
bulk insert a table. One organisation's report is a batch of one, so the page's reissue and the schedule's sweep
over every organisation share this code. A batch is one transaction: every report in it is issued whole or not
at all.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, Q
from django.db.models.signals import post_save
from django.utils import timezone

from finance import calculations
from finance.calculations import BudgetMonthFigures, BudgetRow
from finance.models import (
    BudgetLine,
    BudgetMonth,
    FinancialPlan,
    ReportRowKind,
    VarianceReport,
    VarianceReportLine,
    VarianceReportSaving,
    VarianceReportScheme,
)
from finance.selectors.budgets import BudgetTable, budget_table_of
from governance.formatting import format_month
from governance.models import FinancialYear, Organisation
from governance.permissions import Action, require
from schemes.models import FigureOverride, Scheme, SchemeMonth, SchemeRating

if TYPE_CHECKING:
    from governance.permissions import Actor

ROW_FIGURES = ("ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct", "forecast_plan", "forecast_actual",
               "forecast_variance", "forecast_variance_pct")
SCHEME_FIGURES = ("gross_saving", "full_year_effect", "plan_in_year", "next_year_effect", "most_likely",
                  "director_value", "director_next_year")
RATING_DIMENSIONS = ("value", "resources", "timescales", "codependencies", "overall")
PENNY = Decimal("0.01")
NIL_PLAN = BudgetMonthFigures(plan=Decimal("0"))
UNRECORDED_MONTH = {"plan": "0.00", "actual": None, "forecast": None}
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


def _figures(row: BudgetRow) -> dict[str, Decimal | None]:
    return {name: getattr(row, name) for name in ROW_FIGURES}


def _budget_rows(table: BudgetTable) -> list[dict[str, Any]]:
    """The budget table flattened in the paper's order: allocation, each section's lines and subtotal, totals."""
    rows: list[dict[str, Any]] = []
    for item in table.allocation:
        rows.append({"kind": ReportRowKind.ALLOCATION, "name": item.line.name, "section": "",
                     "commentary": item.line.commentary, **_figures(item.row)})
    for section in table.sections:
        for item in section.lines:
            rows.append({"kind": ReportRowKind.LINE, "name": item.line.name, "section": section.name,
                         "commentary": item.line.commentary, **_figures(item.row)})
        if section.subtotal is not None:
            rows.append({"kind": ReportRowKind.SUBTOTAL, "name": f"Total {section.name}", "section": section.name,
                         "commentary": "", **_figures(section.subtotal)})
    if table.sections:
        rows.append({"kind": ReportRowKind.TOTAL, "name": "Total Expenditure", "section": "", "commentary": "",
                     **_figures(table.expenditure)})
    if table.surplus is not None:
        rows.append({"kind": ReportRowKind.SURPLUS, "name": "In year surplus / (deficit)", "section": "",
                     "commentary": "", **_figures(table.surplus)})
    return rows


# What the report copies of each scheme, read as plain values (no model instances: a batch holds thousands).
SCHEME_VALUES = ("pk", "organisation_id", "year_id", "reference", "programme__name", "name", "phase", "go_live",
                 "months_in_year", "delivery_change_months", *SCHEME_FIGURES)


@dataclass
class _Inputs:
    """What a batch reads, by (organisation id, year id): a few queries for any number of organisations."""

    lines: dict[tuple[int, int], list[BudgetLine]]
    schemes: dict[tuple[int, int], list[dict[str, Any]]]  # in the report's order: programme name, reference
    months: dict[int, dict[int, tuple[Decimal, Decimal | None, Decimal | None]]]  # scheme -> month -> figures
    ratings: dict[int, dict[str, str]]  # scheme -> its latest rating's dimensions
    overrides: dict[int, dict[str, str]]  # scheme -> figure -> reason, for the overrides in force
    targets: dict[tuple[int, int], Decimal]


def _inputs(organisation_ids: set[int], year_ids: set[int], wanted: set[tuple[int, int]]) -> _Inputs:
    """Read the batch's budget lines (with months), schemes, scheme months, ratings, overrides and plans.

    Filtered by organisation and year (an index on both everywhere); a batch mixing years reads a few pairs it
    does not need, which are dropped here. The schemes' rows are read by their ids, not through a join: the
    index on scheme_id finds them whatever the planner estimates for the join (at national size, with stale
    statistics, it chose a parallel scan of every scheme month, 0.2-0.3 s a query).
    """
    of = {"organisation_id__in": organisation_ids, "year_id__in": year_ids}
    lines: dict[tuple[int, int], list[BudgetLine]] = defaultdict(list)
    for line in (BudgetLine.objects.filter(**of)
                 .prefetch_related(Prefetch("months", queryset=BudgetMonth.objects.order_by("month")))
                 .order_by("position", "id")):
        lines[(line.organisation_id, line.year_id)].append(line)
    schemes: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for scheme in Scheme.objects.filter(**of).order_by("programme__name", "reference").values(*SCHEME_VALUES):
        key = (scheme["organisation_id"], scheme["year_id"])
        if key in wanted:
            schemes[key].append(scheme)
    of_scheme = {"scheme_id__in": [scheme["pk"] for rows in schemes.values() for scheme in rows]}
    months: dict[int, dict[int, tuple[Decimal, Decimal | None, Decimal | None]]] = defaultdict(dict)
    for scheme_id, number, plan, actual, forecast in SchemeMonth.objects.filter(**of_scheme).order_by().values_list(
            "scheme_id", "month", "plan", "actual", "forecast"):
        months[scheme_id][number] = (plan, actual, forecast)
    # Each scheme's latest rating: newest sitting first, as schemes.selectors.latest_ratings.
    ratings: dict[int, dict[str, str]] = {}
    for rating in SchemeRating.objects.filter(**of_scheme).order_by("scheme_id", "-sitting__held_on", "-id").values(
            "scheme_id", *RATING_DIMENSIONS):
        ratings.setdefault(rating["scheme_id"], rating)
    overrides: dict[int, dict[str, str]] = defaultdict(dict)
    for scheme_id, figure, reason in FigureOverride.objects.filter(**of_scheme, cleared_at__isnull=True).values_list(
            "scheme_id", "figure", "reason"):
        overrides[scheme_id][figure] = reason
    targets: dict[tuple[int, int], Decimal] = {}
    for financial_plan in FinancialPlan.objects.filter(**of).order_by("pk"):  # one a year (a constraint)
        targets[(financial_plan.organisation_id, financial_plan.year_id)] = calculations.plan_position(
            financial_plan.allocation, financial_plan.planned_expenditure, financial_plan.planned_qipp
        ).qipp_commitment
    return _Inputs(lines=lines, schemes=schemes, months=months, ratings=ratings, overrides=overrides,
                   targets=targets)


def _savings_rows(schemes: list[dict[str, Any]], months: _Inputs, month: int) -> tuple[list[dict[str, Any]], int]:
    """Scheme savings by programme (and the total) as at the month, from the schemes' stored months (a scheme
    with no month stored is not counted)."""
    rows_by_programme: dict[str, list[BudgetRow]] = defaultdict(list)
    for scheme in schemes:
        figures = months.months.get(scheme["pk"])
        if not figures:
            continue
        twelve = [NIL_PLAN if (stored := figures.get(n)) is None else
                  BudgetMonthFigures(plan=stored[0], actual=stored[1], forecast=stored[2]) for n in range(1, 13)]
        rows_by_programme[scheme["programme__name"]].append(calculations.savings_row(twelve, month))
    rows = [{"programme": name, "is_total": False, "schemes": len(scheme_rows),
             **_figures(calculations.savings_rows_total(scheme_rows))}
            for name, scheme_rows in sorted(rows_by_programme.items())]
    every = [row for scheme_rows in rows_by_programme.values() for row in scheme_rows]
    if rows:
        rows.append({"programme": "Total", "is_total": True, "schemes": len(every),
                     **_figures(calculations.savings_rows_total(every))})
    return rows, len(every)


def _penny_text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(PENNY))


def _scheme_rows(schemes: list[dict[str, Any]], inputs: _Inputs) -> list[dict[str, Any]]:
    """Every scheme as it stands, for the board pack of this month: figures, reasons for overrides, latest
    ratings and twelve months (pounds as decimal strings, never floats)."""
    rows = []
    for scheme in schemes:
        rating = inputs.ratings.get(scheme["pk"])
        stored = inputs.months.get(scheme["pk"], {})
        twelve = []
        for n in range(1, 13):
            figures = stored.get(n)
            twelve.append(UNRECORDED_MONTH.copy() if figures is None else {
                "plan": _penny_text(figures[0]), "actual": _penny_text(figures[1]),
                "forecast": _penny_text(figures[2])})
        rows.append({
            "reference": scheme["reference"], "programme": scheme["programme__name"], "name": scheme["name"],
            "phase": scheme["phase"], "go_live": format_month(scheme["go_live"]) if scheme["go_live"] else "",
            "months_in_year": scheme["months_in_year"], "delivery_change_months": scheme["delivery_change_months"],
            **{name: scheme[name] for name in SCHEME_FIGURES},
            **{f"{d}_rag": (rating[d] if rating else "") for d in RATING_DIMENSIONS},
            "overrides": inputs.overrides.get(scheme["pk"], {}),
            "months": twelve,
        })
    return rows


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
    inputs = _inputs(organisation_ids, {request.year.pk for request in todo},
                     {(request.organisation.pk, request.year.pk) for request in todo})
    outcomes: dict[int, VarianceReport | ValidationError] = {}
    built: list[_Built] = []
    for request in todo:
        key = (request.organisation.pk, request.year.pk)
        lines = inputs.lines.get(key, [])
        schemes = inputs.schemes.get(key, [])
        budget = _budget_rows(budget_table_of(lines, request.organisation, request.year, request.month))
        savings, schemes_read = _savings_rows(schemes, inputs, request.month)
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
        for position, row in enumerate(_scheme_rows(item.schemes, inputs), 1))
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
