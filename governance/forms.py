"""Form helpers every app's forms use (NHS.UK error summary, dates), and the month reopening form.

They only parse and check what the user typed (keeping it on error, in plain English); the writes
and the business rules live in the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest, QueryDict
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from governance.fields import NOTE_LENGTH
from governance.models import ActionRag, ActionStatus, MeetingKind

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


class MonthReopenForm(NhsForm):
    reason = forms.CharField(
        label="Reason for reopening", widget=forms.Textarea, max_length=2000,
        help_text="For example, the provider corrected its invoice for the month. The reason is kept in the "
                  "month's history",
        error_messages={"required": "Give the reason for reopening the month: it is kept in the month's history."},
    )


# --- Improvement plan, meetings and decisions (issue 8 section 3) -------------------------------------


class PlanActionForm(NhsForm):
    """An action's words, owner, RAG and status. The due date changes only with a reason (RevisedDueDateForm)."""

    text = forms.CharField(label="Action", widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_LENGTH,
                           error_messages={"required": "Enter what the action is.",
                                           "max_length": f"The action must be {NOTE_LENGTH:,} characters or fewer."})
    owner = forms.CharField(label="Governing-body owner", required=False, max_length=120,
                            help_text="For example, AO, CFO or Chair",
                            error_messages={"max_length": "The owner must be 120 characters or fewer."})
    rag = forms.ChoiceField(label="RAG", required=False)
    status = forms.ChoiceField(label="Status", required=False)
    note = note_field("Note", help_text="Anything the plan's columns do not hold")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rag"]).choices = [("", "Not recorded"), *ActionRag.choices]
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", "Not recorded"), *ActionStatus.choices]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("text", "owner", "rag", "status", "note")}


class RevisedDueDateForm(NhsForm):
    new_date = date_field("New due date")
    reason = note_field("Reason for the new date", required=True,
                        help_text="For example, re-set to reflect the national timetable. The reason is kept in the "
                                  "action's history")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class PlanUpdatePublishForm(NhsForm):
    month = forms.TypedChoiceField(label="Month of the update", coerce=int,
                                   error_messages={"required": "Choose the month the update is for.",
                                                   "invalid_choice": "Choose a month from M1 (April) to M12 (March)."})
    summary = note_field("Summary", help_text="Progress, priorities and decisions for the month (optional)")

    def __init__(self, *args: Any, months: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["month"]).choices = [("", "Choose a month"), *months]


class MeetingForm(NhsForm):
    kind = forms.ChoiceField(label="Kind of meeting", error_messages={"required": "Choose the kind of meeting."})
    held_on = date_field("Date")
    title = forms.CharField(label="Title", max_length=200,
                            error_messages={"required": "Enter the meeting's title.",
                                            "max_length": "The title must be 200 characters or fewer."})
    purpose = note_field("Purpose")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", "Choose"), *MeetingKind.choices]


class MeetingEditForm(MeetingForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("kind", "held_on", "title", "purpose")}


class DecisionAboutForm(NhsForm):
    """A decision about a scheme or a risk, recorded from its page: which of the year's meetings made it."""

    meeting = forms.TypedChoiceField(label="Meeting", coerce=int,
                                     error_messages={"required": "Choose the meeting that made the decision.",
                                                     "invalid_choice": "Choose one of this year's meetings."})
    text = note_field("Decision", required=True)

    def __init__(self, *args: Any, meetings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["meeting"]).choices = [("", "Choose a meeting"), *meetings]


