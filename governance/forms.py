"""Form helpers every app's forms use (NHS.UK error summary, dates), and the month reopening form.

They only parse and check what the user typed (keeping it on error, in plain English); the writes
and the business rules live in the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from governance.fields import NOTE_LENGTH

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"]
DATE_HINT = "For example, 23/01/2013"


@dataclass(frozen=True)
class SummaryError:
    """One line of the NHS.UK error summary, linking to the field it is about."""

    text: str
    href: str = ""


def form_errors(form: forms.Form) -> list[SummaryError]:
    errors = [SummaryError(str(e)) for e in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS:
            continue
        anchor = form[name].field.widget.attrs.get("data-error-anchor") or form[name].auto_id
        errors.extend(SummaryError(str(m), f"#{anchor}") for m in messages)
    return errors


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: per field where it names one, else at the top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class NhsForm(forms.Form):
    """A form drawn with templates/includes/field.html (NHS.UK classes, hint and error ids)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def note_field(label: str, *, required: bool = False, help_text: str = "", limit: int = NOTE_LENGTH) -> forms.CharField:
    """A free-text note, bounded to what its column keeps (governance.fields)."""
    return forms.CharField(
        label=label, required=required, help_text=help_text, max_length=limit, widget=forms.Textarea,
        error_messages={"max_length": f"{label} must be {limit:,} characters or fewer.",
                        "required": f"Enter the {label.lower()}."},
    )


# Dates a QIPP record can carry: plans run a few years either side of today. Bounding them keeps every
# date sum (stage templates, timelines, month arithmetic) within the calendar Python can hold.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


class BoundedDateField(forms.DateField):
    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(
                f"Enter the {self.label.lower()} between {EARLIEST_DATE:%d/%m/%Y} and {LATEST_DATE:%d/%m/%Y}.",
                code="out_of_range",
            )


def date_field(label: str, *, required: bool = True, help_text: str = DATE_HINT) -> forms.DateField:
    return BoundedDateField(
        label=label, required=required, help_text=help_text, input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
        error_messages={"required": f"Enter the {label.lower()}.",
                        "invalid": f"Enter the {label.lower()} as a real date, like 23/01/2013."},
    )


class MonthReopenForm(NhsForm):
    reason = forms.CharField(
        label="Reason for reopening", widget=forms.Textarea, max_length=2000,
        help_text="For example, the provider corrected its invoice for the month. The reason is kept in the "
                  "month's history",
        error_messages={"required": "Give the reason for reopening the month: it is kept in the month's history."},
    )
