"""The month-end report's one form: which month to produce (or reissue)."""

from __future__ import annotations

from django import forms

from finance.forms.financial_risks import MONTH_CHOICES
from governance.forms import NhsForm


class ProduceReportForm(NhsForm):
    month = forms.TypedChoiceField(
        label="Month", choices=MONTH_CHOICES, coerce=int,
        help_text="Producing a month that already has a report issues it again; the earlier issue stays readable.",
        error_messages={"required": "Choose the month to report on.",
                        "invalid_choice": "Choose a month from M1 (April) to M12 (March)."},
    )
