"""Checking a read ledger against the saved budget lines (the preview), and importing it in one transaction.

A line of the file is the budget line of the same name (ignoring case and spacing) in the organisation and
year; one not seen before is created. Only the months the file gives are set: a saved month the file leaves
out is kept as it is (and the preview says so). Re-importing the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch

from finance.importers.reading import LedgerRow, ParsedLedger, read_ledger
from finance.models import BudgetLine, BudgetMonth
from finance.services import budget_line_record, budget_month_record
from governance.audit import audited_as
from governance.models import AuditSource, FinancialYear, ImportChange, ImportKind, ImportRecord, Organisation
from governance.permissions import Action, require
from governance.services import ImportTouch, import_record
from schemes.importers import Problem, WorkbookInvalid

if TYPE_CHECKING:
    from governance.permissions import Actor

FIGURES = ("plan", "actual", "forecast")


def _pence(amount: Decimal | None) -> str:
    """An amount as the ledger holds it, to the penny (a preview must show a one-penny change)."""
    if amount is None:
        return "not yet known"
    text = f"£{abs(amount):,.2f}"
    return f"({text})" if amount < 0 else text


@dataclass(frozen=True)
class FigureChange:
    month: int
    figure: str  # plan, actual or forecast
    old: Decimal | None
    new: Decimal | None

    def __str__(self) -> str:
        return f"M{self.month} {self.figure} {_pence(self.old)} → {_pence(self.new)}"


@dataclass
class LinePlan:
    """What importing does to one budget line: create it, update some of its months, or leave it unchanged."""

    name: str
    change: str  # an ImportChange
    rows: list[LedgerRow]
    changes: list[FigureChange] = field(default_factory=list)
    new_months: list[int] = field(default_factory=list)  # months of an existing line the file adds
    kept_months: list[int] = field(default_factory=list)  # saved months the file does not give
    line: BudgetLine | None = None

    @property
    def months_text(self) -> str:
        return _month_ranges([row.month for row in self.rows])


def _month_ranges(months: list[int]) -> str:
    """[1, 2, 3, 5] -> "M1–M3, M5"."""
    runs: list[list[int]] = []
    for month in sorted(months):
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(f"M{run[0]}" if len(run) == 1 else f"M{run[0]}–M{run[-1]}" for run in runs)


@dataclass
class LedgerPlan:
    """The preview of an import (and, after it, what it did), line by line in the file's order."""

    organisation: Organisation
    year_name: str
    sheet: str
    file_name: str
    checksum: str
    lines: list[LinePlan] = field(default_factory=list)
    record: ImportRecord | None = None  # once imported: the import's record

    def _of(self, change: str) -> list[LinePlan]:
        return [line for line in self.lines if line.change == change]

    @property
    def created(self) -> list[LinePlan]:
        return self._of(ImportChange.CREATED)

    @property
    def updated(self) -> list[LinePlan]:
        return self._of(ImportChange.UPDATED)

    @property
    def unchanged(self) -> list[LinePlan]:
        return self._of(ImportChange.UNCHANGED)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    @property
    def row_count(self) -> int:
        return sum(len(line.rows) for line in self.lines)

    @property
    def warnings(self) -> list[str]:
        return [f"{line.name}: {_month_ranges(line.kept_months)} saved but not in the file, kept as saved"
                for line in self.lines if line.kept_months]

    def details(self, line: LinePlan) -> list[str]:
        """What importing does to `line`, in words: the page lists them, the command prints them joined."""
        if line.change == ImportChange.CREATED:
            return [f"not seen before in {self.organisation.ods_code} {self.year_name}, will be created "
                    f"({line.months_text})"]
        if line.change == ImportChange.UNCHANGED:
            return [f"unchanged ({line.months_text})"]
        return [*(str(change) for change in line.changes), *(f"M{month} added" for month in line.new_months)]

    def describe(self, line: LinePlan) -> str:
        return "; ".join(self.details(line))


def _parse(actor: Actor | None, organisation: Organisation, year_name: str, source: str | Path | IO[bytes],
           name: str | None) -> tuple[int, ParsedLedger]:
    if actor is not None:
        require(actor, Action.KEEP_BUDGETS, organisation)
    try:
        start_year = FinancialYear.start_year_from_name(year_name)
    except ValidationError as error:
        raise WorkbookInvalid(list(error.messages)) from None
    parsed = read_ledger(source, start_year=start_year, name=name)
    if parsed.problems:
        raise WorkbookInvalid(parsed.problems)
    return start_year, parsed


