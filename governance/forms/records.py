"""Governance's own forms: reopening a month, the improvement plan's actions and updates, meetings and their
decisions, requirements, and an administrator's temporary password for a member."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from governance.fields import NOTE_LENGTH
from governance.forms.common import NhsForm, date_field, note_field
from governance.models import ActionRag, ActionStatus, MeetingKind


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
