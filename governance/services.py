"""Governance writes: closing and reopening months, giving people roles. Keyword-only, typed, atomic, role-checked.

A closed month's actuals and forecasts are read-only (schemes.services.scheme_month_update refuses
them). Every close and reopen is kept: MonthStatus has simple-history records, so each change is a
history row with who did it, when, and (for a reopening) why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from governance.fields import check_length
from governance.formatting import month_end, month_label
from governance.models import FinancialYear, Membership, MonthStatus, Organisation, Role
from governance.permissions import SYSTEM_ACTOR_PREFIX, Action, require
from governance.selectors import membership_candidates

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def _check_month(month: int) -> None:
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError(f"A month is M1 (April) to M12 (March), not {month}.")


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


def _locked_status(organisation: Organisation, year: FinancialYear, month: int) -> MonthStatus:
    return month_statuses_lock(organisation=organisation, year=year, months=[month])[month]


@transaction.atomic
def month_close(
    *, actor: AbstractBaseUser, organisation: Organisation, year: FinancialYear, month: int
) -> MonthStatus:
    """Finance locks a month: its actuals and forecasts can no longer be changed until it is reopened.

    Months close in order (M1 before M2...) so YTD, which runs to the latest closed month, never
    includes an open month; a month that has not ended yet cannot be closed.
    """
    require(actor, Action.CLOSE_MONTHS, organisation)
    _check_month(month)
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
    status._history_user = actor  # type: ignore[attr-defined]
    status._change_reason = "closed"  # type: ignore[attr-defined]
    status.save()
    return status


@transaction.atomic
def month_reopen(
    *, actor: AbstractBaseUser, organisation: Organisation, year: FinancialYear, month: int, reason: str
) -> MonthStatus:
    """Reopen a closed month so its figures can be corrected. The reason is mandatory and kept."""
    require(actor, Action.CLOSE_MONTHS, organisation)
    _check_month(month)
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
    status._history_user = actor  # type: ignore[attr-defined]
    status._change_reason = "reopened"  # type: ignore[attr-defined]
    status.save()
    return status


def _other_administrators(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMINISTRATOR)
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_check(
    *, actor: AbstractBaseUser | None, user: AbstractBaseUser, organisation: Organisation, role: str
) -> None:
    """Refuse a role the actor may not give, in their words (the admin's form calls this too).

    An administrator gives roles only in organisations they administer, and only to people who already
    belong to one of them; an organisation always keeps at least one administrator.
    """
    if actor is not None:
        require(actor, Action.MANAGE_MEMBERS, organisation)
    if role not in Role.values:
        raise ValidationError({"role": [f'"{role}" is not a role.']})
    if actor is not None and not membership_candidates(actor).filter(pk=user.pk).exists():
        raise ValidationError({"user": ["Choose someone who already belongs to one of the organisations you "
                                         "administer; ask a superuser to add anyone else."]})
    current = Membership.objects.filter(user=user, organisation=organisation).first()
    if current is not None and current.role == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR \
            and not _other_administrators(current):
        raise ValidationError({"role": [f"{user} is the only administrator of {organisation.name}: make someone "
                                        "else an administrator first."]})


@transaction.atomic
def membership_set(
    *, actor: AbstractBaseUser | None, user: AbstractBaseUser, organisation: Organisation, role: str
) -> Membership:
    """Give `user` `role` in `organisation` (replacing the role they had there, if any)."""
    # Lock the organisation's memberships so two administrators cannot both step down at once.
    list(Membership.objects.select_for_update().filter(organisation=organisation).values_list("pk", flat=True))
    membership_check(actor=actor, user=user, organisation=organisation, role=role)
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation,
                                                        defaults={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, actor: AbstractBaseUser | None, membership: Membership) -> None:
    """Take away someone's role in an organisation; its last administrator stays."""
    organisation = membership.organisation
    if actor is not None:
        require(actor, Action.MANAGE_MEMBERS, organisation)
    list(Membership.objects.select_for_update().filter(organisation=organisation).values_list("pk", flat=True))
    if membership.role == Role.ADMINISTRATOR and not _other_administrators(membership):
        raise ValidationError(f"{membership.user} is the only administrator of {organisation.name}: make someone "
                              "else an administrator first.")
    membership.delete()


@transaction.atomic
def system_actor(name: str) -> AbstractBaseUser:
    """The named account the portal acts as when no person does (e.g. "demo loader", "workbook import").

    It can never sign in (inactive, no usable password); services accept it as having every role.
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=f"{SYSTEM_ACTOR_PREFIX}{slugify(name)}"[:150],
        defaults={"first_name": name[:150], "last_name": "(system)", "is_active": False},
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
