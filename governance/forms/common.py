"""Form helpers every app's forms use: the NHS.UK error summary, bounded notes and dates, and the form redrawn
after an edit conflict. They only parse and check what the user typed (keeping it on error, in plain English);
the writes and the business rules live in the services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import QueryDict

from governance.fields import NOTE_LENGTH

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"]
DATE_HINT = "For example, 23/01/2013"


@dataclass(frozen=True)
class SummaryError:
    """One line of the NHS.UK error summary, linking to the field it is about."""

    text: str
    href: str = ""


FieldT = TypeVar("FieldT", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """The form's field `name` as the kind of field it is, to set what only that kind has (choices, queryset)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


def form_errors(form: forms.BaseForm) -> list[SummaryError]:
    errors = [SummaryError(str(e)) for e in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == NON_FIELD_ERRORS:
            continue
        anchor = form[name].field.widget.attrs.get("data-error-anchor") or form[name].auto_id
        errors.extend(SummaryError(str(m), f"#{anchor}") for m in messages)
    return errors


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names, else above the form.

    A message about a field the form does not show (a scheme's monthly profile, say) goes above the
    form and says which field it is about.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, messages)
        else:
            form.add_error(None, [f"{name.replace('_', ' ')}: {message}" for message in messages])


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
            what = str(self.label or "date").lower()
            raise ValidationError(
                f"Enter the {what} between {EARLIEST_DATE:%d/%m/%Y} and {LATEST_DATE:%d/%m/%Y}.",
                code="out_of_range",
            )


def date_field(label: str, *, required: bool = True, help_text: str = DATE_HINT) -> forms.DateField:
    return BoundedDateField(
        label=label, required=required, help_text=help_text, input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
        error_messages={"required": f"Enter the {label.lower()}.",
                        "invalid": f"Enter the {label.lower()} as a real date, like 23/01/2013."},
    )


# --- Pages redrawn after an edit conflict (HTTP 409), for every app's edit pages -----------------------

CONFLICT = 409  # HTTP status of a page redrawn after an edit conflict

AnyForm = TypeVar("AnyForm", bound=forms.BaseForm)


def form_after_conflict(
    form_class: type[AnyForm], data: QueryDict, *, saved: Mapping[str, Any], message: str = "", **kwargs: Any
) -> AnyForm:
    """The form redrawn after an EditConflict: what the user typed, checked again, ready to save again.

    `saved` replaces the version or token the page was drawn with by that of what is saved now, so
    that saving again from here is a deliberate overwrite. `message`, if given, is shown above the form.
    """
    data = data.copy()
    for name, value in saved.items():
        data[name] = str(value)
    form = form_class(data, **kwargs)
    form.is_valid()
    if message:
        form.add_error(None, message)
    return form
