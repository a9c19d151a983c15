"""Financial years and months: the years an organisation works in, the working context, and which months are closed."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet

from governance.formatting import month_end, month_label
from governance.models import (
    FinancialYear,
    MonthStatus,
    Organisation,
)
from governance.selectors.organisations import organisations_for

if TYPE_CHECKING:
    from governance.permissions import Viewer


def financial_year(pk: int | None) -> FinancialYear | None:
    """A financial year by id: shared reference data every organisation uses, so not scoped."""
    return FinancialYear.objects.filter(pk=pk).first() if pk is not None else None


def years_for(organisation: Organisation | None) -> list[FinancialYear]:
    """Years with schemes for the organisation, newest first (all years if none yet): one query either way."""
    years = FinancialYear.objects.order_by("-start_year")
    if organisation is None:
        return list(years)
    used = Exists(FinancialYear.objects.filter(pk=OuterRef("pk"), schemes__organisation=organisation))
    every = list(years.annotate(used=used))
    shown: list[FinancialYear] = [year for year in every if year.used] or [*every]
    return shown


def working_context(
    user: Viewer, organisation_id: int | None, year_id: int | None
) -> tuple[Organisation | None, FinancialYear | None, list[FinancialYear]]:
    """The organisation and year a user is working in (their remembered choice if still allowed), and the years
    the header offers for that organisation (years_for)."""
    organisations = organisations_for(user)
    organisation = None
    if organisation_id is not None:
        organisation = organisations.filter(pk=organisation_id).first()
    if organisation is None:
        organisation = organisations.first()
    years = years_for(organisation)
    year = next((year for year in years if year.pk == year_id), None) if year_id is not None else None
    if year is None and years:
        year = years[0]
    return organisation, year, years


def closed_months(organisation: Organisation, year: FinancialYear) -> set[int]:
    """The months finance has closed for this organisation's year (one query)."""
    return set(
        MonthStatus.objects.filter(organisation=organisation, year=year, is_closed=True).values_list("month", flat=True)
    )


def month_statuses(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> dict[int, MonthStatus]:
    """The stored status of each month that has one (months never closed have none), scoped to the user."""
    rows = MonthStatus.objects.for_user(user).filter(organisation=organisation, year=year).select_related("changed_by")
    return {row.month: row for row in rows}


def month_rows(
    user: Viewer, organisation: Organisation, year: FinancialYear, today: date
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
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> QuerySet[Any]:
    """Every close and reopen of the year's months, newest first (nothing of an organisation not the user's)."""
    return (
        MonthStatus.history.filter(organisation__in=Organisation.objects.for_user(user).values("pk"),
                                   organisation=organisation, year=year)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


# --- Improvement plan, meetings and decisions (issue 8 section 3) -------------------------------------
