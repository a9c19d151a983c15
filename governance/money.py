"""Money as the portal stores it, reads it and bounds it: one definition for every app.

Every amount is pounds and pence (`Decimal`, two places) in a column of 14 digits. What a user may
enter is bounded far below what the column holds, so that every figure computed from inputs
(full-year effect = gross - investment, sums of months, shifted years) still fits: no single
commissioner's figure comes near £10bn (the largest ICB allocations are a few £bn a year).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import Combinable

PENNY = Decimal("0.01")
# What the database column holds: 14 digits, 2 of them pence (just under £1,000,000,000,000).
MAX_DIGITS = 14
DECIMAL_PLACES = 2
STORABLE_LIMIT = Decimal("1000000000000")
# What anyone may enter: under £10bn either way. Sums and differences of a few inputs stay storable.
INPUT_LIMIT = Decimal("10000000000")
INPUT_LIMIT_WORDS = "£10,000,000,000"

# What a money column accepts on assignment (django-stubs' DecimalField set type).
MoneyInput = Decimal | int | str | Combinable

_POUNDS = re.compile(r"^-?\d+(\.\d+)?$")


def money_field(verbose_name: str | None = None, **options: Any) -> models.DecimalField[MoneyInput, Decimal]:
    """A money column: pounds and pence, 14 digits (what every amount in the portal is stored as)."""
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **options)


def optional_money_field(
    verbose_name: str | None = None, **options: Any
) -> models.DecimalField[MoneyInput | None, Decimal | None]:
    """A money column that may be blank (an amount not yet known or not recorded)."""
    return models.DecimalField(
        verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, null=True, blank=True, **options
    )


def parse_pounds(value: Any, *, to_penny: bool = False) -> Decimal | None:
    """Pounds as people type or spreadsheets hold them: 37625, "£37,625.50", "(1,115)", "-1115".

    Blank (or a lone dash, as papers write nil) is None. Raises ValueError for anything else,
    including infinities and NaN. The amount is not bounded here: `money_problem` says whether it may
    be stored. `to_penny` accepts fractions of a penny, rounded half-up like every amount the portal
    keeps: a workbook's computed cells hold them (90,000 x 7 / 12); people typing amounts do not.
    """
    amount = _pounds(value)
    if to_penny and amount is not None and abs(amount) < INPUT_LIMIT:  # larger: left for money_problem to name
        return amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    return amount


def _pounds(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
        if not amount.is_finite():
            raise ValueError(value)
        return amount
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(value)
        return Decimal(str(value))
    text = str(value).strip()
    if len(text) > 40:  # longer than any amount; don't parse a pasted paragraph
        raise ValueError(text[:40])
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    text = text.replace(",", "").replace("£", "").replace(" ", "")
    if text in ("", "-"):
        return None
    if not _POUNDS.match(text):
        raise ValueError(text)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    return -amount if negative else amount


def money_problem(value: Decimal | None, what: str) -> str | None:
    """Why `value` cannot be stored as the `what` (in the user's words), or None when it can."""
    if value is None:
        return None
    if not value.is_finite():
        return f"Enter the {what} as an amount in pounds, like 37,625 or 37625.50."
    if abs(value) >= INPUT_LIMIT:
        return f"The {what} must be less than {INPUT_LIMIT_WORDS} (and more than -{INPUT_LIMIT_WORDS})."
    if value != value.quantize(PENNY):
        return f"Enter the {what} to the nearest penny (at most 2 decimal places)."
    return None


def check_money(value: Decimal | None, what: str, *, field: str | None = None) -> None:
    """Refuse an amount that cannot be stored, with a message naming it (and its field, if given)."""
    problem = money_problem(value, what)
    if problem:
        raise ValidationError({field: [problem]} if field else problem)


def storable(value: Decimal) -> bool:
    """Whether a computed amount fits its column (kept to the penny)."""
    return value.is_finite() and abs(value) < STORABLE_LIMIT


def storable_constraints(prefix: str, *fields: str) -> list[models.CheckConstraint]:
    """Database checks that each money column holds only what it can give back.

    SQLite would otherwise store 10^15 in a 14-digit column and fail on every later read of the row
    (decimal.InvalidOperation): with these, both databases refuse it at the write.
    """
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True})
            | Q(**{f"{name}__gt": -STORABLE_LIMIT, f"{name}__lt": STORABLE_LIMIT}),
            name=f"{prefix}_{name}_storable",
        )
        for name in fields
    ]
