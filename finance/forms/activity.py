"""Forms of the activity pages: they parse and bound what was typed (whole counts); services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from finance.models import ACTIVITY_LIMIT, ACTIVITY_TITLE_LENGTH, ActivityLine, ActivityMonth
from finance.services import ACTIVITY_LINE_FIELDS
from governance.fields import NOTE_LENGTH
from governance.formatting import MONTH_NAMES
from governance.forms import NhsForm, note_field

MONTH_CHOICES = [(m, f"M{m} ({MONTH_NAMES[m - 1]})") for m in range(1, 13)]
DIGITS = re.compile(r"\d{1,3}(,\d{3})+|\d+")


def count_input(value: int | None) -> str:
    return "" if value is None else str(value)


def parse_count(text: str, what: str, *, signed: bool = False) -> int:
    """A typed count ("27,776", "-15388", "(15,388)") as an int; ValueError with a message in the user's words."""
    text = text.strip().replace(" ", "")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    elif text.startswith("-"):
        negative, text = True, text[1:]
    if not DIGITS.fullmatch(text):
        raise ValueError(f"Enter the {what} as a whole number, like 27,776.")
    value = -int(text.replace(",", "")) if negative else int(text.replace(",", ""))
    if value < 0 and not signed:
        raise ValueError(f"The {what} cannot be negative.")
    if abs(value) > ACTIVITY_LIMIT:
        raise ValueError(f"The {what} must be {ACTIVITY_LIMIT:,} or less{' either way' if signed else ''}.")
    return value


class CountField(forms.CharField):
    """A whole-number count typed with or without thousands commas; QIPP changes may be negative."""

    def __init__(self, label: str, *, signed: bool = False, required: bool = False, help_text: str = "") -> None:
        self.signed = signed
        super().__init__(label=label, required=required, max_length=20, help_text=help_text,
                         error_messages={"required": f"Enter the {label.lower()}.",
                                         "max_length": f"Enter the {label.lower()} as a whole number, like 27,776."})

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_count(text, str(self.label).lower(), signed=self.signed)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class ActivityMonthForm(NhsForm):
    """A month's planned count and, once known, its actual."""

    plan = CountField("Plan", required=True, help_text="The month's planned count, for example 27,776")
    actual = CountField("Actual", help_text="Leave empty until the month's actual activity is known")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def month_initial(row: ActivityMonth | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {"plan": count_input(row.plan), "actual": count_input(row.actual), "version": row.version}


class ActivityLineForm(NhsForm):
    """A line's title, its bridge as printed (outturn, do nothing, QIPP change, plan) and the commentary."""

    title = forms.CharField(label="Title", max_length=ACTIVITY_TITLE_LENGTH,
                            error_messages={"required": "Enter the line's title.",
                                            "max_length": f"Title must be {ACTIVITY_TITLE_LENGTH:,} characters or "
                                                          "fewer."})
    prior_outturn = CountField("Last year's outturn")
    do_nothing = CountField('"Do nothing" forecast', help_text="This year's activity without QIPP")
    qipp_change = CountField("QIPP change", signed=True,
                             help_text="Negative where QIPP takes activity out, for example -15,388")
    plan = CountField("Plan", required=True, help_text="The year's plan as printed")
    published_change = forms.CharField(
        label="Published change %", required=False, max_length=10,
        help_text="Last year to this as the paper printed it, for example -1%",
        error_messages={"max_length": "Published change % must be 10 characters or fewer."},
    )
    commentary = note_field("Commentary", limit=NOTE_LENGTH)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def line_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ACTIVITY_LINE_FIELDS if name != "position"}


def line_initial(line: ActivityLine) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(line, name) for name in ACTIVITY_LINE_FIELDS if name != "position"}
    for name in ("prior_outturn", "do_nothing", "qipp_change", "plan"):
        initial[name] = count_input(initial[name])
    initial["version"] = line.version
    return initial


class ActivityMonthChoiceForm(forms.Form):
    """Which month the activity page shows its month and YTD figures for."""

    month = forms.TypedChoiceField(label="Month", choices=MONTH_CHOICES, coerce=int, required=False)
