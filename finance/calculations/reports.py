"""Scheme savings in the month-end report: a budget line's arithmetic with savings over plan favourable."""

from __future__ import annotations

from collections.abc import Iterable

from finance.calculations.budgets import BudgetMonthFigures, BudgetRow, budget_row, budget_rows_total, income_row


def savings_row(months: Iterable[BudgetMonthFigures], month: int) -> BudgetRow:
    """A scheme's savings as at month N: the same YTD and outturn as a budget line's, but savings over plan are
    favourable, so variance = actual - plan (and forecast outturn - plan)."""
    return income_row(budget_row(months, month))


def savings_rows_total(rows: Iterable[BudgetRow]) -> BudgetRow:
    """A programme's or the portfolio's savings: the sums of its schemes' rows, variance actual - plan."""
    return income_row(budget_rows_total(rows))
