"""Governance forms: the reason for reopening a closed month."""

from __future__ import annotations

from django import forms

from schemes.tracking_forms import NhsForm


class MonthReopenForm(NhsForm):
    reason = forms.CharField(
        label="Reason for reopening", widget=forms.Textarea, max_length=2000,
        help_text="For example, the provider corrected its invoice for the month. The reason is kept in the "
                  "month's history",
        error_messages={"required": "Give the reason for reopening the month: it is kept in the month's history."},
    )
