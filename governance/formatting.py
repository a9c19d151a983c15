"""How money and months are written on every page and export (DOMAIN.md conventions).

Money: whole pounds (or £'000) with thousands separators, rounded half-up, negative numbers in
brackets, e.g. (£1,115) or (1,115). Months: as the papers write them, e.g. Jul-13.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

NOT_RECORDED = "–"
ONE = Decimal("1")
THOUSAND = Decimal("1000")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _bracketed(amount: Decimal, prefix: str) -> str:
    whole = amount.quantize(ONE, rounding=ROUND_HALF_UP)
    text = f"{prefix}{abs(whole):,.0f}"
    return f"({text})" if whole < 0 else text


def format_money(value: Any) -> str:
    """£ whole pounds: 451500.00 -> "£451,500"; -1115 -> "(£1,115)"; None -> "–"."""
    amount = _decimal(value)
    if amount is None:
        return NOT_RECORDED
    return _bracketed(amount, "£")


def format_pounds(value: Any) -> str:
    """Whole pounds without the £ sign, for a sentence that names the figures: 1164417.40 -> "1,164,417"."""
    amount = _decimal(value)
    if amount is None:
        return NOT_RECORDED
    return _bracketed(amount, "")


def format_money_k(value: Any) -> str:
    """£'000 (no £ sign: the heading says £'000): 451500 -> "452"; -1115000 -> "(1,115)"."""
    amount = _decimal(value)
    if amount is None:
        return NOT_RECORDED
    return _bracketed(amount / THOUSAND, "")


def format_month(value: date | None) -> str:
    """A month as the papers write it: Jul-13."""
    if value is None:
        return NOT_RECORDED
    return value.strftime("%b-%y")


def format_person(user: Any, fallback: str) -> str:
    """Who did something: full name, else username; `fallback` when there is no user (an import or task)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


MONTH_NAMES = ("April", "May", "June", "July", "August", "September", "October", "November", "December",
               "January", "February", "March")


def format_financial_month(month: int | None, start_year: int | None = None) -> str:
    """M3 of 2013/14 -> "M3 (June 2013)"; without a year -> "M3 (June)"."""
    if not month:
        return NOT_RECORDED
    name = MONTH_NAMES[month - 1]
    if start_year is None:
        return f"M{month} ({name})"
    return f"M{month} ({name} {start_year + (1 if month >= 10 else 0)})"


def _month_start(year_start: int, month: int) -> date:
    """The first day of month M of the year (M1 of 2013/14 is April 2013, M10 January 2014)."""
    return date(year_start + (1 if month >= 10 else 0), (month + 2) % 12 + 1, 1)


def month_label(year_start: int, month: int) -> str:
    """Month M of the year as the papers write it: month_label(2013, 1) == "M1 Apr-13"."""
    if not 1 <= month <= 12:
        raise ValueError(f"A month is M1 (April) to M12 (March), not {month}")
    return f"M{month} {_month_start(year_start, month):%b-%y}"


def month_end(year_start: int, month: int) -> date:
    """The last day of month M of the year (M12 of 2013/14 ends on 31 March 2014)."""
    start = _month_start(year_start, month)
    next_first = date(start.year + (1 if start.month == 12 else 0), start.month % 12 + 1, 1)
    return date.fromordinal(next_first.toordinal() - 1)


def format_variance_percent(value: Any) -> str:
    """A variance % as the budget papers print it, to one decimal, adverse in brackets: -0.8 -> "(0.8)%"."""
    amount = _decimal(value)
    if amount is None:
        return NOT_RECORDED
    text = f"{abs(amount):.1f}"
    return f"({text})%" if amount < 0 else f"{text}%"


# What each recorded job is called on the pages. governance names the tasks of other apps, never imports them
# (docs/adr/0003); a task missing here is shown by its name.
JOB_TITLES = {
    "finance.tasks.produce_month_end_report": "Month-end variance report",
    "schemes.tasks.recompute_portfolio": "Recompute of every organisation's figures",
    "dashboards.tasks.produce_board_pack": "Excel board pack",
}


def format_job(task: str) -> str:
    return JOB_TITLES.get(task, task)
