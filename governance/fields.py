"""Model fields shared by every app: text with a limit that fits its use, enforced on every database.

A TextField's `max_length` alone only reaches forms; the validator makes `full_clean` (which every
service runs before saving) refuse it too, so SQLite keeps the same limits as PostgreSQL and a
100,000-character note is never copied into history on each save.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

# A note, reason or comment: a paragraph or two.
NOTE_LENGTH = 2000
# A description, KPIs, a risk's impact or mitigating actions: a page at most.
DESCRIPTION_LENGTH = 4000


def limited_text(verbose_name: str | None = None, *, max_length: int = NOTE_LENGTH, **kwargs: Any) -> models.TextField:
    return models.TextField(verbose_name, max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs)


def column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The model's own field called `name` (never a reverse relation): what pages and messages label it by."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(f"{model.__name__}.{name} is a reverse relation, not a field")
    return field


def check_length(value: str | None, *, what: str, field: str, limit: int = NOTE_LENGTH) -> None:
    """Refuse text longer than its column's limit, naming it as the user knows it."""
    if value is not None and len(value) > limit:
        raise ValidationError({field: [f"The {what} must be {limit:,} characters or fewer (it has {len(value):,})."]})
