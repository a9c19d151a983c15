"""The board pack's one form: which month to produce, and finance's commentary for the Summary."""

from __future__ import annotations

from django import forms

from governance.formatting import MONTH_NAMES
from governance.forms import NhsForm, note_field

MONTH_CHOICES = [(m, f"M{m} ({MONTH_NAMES[m - 1]})") for m in range(1, 13)]


class BoardPackForm(NhsForm):
    month = forms.TypedChoiceField(
        label="Month", choices=MONTH_CHOICES, coerce=int,
        help_text="A month with a month-end report shows what that report stated; without one, today's figures.",
        error_messages={"required": "Choose the month of the board pack.",
                        "invalid_choice": "Choose a month from M1 (April) to M12 (March)."},
    )
    commentary = note_field("Commentary (optional)", help_text="Shown on the pack's Summary, after its figures.")
