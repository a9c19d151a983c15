"""Budget reads: the month-end budget table (lines, section subtotals, totals computed, never stored) and a line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Prefetch, QuerySet

from finance import calculations
from finance.calculations import BudgetMonthFigures, BudgetRow
from finance.models import BudgetLine, BudgetLineKind, BudgetMonth

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer

ZERO = Decimal("0")


@dataclass(frozen=True)
class BudgetTableLine:
    """A line as the table shows it at the month: computed figures, and the paper's where they differ."""

    line: BudgetLine
    row: BudgetRow
    published: BudgetRow | None
    differs: frozenset[str]


@dataclass(frozen=True)
class BudgetSection:
    """Consecutive spend lines of one section (e.g. "Programme Expenditure"), with their subtotal.

    A run of lines with no section has no subtotal (Cambridgeshire's Running Costs).
    """

    name: str
    lines: list[BudgetTableLine]
    subtotal: BudgetRow | None


@dataclass(frozen=True)
class BudgetTable:
    organisation: Organisation
    year: FinancialYear
    month: int
    latest_actual_month: int | None
    allocation: list[BudgetTableLine]
    allocation_total: BudgetRow | None
    sections: list[BudgetSection]
    expenditure: BudgetRow
    surplus: BudgetRow | None
    line_count: int


def budget_lines_for(user: Viewer) -> QuerySet[BudgetLine]:
    """Every budget line the user may read, in paper order, with its months (M1 first): two queries for any number."""
    return (
        BudgetLine.objects.for_user(user).select_related("organisation", "year")
        .prefetch_related(Prefetch("months", queryset=BudgetMonth.objects.order_by("month")))
        .order_by("organisation__name", "year__start_year", "position", "id")
    )


def month_figures(line: BudgetLine) -> list[BudgetMonthFigures]:
    """A line's twelve months (prefetched) as plain figures; a month not yet recorded has a nil plan."""
    by_month = {m.month: m for m in line.months.all()}
    return [
        BudgetMonthFigures(plan=m.plan, actual=m.actual, forecast=m.forecast) if m is not None
        else BudgetMonthFigures(plan=ZERO)
        for m in (by_month.get(n) for n in range(1, 13))
    ]


def latest_actual_month(lines: list[BudgetLine]) -> int | None:
    """The latest month any of the lines has an actual for (the default month of the table)."""
    months = [m.month for line in lines for m in line.months.all() if m.actual is not None]
    return max(months) if months else None


def _table_line(line: BudgetLine, month: int) -> BudgetTableLine:
    row = calculations.budget_row(month_figures(line), month)
    published_values = (line.published_ytd_plan, line.published_ytd_actual, line.published_forecast_plan,
                        line.published_forecast)
    published = None
    if line.published_month == month and all(value is not None for value in published_values):
        published = calculations.budget_row_of(*published_values)  # type: ignore[arg-type]  # checked not None
    if line.kind == BudgetLineKind.ALLOCATION:
        row = calculations.income_row(row)
        published = calculations.income_row(published) if published is not None else None
    differs = calculations.budget_row_differences(row, published)
    return BudgetTableLine(line=line, row=row, published=published if differs else None, differs=differs)


def budget_table(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None = None,
    shown: QuerySet[BudgetLine] | None = None,
) -> BudgetTable:
    """The organisation's budget for the year as at `month` (default: the latest month with actuals).

    Subtotals and totals are summed from the lines (the % recomputed); `shown` narrows the lines listed (a
    filter), never the totals.
    """
    lines = list(budget_lines_for(user).filter(organisation=organisation, year=year))
    return budget_table_of(lines, organisation, year, month, shown)


