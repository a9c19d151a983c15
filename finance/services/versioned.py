"""The one versioned save of finance's rows that users and imports both write (budgets, activity)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from governance.services import EditConflict, closed_months_locked, closed_months_refusal

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Actor


class Versioned(Protocol):
    """A model row carrying a version number (budget lines, activity lines and their months)."""

    version: int

    def full_clean(self) -> None: ...

    def save(self) -> None: ...


VersionedT = TypeVar("VersionedT", bound=Versioned)


def month_closed_locked(*, organisation: Organisation, year: FinancialYear, month: int) -> bool:
    """Lock the month's status (before the month's own row, the order every save and close keep) and say whether
    it is closed."""
    return bool(closed_months_locked(organisation=organisation, year=year, months=[month]))


def refuse_closed_change(
    *, closed: bool, found: object | None, values: Mapping[str, Any], year: FinancialYear, month: int, figures: str,
) -> None:
    """A closed month's figures cannot be changed, nor a month first recorded in it. Saving what is already
    saved is no change, so a re-import of a ledger whose earlier months are closed still goes through."""
    if closed and (found is None or any(getattr(found, field) != value for field, value in values.items())):
        raise closed_months_refusal(year=year, months=[month], figures=figures)


def versioned_save(
    *, actor: Actor | None, found: VersionedT | None, new: Callable[[], VersionedT], values: Mapping[str, Any],
    expected_version: int | None, label: str,
) -> VersionedT:
    """Create the row, or change the locked row `found` if it is the version the user started from.

    One rule for budget lines, activity lines and their months: unchanged values write nothing (no new
    version, no history).
    """
    if found is None:
        row = new()
        row.full_clean()
        row._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
        row.save()
        return row
    if expected_version is not None and found.version != expected_version:
        raise EditConflict(
            f"{label} was changed by someone else since you opened it (it is now version {found.version}, "
            f"you started from version {expected_version}).",
            current=found,
        )
    changed = {field: value for field, value in values.items() if getattr(found, field) != value}
    if not changed:
        return found
    for field, value in changed.items():
        setattr(found, field, value)
    found.full_clean()
    found.version += 1
    found._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    found.save()
    return found
