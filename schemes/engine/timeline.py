"""Key stages over time: slippage in days and the months of a timeline, pure functions over plain dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def slippage_days(baseline: date | None, current: date | None, completed: date | None = None) -> int:
    """Days a key stage is late against its baseline: the completion date once done, else the current date."""
    when = completed or current
    if baseline is None or when is None:
        return 0
    return max(0, (when - baseline).days)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    next_first = date(year + (1 if month == 12 else 0), month % 12 + 1, 1)
    last_day = (next_first.toordinal() - date(year, month, 1).toordinal())
    return date(year, month, min(start.day, last_day))


def _first_of_month(when: date) -> date:
    return when.replace(day=1)


def timeline_months(dates: Iterable[date | None], max_months: int = 36) -> tuple[list[date], bool]:
    """First days of the months from the earliest to the latest date (at most `max_months`; True if cut)."""
    present = [_first_of_month(d) for d in dates if d is not None]
    if not present:
        return [], False
    first, last = min(present), max(present)
    months = [first]
    while months[-1] < last and len(months) < max_months:
        months.append(add_months(months[-1], 1))
    return months, months[-1] < last


def timeline_marker(month: date, baseline: date | None, current: date | None, completed: date | None) -> str:
    """What a key stage's timeline shows in `month` (the first of a month).

    "completed" where it was done; "both" where baseline and current fall in the same month; "baseline" and
    "current" where each falls; "slip" in the months between a baseline and a later current date.
    """
    def same(d: date | None) -> bool:
        return d is not None and _first_of_month(d) == month

    if same(completed):
        return "completed"
    if same(baseline) and same(current):
        return "both"
    if same(baseline):
        return "baseline"
    if same(current):
        return "current"
    end = completed or current
    if baseline is not None and end is not None and _first_of_month(baseline) < month < _first_of_month(end):
        return "slip"
    return ""