def budget_table_of(
    lines: list[BudgetLine], organisation: Organisation, year: FinancialYear, month: int | None = None,
    shown: QuerySet[BudgetLine] | None = None,
) -> BudgetTable:
    """The table from lines already read (their months prefetched, paper order): the month-end report builds
    its snapshot from the same table the budget page shows."""
    latest = latest_actual_month(lines)
    at = month or latest or 1
    keep = None if shown is None else set(shown.filter(organisation=organisation, year=year)
                                          .values_list("pk", flat=True))
    allocation = [_table_line(line, at) for line in lines if line.kind == BudgetLineKind.ALLOCATION]
    sections: list[BudgetSection] = []
    run: list[BudgetTableLine] = []
    every_spend: list[BudgetRow] = []
    for line in (line for line in lines if line.kind == BudgetLineKind.SPEND):
        if run and run[0].line.section != line.section:
            sections.append(_section(run))
            run = []
        run.append(_table_line(line, at))
        every_spend.append(run[-1].row)
    if run:
        sections.append(_section(run))
    expenditure = calculations.budget_rows_total(every_spend)
    # Totals use only the four sums, so an income row adds like a spend row.
    allocation_total = (calculations.income_row(calculations.budget_rows_total(a.row for a in allocation))
                        if allocation else None)
    surplus = calculations.surplus_row(allocation_total, expenditure) if allocation_total is not None else None
    if keep is not None:
        allocation = [a for a in allocation if a.line.pk in keep]
        sections = [BudgetSection(s.name, [t for t in s.lines if t.line.pk in keep], s.subtotal) for s in sections]
        sections = [s for s in sections if s.lines]
    return BudgetTable(
        organisation=organisation, year=year, month=at, latest_actual_month=latest, allocation=allocation,
        allocation_total=allocation_total, sections=sections, expenditure=expenditure, surplus=surplus,
        line_count=len(lines),
    )


def _section(run: list[BudgetTableLine]) -> BudgetSection:
    name = run[0].line.section
    return BudgetSection(name=name, lines=run,
                         subtotal=calculations.budget_rows_total(t.row for t in run) if name else None)


def next_budget_position(user: Viewer, organisation: Organisation, year: FinancialYear) -> int:
    """Where a new line goes by default: after the last one (one query)."""
    last = (BudgetLine.objects.for_user(user).filter(organisation=organisation, year=year)
            .aggregate(last=Max("position"))["last"])
    return 1 if last is None else last + 1


def budget_line_for_page(user: Viewer, pk: int) -> BudgetLine | None:
    return budget_lines_for(user).filter(pk=pk).first()


@dataclass(frozen=True)
class BudgetLineMonth:
    """One month of a line's page: what is recorded (None if nothing yet) and its variance.

    Variance = plan - actual where the actual is known, else plan - forecast (marked as a forecast).
    """

    month: int
    record: BudgetMonth | None
    plan: Decimal
    variance: Decimal | None
    forecast_variance: bool


@dataclass(frozen=True)
class BudgetLinePage:
    line: BudgetLine
    month: int
    months: list[BudgetLineMonth]
    row: BudgetRow


def budget_line_page(line: BudgetLine, month: int | None = None) -> BudgetLinePage:
    """A line's twelve months and its YTD and forecast outturn at `month` (default: its latest actual month)."""
    by_month = {m.month: m for m in line.months.all()}
    at = month or latest_actual_month([line]) or 1
    income = line.kind == BudgetLineKind.ALLOCATION  # receiving more than planned is favourable
    months = []
    for n in range(1, 13):
        record = by_month.get(n)
        plan = record.plan if record is not None else ZERO
        spent = None if record is None else (record.actual if record.actual is not None else record.forecast)
        months.append(BudgetLineMonth(
            month=n, record=record, plan=plan,
            variance=None if spent is None else calculations.spend_variance(plan, spent) * (-1 if income else 1),
            forecast_variance=record is not None and record.actual is None and record.forecast is not None,
        ))
    row = calculations.budget_row(month_figures(line), at)
    if income:
        row = calculations.income_row(row)
    return BudgetLinePage(line=line, month=at, months=months, row=row)


def budget_line_history(line: BudgetLine) -> tuple[list[Any], list[Any]]:
    """Every saved version of the line and of its months, newest first, with who saved them (two queries)."""
    return (
        list(line.history.select_related("history_user").order_by("-history_date", "-history_id")),
        list(BudgetMonth.history.filter(line_id=line.pk).select_related("history_user")
             .order_by("-history_date", "-history_id")),
    )
