"""Governance reads, scoped to the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from governance.models import FinancialYear, Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def organisations_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organisation]:
    return Organisation.objects.for_user(user).order_by("name")


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
