"""Activity plan lines and their months: created, or changed if unchanged since the user opened them.

Finance keep activity as they keep budgets (the same people reconcile both each month), so the role is
Action.KEEP_BUDGETS: there is no separate activity role to grant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import (
    ACTIVITY_CODE_LENGTH,
    ACTIVITY_LIMIT,
    ACTIVITY_TITLE_LENGTH,
    ActivityLine,
    ActivityMonth,
)
from finance.services.versioned import month_closed_locked, refuse_closed_change, versioned_save
from governance.fields import NOTE_LENGTH, check_length
from governance.models import FinancialYear, Organisation
from governance.permissions import Action, require

if TYPE_CHECKING:
    from governance.permissions import Actor


ACTIVITY_LINE_FIELDS = ("title", "position", "prior_outturn", "do_nothing", "qipp_change", "plan",
                        "published_change", "commentary")
ACTIVITY_MONTH_FIELDS = ("plan", "actual")
COUNTS = {"prior_outturn": "last year's outturn", "do_nothing": '"do nothing" forecast', "plan": "plan"}


def _keep_activity(actor: Actor | None, organisation: Organisation) -> None:
    if actor is not None:
        require(actor, Action.KEEP_BUDGETS, organisation)


def check_count(value: Any, what: str, *, field: str, signed: bool = False) -> None:
    """Refuse a count that is not a whole number within the bounds, naming it as the user knows it."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: [f"Enter the {what} as a whole number, like 27,776."]})
    low = -ACTIVITY_LIMIT if signed else 0
    if not low <= value <= ACTIVITY_LIMIT:
        if value < 0 and not signed:
            message = f"The {what} cannot be negative."
        else:
            message = f"The {what} must be between {low:,} and {ACTIVITY_LIMIT:,}."
        raise ValidationError({field: [message]})


@transaction.atomic
def activity_line_record(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, code: str,
    expected_version: int | None = None, **values: Any,
) -> ActivityLine:
    """Create the line with national code `code` for the year, or change it (EditConflict if saved since the
    user opened it). A new line needs its title and plan. An edit that changes nothing writes nothing."""
    _keep_activity(actor, organisation)
    unknown = set(values) - set(ACTIVITY_LINE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    code = code.strip()
    if not code:
        raise ValidationError({"code": ["Enter the line's national code, like E.M.7."]})
    check_length(code, what="national code", field="code", limit=ACTIVITY_CODE_LENGTH)
    if "title" in values:
        check_length(values["title"], what="title", field="title", limit=ACTIVITY_TITLE_LENGTH)
    check_length(values.get("published_change"), what="published change %", field="published_change", limit=10)
    check_length(values.get("commentary"), what="commentary", field="commentary", limit=NOTE_LENGTH)
    for field, what in COUNTS.items():
        check_count(values.get(field), f"{what} of {code}", field=field)
    check_count(values.get("qipp_change"), f"QIPP change of {code}", field="qipp_change", signed=True)
    line = ActivityLine.objects.select_for_update().filter(organisation=organisation, year=year, code=code).first()
    if line is None and (values.get("plan") is None or not values.get("title")):
        raise ValidationError(f"A new activity line needs its title and the year's plan ({code}).")
    return versioned_save(actor=actor, found=line,
                          new=lambda: ActivityLine(organisation=organisation, year=year, code=code, **values),
                          values=values, expected_version=expected_version, label=code)


@transaction.atomic
def activity_month_record(
    *, actor: Actor | None, line: ActivityLine, month: int, plan: int, actual: int | None = None,
    expected_version: int | None = None,
) -> ActivityMonth:
    """Set a line's month (M1 = April): the planned count, and the actual where known. Unchanged, no write.

    A closed month is refused with the reason (nothing saved), as schemes' months are.
    """
    _keep_activity(actor, line.organisation)
    if not 1 <= month <= 12:
        raise ValidationError({"month": [f"Month {month} is not a month of the year: use M1 (April) to M12 (March)."]})
    label = f"{line.code} M{month}"
    check_count(plan, f"plan for {label}", field="plan")
    if plan is None:
        raise ValidationError({"plan": [f"Enter the plan for {label}."]})
    check_count(actual, f"actual for {label}", field="actual")
    values = {"plan": plan, "actual": actual}
    closed = month_closed_locked(organisation=line.organisation, year=line.year, month=month)
    row = ActivityMonth.objects.select_for_update().filter(line=line, month=month).first()
    refuse_closed_change(closed=closed, found=row, values=values, year=line.year, month=month,
                         figures=f"planned and actual activity of {line.code}")
    return versioned_save(actor=actor, found=row, new=lambda: ActivityMonth(line=line, month=month, **values),
                          values=values, expected_version=expected_version, label=label)
