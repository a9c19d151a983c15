"""Closing and reopening months, and the lock that closing a month and saving figures in it share.

A closed month's figures are read-only: schemes' actuals and forecasts (schemes.services.scheme_month_update),
budget lines' and activity lines' months (finance.services) all refuse them with `closed_months_refusal`.
Every close and reopen is kept: MonthStatus has simple-history records, so each change is a history row with
who did it, when, and (for a reopening) why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.fields import check_length
from governance.formatting import month_end, month_label
from governance.models import FinancialYear, MonthStatus, Organisation
from governance.permissions import Action, require
from governance.services.common import check_month

if TYPE_CHECKING:
    from governance.permissions import Actor


def month_statuses_lock(
    *, organisation: Organisation, year: FinancialYear, months: Iterable[int]
) -> dict[int, MonthStatus]:
    """Lock the months' status rows (creating open ones where none exist yet).

    Closing a month and saving figures in it both take this lock first, so they never interleave:
    a save either finishes before the close or sees the month closed. Call inside a transaction.
    """
    months = sorted(set(months))
    MonthStatus.objects.bulk_create(
        [MonthStatus(organisation=organisation, year=year, month=m) for m in months], ignore_conflicts=True
    )
    locked = MonthStatus.objects.select_for_update().filter(organisation=organisation, year=year, month__in=months)
    return {status.month: status for status in locked.order_by("month")}


def closed_months_locked(*, organisation: Organisation, year: FinancialYear, months: Iterable[int]) -> list[int]:
    """Lock the months' statuses (as `month_statuses_lock`) and return those of them that are closed, in order.

    A save of a month's figures calls this before it locks its own rows, so every save and every close take
    their locks in the same order. Call inside a transaction.
    """
    statuses = month_statuses_lock(organisation=organisation, year=year, months=months)
    return [month for month, status in statuses.items() if status.is_closed]


def closed_months_refusal(*, year: FinancialYear, months: Iterable[int], figures: str) -> ValidationError:
    """The one message every page, API call and import shows for a write to closed months (the API's 400)."""
    months = sorted(months)
    names = ", ".join(month_label(year.start_year, m) for m in months)
    one = len(months) == 1
    return ValidationError(
        f"{names} {'is' if one else 'are'} closed, so {'its' if one else 'their'} {figures} cannot be changed. "
        "Nothing has been saved. Ask finance to reopen the month if a figure is wrong."
    )


def _locked_status(organisation: Organisation, year: FinancialYear, month: int) -> MonthStatus:
    return month_statuses_lock(organisation=organisation, year=year, months=[month])[month]


@transaction.atomic
def month_close(
    *, actor: Actor, organisation: Organisation, year: FinancialYear, month: int
) -> MonthStatus:
    """Finance locks a month: its actuals and forecasts can no longer be changed until it is reopened.

    Months close in order (M1 before M2...) so YTD, which runs to the latest closed month, never
    includes an open month; a month that has not ended yet cannot be closed.
    """
    require(actor, Action.CLOSE_MONTHS, organisation)
    check_month(month)
    label = month_label(year.start_year, month)
    status = _locked_status(organisation, year, month)
    if status.is_closed:
        raise ValidationError(f"{label} is already closed.")
    if month_end(year.start_year, month) >= timezone.localdate():
        raise ValidationError(f"{label} has not ended yet: a month can be closed once its last day has passed.")
    closed = set(
        MonthStatus.objects.filter(organisation=organisation, year=year, month__lt=month, is_closed=True)
        .values_list("month", flat=True)
    )
    still_open = [m for m in range(1, month) if m not in closed]
    if still_open:
        names = ", ".join(month_label(year.start_year, m) for m in still_open)
        raise ValidationError(f"Close the earlier months first: {names} {'is' if len(still_open) == 1 else 'are'} "
                              f"still open.")
    status.is_closed = True
    status.changed_by = actor
    status.changed_at = timezone.now()
    status.reason = ""
    status._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    status._change_reason = "closed"  # type: ignore[attr-defined]  # and why
    status.save()
    return status


@transaction.atomic
def month_reopen(
    *, actor: Actor, organisation: Organisation, year: FinancialYear, month: int, reason: str
) -> MonthStatus:
    """Reopen a closed month so its figures can be corrected. The reason is mandatory and kept."""
    require(actor, Action.CLOSE_MONTHS, organisation)
    check_month(month)
    label = month_label(year.start_year, month)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [f"Give the reason for reopening {label}: it is kept in the month's "
                                          "history."]})
    check_length(reason, what="reason for reopening", field="reason")
    status = _locked_status(organisation, year, month)
    if not status.is_closed:
        raise ValidationError(f"{label} is not closed.")
    status.is_closed = False
    status.changed_by = actor
    status.changed_at = timezone.now()
    status.reason = reason
    status._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    status._change_reason = "reopened"  # type: ignore[attr-defined]  # and why
    status.save()
    return status
