"""Governance reads, scoped to the user."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from governance.formatting import month_end, month_label
from governance.models import FinancialYear, Membership, MonthStatus, Organisation, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def organisations_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organisation]:
    return Organisation.objects.for_user(user).order_by("name")


def membership_candidates(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Any]:
    """People `user` may give a role: those who already belong to an organisation `user` administers.

    A superuser may choose anyone active. Nobody else sees the people of organisations they do not
    administer; creating accounts for new people is for superusers.
    """
    users = get_user_model()._default_manager.filter(is_active=True).order_by("username")
    if not user.is_authenticated or not user.is_active:
        return users.none()
    if user.is_superuser:
        return users
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    return users.filter(pk__in=Membership.objects.filter(organisation__in=administered).values("user"))


def years_for(organisation: Organisation | None) -> QuerySet[FinancialYear]:
    """Years with schemes for the organisation, newest first (all years if none yet)."""
    years = FinancialYear.objects.order_by("-start_year")
    if organisation is None:
        return years
    used = years.filter(schemes__organisation=organisation).distinct()
    return used if used.exists() else years


def working_context(
    user: AbstractBaseUser | AnonymousUser, organisation_id: int | None, year_id: int | None
) -> tuple[Organisation | None, FinancialYear | None]:
    """The organisation and year a user is working in: their remembered choice if still allowed."""
    organisations = organisations_for(user)
    organisation = None
    if organisation_id is not None:
        organisation = organisations.filter(pk=organisation_id).first()
    if organisation is None:
        organisation = organisations.first()
    years = years_for(organisation)
    year = years.filter(pk=year_id).first() if year_id is not None else None
    if year is None:
        year = years.first()
    return organisation, year


def closed_months(organisation: Organisation, year: FinancialYear) -> set[int]:
    """The months finance has closed for this organisation's year (one query)."""
    return set(
        MonthStatus.objects.filter(organisation=organisation, year=year, is_closed=True).values_list("month", flat=True)
    )


def month_statuses(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> dict[int, MonthStatus]:
    """The stored status of each month that has one (months never closed have none), scoped to the user."""
    rows = MonthStatus.objects.for_user(user).filter(organisation=organisation, year=year).select_related("changed_by")
    return {row.month: row for row in rows}


def month_rows(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear, today: date
) -> list[dict[str, Any]]:
    """M1..M12 with their stored status, and whether each can be closed now.

    Months close in order (governance.services.month_close): only the first open month can be
    closed next, once it has ended.
    """
    statuses = month_statuses(user, organisation, year)
    closed = {m for m, status in statuses.items() if status.is_closed}
    next_open = next((m for m in range(1, 13) if m not in closed), None)
    rows = []
    for m in range(1, 13):
        ends_on = month_end(year.start_year, m)
        rows.append({"month": m, "label": month_label(year.start_year, m), "ends_on": ends_on,
                     "status": statuses.get(m), "closed": m in closed, "closable": m == next_open and ends_on < today})
    return rows


def month_history(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> QuerySet[Any]:
    """Every close and reopen of the year's months, newest first."""
    if not Organisation.objects.for_user(user).filter(pk=organisation.pk).exists():
        return MonthStatus.history.none()
    return (
        MonthStatus.history.filter(organisation=organisation, year=year)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
