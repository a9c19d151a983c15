"""Monthly tracking: a scheme's actual and forecast savings, month by month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.formatting import month_label
from governance.money import check_money
from governance.permissions import Action
from governance.services import closed_months_locked, closed_months_refusal
from schemes.models import Scheme, SchemeMonth
from schemes.services.common import EditConflict, check_role, recorded_by, schedule_recompute

if TYPE_CHECKING:
    from governance.permissions import Actor


@dataclass(frozen=True)
class MonthEdit:
    """One month's actual and forecast as the user left them, with the version they started from."""

    month: int
    expected_version: int
    actual: Decimal | None
    forecast: Decimal | None


@transaction.atomic
def scheme_month_update(*, actor: Actor | None, scheme: Scheme, edits: Iterable[MonthEdit]) -> list[SchemeMonth]:
    """Save a scheme's actual and forecast savings for some months: all of them or none.

    Refused with a clear message when a month is closed, and with EditConflict when someone else saved
    a month since the user read it (`expected_version`; 0 for a month with no row yet).
    """
    check_role(actor, Action.RECORD_PROGRESS, scheme.organisation)
    edits = list(edits)
    months = [edit.month for edit in edits]
    if len(set(months)) != len(months) or any(not 1 <= m <= 12 for m in months):
        raise ValidationError("Each month (M1 to M12) can be changed once per save.")
    start = scheme.year.start_year
    for edit in edits:
        label = month_label(start, edit.month)
        check_money(edit.actual, f"actual saving for {label}")
        check_money(edit.forecast, f"forecast saving for {label}")
    if not edits:
        return []
    # Lock the months' statuses so finance cannot close a month half-way through this save.
    closed = closed_months_locked(organisation=scheme.organisation, year=scheme.year, months=months)
    if closed:
        raise closed_months_refusal(year=scheme.year, months=closed, figures="actual and forecast")
    rows = {row.month: row for row in SchemeMonth.objects.select_for_update().filter(scheme=scheme, month__in=months)}
    stale = [edit.month for edit in edits if edit.expected_version != (rows[edit.month].version
                                                                        if edit.month in rows else 0)]
    if stale:
        names = ", ".join(month_label(start, m) for m in sorted(stale))
        raise EditConflict(
            f"Someone else saved {names} of {scheme.reference} {scheme.name} while you were editing. "
            "Nothing has been saved: compare your figures with the saved ones below, then save again.",
            current={m: rows.get(m) for m in sorted(stale)},
        )
    saved = []
    for edit in edits:
        row = rows.get(edit.month) or SchemeMonth(scheme=scheme, month=edit.month, version=0)
        if (row.actual, row.forecast) == (edit.actual, edit.forecast):
            continue
        row.actual = edit.actual
        row.forecast = edit.forecast
        row.version += 1
        row.updated_by = recorded_by(actor)
        row._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
        row.save()
        saved.append(row)
    if saved:
        # Actuals and forecasts feed the rolled-up figures; recompute once the save has committed.
        schedule_recompute([scheme.pk])
    return saved
