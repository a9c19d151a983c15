"""Fields the scheme pages share: money as people type it, and back into an input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from governance.money import money_problem, parse_pounds


class MoneyField(forms.DecimalField):
    """Pounds, accepting what people type: "£602,000", "602000.50", "(1,115)" or "-1115".

    Bounded by governance.money: an amount no commissioner's figure reaches is refused here, with
    the same words the services use.
    """

    def __init__(self, *, what: str, allow_negative: bool = True, **kwargs: Any) -> None:
        self.what = what
        self.allow_negative = allow_negative
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}))
        super().__init__(**kwargs)
        self.error_messages = {
            **self.error_messages,
            "required": f"Enter the {what} in pounds",
            "invalid": f"Enter the {what} in pounds, like 602000 or 602,000.50",
        }

    # django-stubs ignores the same override in its own DecimalField (Django's DecimalField subclasses IntegerField).
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        try:
            return parse_pounds(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)  # type: ignore[arg-type]  # Django's DecimalField.validate accepts a blank (None)
        problem = money_problem(value, self.what)
        if problem:
            raise ValidationError(problem, code="bounds")
        if value is not None and value < 0 and not self.allow_negative:
            raise ValidationError(f"The {self.what} cannot be negative", code="negative")


def money_input(value: Decimal | None) -> str:
    """A stored amount as it goes back into an input: whole pounds without pence, else two decimals."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{value:.0f}"
    return f"{value:.2f}"
