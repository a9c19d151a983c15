"""What the governance services share: the edit conflict, the month and date checks and who to name
on a record.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from governance.forms import EARLIEST_DATE, LATEST_DATE

if TYPE_CHECKING:
    from governance.permissions import Actor


def check_month(month: int) -> None:
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError(f"A month is M1 (April) to M12 (March), not {month}.")


class EditConflict(Exception):
    """Someone else saved the same record since this user opened it (the page answers 409)."""

    def __init__(self, message: str, *, current: Any) -> None:
        super().__init__(message)
        self.current = current


def person(actor: Actor | None) -> Actor | None:
    """Who to name on a record: the signed-in user (a system actor is a user too), or nobody."""
    return actor if actor is not None and actor.is_authenticated else None


def check_date(value: date | None, *, field: str, what: str) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError({field: [f"The {what} must be between {EARLIEST_DATE:%d/%m/%Y} and "
                                       f"{LATEST_DATE:%d/%m/%Y}."]})