def _saved_lines(organisation: Organisation, year: FinancialYear | None, *, lock: bool) -> dict[str, BudgetLine]:
    """The year's saved lines by name ignoring case and spacing, with their months (two queries)."""
    if year is None:
        return {}
    lines = BudgetLine.objects.filter(organisation=organisation, year=year).prefetch_related(
        Prefetch("months", queryset=BudgetMonth.objects.order_by("month"), to_attr="saved_months"))
    if lock:
        lines = lines.select_for_update()
    return {_key(line.name): line for line in lines}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _plan(parsed: ParsedLedger, organisation: Organisation, year_name: str,
          saved: dict[str, BudgetLine]) -> LedgerPlan:
    plan = LedgerPlan(organisation=organisation, year_name=year_name, sheet=parsed.sheet,
                      file_name=parsed.file_name, checksum=parsed.checksum)
    by_line: dict[str, LinePlan] = {}
    for row in parsed.rows:
        key = _key(row.line)
        if key not in by_line:
            line = saved.get(key)
            by_line[key] = LinePlan(name=line.name if line else row.line, line=line, rows=[],
                                    change=ImportChange.UNCHANGED if line else ImportChange.CREATED)
            plan.lines.append(by_line[key])
        by_line[key].rows.append(row)
    for line_plan in plan.lines:
        if line_plan.line is None:
            continue
        months = {m.month: m for m in getattr(line_plan.line, "saved_months", [])}
        for row in sorted(line_plan.rows, key=lambda r: r.month):
            month = months.get(row.month)
            if month is None:
                line_plan.new_months.append(row.month)
                continue
            for figure in FIGURES:
                old, new = getattr(month, figure), getattr(row, figure)
                if old != new:
                    line_plan.changes.append(FigureChange(row.month, figure, old, new))
        given = {row.month for row in line_plan.rows}
        line_plan.kept_months = sorted(set(months) - given)
        if line_plan.changes or line_plan.new_months:
            line_plan.change = ImportChange.UPDATED
    return plan


def ledger_check(
    *, actor: Actor | None, organisation: Organisation, year_name: str, source: str | Path | IO[bytes],
    name: str | None = None,
) -> LedgerPlan:
    """What importing the ledger would do, line by line, saving nothing (no transaction, no lock).

    Raises WorkbookInvalid listing every problem by sheet, row and column.
    """
    start_year, parsed = _parse(actor, organisation, year_name, source, name)
    year = FinancialYear.objects.filter(start_year=start_year).first()
    return _plan(parsed, organisation, year_name, _saved_lines(organisation, year, lock=False))


def ledger_import(
    *, actor: Actor | None, organisation: Organisation, year_name: str, source: str | Path | IO[bytes],
    name: str | None = None,
) -> LedgerPlan:
    """Import the whole ledger or nothing, through the budget services, and keep a record of the import.

    The file is read and checked before the transaction opens; inside it, the lines are locked and compared
    again, so what is written is the file against what is saved at that moment.
    """
    start_year, parsed = _parse(actor, organisation, year_name, source, name)
    try:
        return _write(actor, organisation, year_name, start_year, parsed)
    except IntegrityError:
        # Two imports creating the same new line at once: the later one is refused whole, not half-saved.
        raise WorkbookInvalid([
            f"Budget lines of {organisation.name} {year_name} were saved by someone else while this file was being "
            "imported. Nothing has been saved from it: check the file again to see what importing it will do now."
        ]) from None


def _write(actor: Actor | None, organisation: Organisation, year_name: str, start_year: int,
           parsed: ParsedLedger) -> LedgerPlan:
    with audited_as(AuditSource.IMPORT, actor=actor), transaction.atomic():
        year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
        plan = _plan(parsed, organisation, year_name, _saved_lines(organisation, year, lock=True))
        position = BudgetLine.objects.filter(organisation=organisation, year=year).aggregate(
            last=Max("position"))["last"] or 0
        touched: list[ImportTouch] = []
        for line_plan in plan.lines:
            at = line_plan.rows[0]  # the row a refusal names
            try:
                if line_plan.line is None:
                    position += 1  # new lines follow the saved ones, in the file's order
                    line_plan.line = budget_line_record(actor=actor, organisation=organisation, year=year,
                                                        name=line_plan.name, position=position)
                if line_plan.change != ImportChange.UNCHANGED:
                    for row in line_plan.rows:
                        at = row
                        budget_month_record(actor=actor, line=line_plan.line, month=row.month, plan=row.plan,
                                            actual=row.actual, forecast=row.forecast)
            except ValidationError as error:
                # The reading checks what the services check, except closed months (the service's lock decides
                # those); either way nothing is kept.
                raise WorkbookInvalid([Problem(parsed.sheet, at.row, "",
                                               "; ".join(error.messages))]) from None
            touched.append(ImportTouch(line_plan.line, line_plan.change, line_plan.line.get_absolute_url()))
        # In the import's transaction: an import that fails leaves no record of success.
        plan.record = import_record(
            actor=actor, kind=ImportKind.LEDGER, organisation=organisation, year=year, file_name=parsed.file_name,
            checksum=parsed.checksum, sheet=parsed.sheet, created=len(plan.created), updated=len(plan.updated),
            unchanged=len(plan.unchanged), warnings=plan.warnings, touched=touched,
        )
    return plan

