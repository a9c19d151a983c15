"""The one versioned save of finance's rows that users and imports both write (budgets, activity)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from governance.services import EditConflict

if TYPE_CHECKING:
    from governance.permissions import Actor


class Versioned(Protocol):
    """A model row carrying a version number (budget lines, activity lines and their months)."""

    version: int

    def full_clean(self) -> None: ...

    def save(self) -> None: ...


VersionedT = TypeVar("VersionedT", bound=Versioned)


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