class DecisionForm(NhsForm):
    text = note_field("Decision", required=True)
    action = forms.TypedChoiceField(label="About improvement-plan action", required=False, coerce=int,
                                    empty_value=None,
                                    error_messages={"invalid_choice": "Choose an action of this organisation's plan."})

    def __init__(self, *args: Any, actions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", "No action (a general decision)"), *actions]


class RequirementForm(NhsForm):
    domain_name = forms.CharField(label="Domain", max_length=120, help_text="For example, Leadership or PMO and QIPP",
                                  error_messages={"required": "Enter the domain, for example Leadership.",
                                                  "max_length": "The domain must be 120 characters or fewer."})
    number = forms.IntegerField(label="Number", min_value=1, max_value=999,
                                error_messages={"required": "Enter the requirement's number.",
                                                "invalid": "Enter the number as a whole number, like 11.",
                                                "min_value": "The number must be from 1 to 999.",
                                                "max_value": "The number must be from 1 to 999."})
    text = note_field("Requirement", required=True)


class PlanActionCreateForm(NhsForm):
    requirement = forms.TypedChoiceField(label="Requirement", coerce=int,
                                         error_messages={"required": "Choose the requirement.",
                                                         "invalid_choice": "Choose a requirement of this plan."})
    letter = forms.CharField(label="Letter", max_length=3, help_text="For example, c for action 2c",
                             error_messages={"required": "Enter the action's letter, like c.",
                                             "max_length": "The letter must be 3 characters or fewer."})
    text = note_field("Action", required=True)
    due_date = date_field("Due date", required=False)
    owner = forms.CharField(label="Governing-body owner", required=False, max_length=120,
                            error_messages={"max_length": "The owner must be 120 characters or fewer."})
    rag = forms.ChoiceField(label="RAG", required=False)
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, *args: Any, requirements: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["requirement"]).choices = [("", "Choose a requirement"), *requirements]
        cast(forms.ChoiceField, self.fields["rag"]).choices = [("", "Not recorded"), *ActionRag.choices]
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", "Not recorded"), *ActionStatus.choices]


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



class MemberPasswordResetForm(NhsForm):
    """An administrator's temporary password for a member: typed twice, or both left blank for one made up."""

    password1 = forms.CharField(
        label="Temporary password", required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave both boxes blank and the portal makes one up and shows it to you once. They must choose "
                  "their own when they next sign in.")
    password2 = forms.CharField(label="The temporary password again", required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1", "") != cleaned.get("password2", ""):
            self.add_error("password2", "The two passwords are not the same: type the temporary password twice.")
        return cleaned

    @property
    def password(self) -> str | None:
        """The typed password, or None for one made up."""
        return self.cleaned_data.get("password1") or None



def _html_attrs(attrs: Mapping[str, Any]) -> str:
    """Django's widgets/attrs.html in Python: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(f" {conditional_escape(name)}" if value is True else
                   f' {conditional_escape(name)}="{conditional_escape(value)}"'
                   for name, value in attrs.items() if value is not False)


def _input_html(widget: Mapping[str, Any]) -> str:
    """Django's widgets/input.html in Python."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
    return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{value}'
            f'{_html_attrs(widget["attrs"])}>')


_SELECT, _OPTION = "django/forms/widgets/select.html", "django/forms/widgets/select_option.html"


def _select_html(widget: Mapping[str, Any]) -> str | None:
    """Django's widgets/select.html and select_option.html in Python; None when an option has a template of its
    own (then the templates write it)."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_html_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != _OPTION:
                return None
            parts.append(f'\n  <option value="{conditional_escape(option["value"])}"{_html_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips the template's last newline
    return "".join(parts)


# Django's widget templates that only include input.html (text boxes, numbers, dates, check boxes, hidden ...).
_INPUTS = frozenset(f"django/forms/widgets/{name}.html" for name in (
    "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search", "tel",
    "color", "checkbox", "file"))


class PortalFormRenderer(DjangoTemplates):
    """Django's form renderer (settings.FORM_RENDERER), with its select and input widgets written in Python with the
    same HTML: the select's template includes a template an option and an attribute list, which was most of the time
    of a page's filter form (the risk register's scheme select has an option a scheme). Any other template, or one
    of these that an app overrides, is rendered as Django renders it."""

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name in self._django_own:
            widget = context["widget"]
            html = _select_html(widget) if template_name == _SELECT else _input_html(widget)
            if html is not None:
                return mark_safe(html)  # noqa: S308  # every value escaped
        return super().render(template_name, context, request)

    @cached_property
    def _django_own(self) -> frozenset[str]:
        """Those of the templates written in Python that no app overrides (Django's own files are found first)."""
        django_dir = Path(forms.__file__).parent / "templates"
        names = {*_INPUTS, _SELECT, _OPTION, "django/forms/widgets/attrs.html"}
        own = {name for name in names
               if Path(self.get_template(name).origin.name).is_relative_to(django_dir)}
        if not {_OPTION, "django/forms/widgets/attrs.html", "django/forms/widgets/input.html"} <= own:
            return frozenset()
        return frozenset(own & ({*_INPUTS, _SELECT}))

