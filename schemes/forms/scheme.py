"""A scheme's inputs (create and edit) and the overrides of its computed figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from governance.forms import form_field
from governance.models import FinancialYear
from schemes.forms.common import MoneyField
from schemes.models import Figure, Phase, Scheme, SchemeType
from schemes.services import SCHEME_INPUT_FIELDS

SCHEME_FORM_FIELDS = [name for name in SCHEME_INPUT_FIELDS if name != "monthly_profile"]


def month_year_parts(value: Any) -> list[Any]:
    """A go-live date as the two boxes show it: [month, year], or blanks."""
    if isinstance(value, date):
        return [str(value.month), str(value.year)]
    return [None, None]


class MonthYearWidget(forms.MultiWidget):
    """Go-live as two boxes, month and year (NHS.UK date input without the day)."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        box = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__({"month": forms.TextInput(attrs=box), "year": forms.TextInput(attrs=box)}, attrs)

    def decompress(self, value: Any) -> list[Any]:
        return month_year_parts(value)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_month" if id_ else ""


class MonthYearField(forms.MultiValueField):
    """A month as (month number, year): blank in both means no go-live (live all year)."""

    widget = MonthYearWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields, require_all_fields=False, required=False, **kwargs)

    def clean(self, value: Any) -> date | None:
        if not isinstance(value, (list, tuple)):
            value = month_year_parts(value)
        month_text, year_text = ((v or "").strip() for v in (list(value) + [None, None])[:2])
        if not month_text and not year_text:
            return None
        if not month_text:
            raise ValidationError("Go-live date must include a month, or leave both boxes blank", code="month")
        if not year_text:
            raise ValidationError("Go-live date must include a year, for example 2013", code="year")
        if not month_text.isdigit() or not 1 <= int(month_text) <= 12:
            raise ValidationError("Go-live month must be a number from 1 to 12, for example 7 for July",
                                  code="month")
        if not year_text.isdigit() or len(year_text) != 4:
            raise ValidationError("Go-live year must be 4 numbers, for example 2013", code="year")
        return date(int(year_text), int(month_text), 1)

    def compress(self, data_list: list[Any]) -> date | None:  # pragma: no cover - clean() does it
        return None


class SchemeForm(forms.ModelForm):
    """Create or edit a scheme's inputs (the engine computes the rest)."""

    go_live = MonthYearField(
        label="Go-live month",
        help_text="The first month the scheme saves money, for example 7 2013. Leave blank if live all year.",
    )
    current_cost = MoneyField(what="current cost", required=False, allow_negative=False,
                              label="Initial opportunity / current cost (£, full year)")
    gross_saving = MoneyField(what="gross saving", label="Gross saving (£, full year)")
    new_investment = MoneyField(what="new investment", required=False, allow_negative=False,
                                label="New investment (£, full year)",
                                help_text="Leave blank when there is none, or while it is to be confirmed.")
    stated_net_saving = MoneyField(what="published net saving", required=False,
                                   label="Net saving as published (£)",
                                   help_text="Only if a paper states a net saving other than gross less investment.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Scheme
        fields = SCHEME_FORM_FIELDS
        labels = {"kpis": "KPIs", "scheme_type": "Type", "name": "Scheme name",
                  "investment_tbc": "New investment is to be confirmed (TBC)"}
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "kpis": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "programme": {"required": "Choose the programme", "invalid_choice": "Choose one of the programmes listed"},
            "reference": {"required": "Enter the scheme reference, for example 15b",
                          "max_length": "Scheme reference must be 30 characters or fewer"},
            "name": {"required": "Enter the scheme name", "max_length": "Scheme name must be 300 characters or fewer"},
            "phase": {"invalid_choice": "Choose a phase from 1 to 4"},
            "scheme_type": {"invalid_choice": "Choose transactional or transformational"},
        }

    def __init__(self, *args: Any, programmes: Any, year: FinancialYear, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        programme = form_field(self, "programme", forms.ModelChoiceField)
        programme.queryset = programmes
        programme.empty_label = "Choose a programme"
        # The model's choices with a blank named for what it means (in place of Django's dashes).
        form_field(self, "phase", forms.ChoiceField).choices = [("", "Not set"), *Phase.choices]
        form_field(self, "scheme_type", forms.ChoiceField).choices = [("", "Not set"), *SchemeType.choices]
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean_go_live(self) -> date | None:
        go_live = self.cleaned_data.get("go_live")
        if go_live is not None and go_live < self.year.starts_on:
            raise ValidationError(f"Go-live month must fall within {self.year.name} or later", code="before_year")
        return go_live

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("investment_tbc") and data.get("new_investment") is not None:
            self.add_error("new_investment",
                           "Leave the new investment blank while it is to be confirmed, or untick 'to be confirmed'")
        return data

    def _post_clean(self) -> None:
        # Model-level checks run in the service (schemes/services/scheme.py), with the
        # organisation and year the form does not carry; their messages come back to this form.
        return

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SCHEME_FORM_FIELDS}


def _reason_field(label: str, *, help_text: str, required: str) -> forms.CharField:
    """Why an override is set or cleared: required, kept with the figure and in its history."""
    return forms.CharField(
        label=label, help_text=help_text, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        error_messages={"required": required, "max_length": "Reason must be 2,000 characters or fewer"},
    )


class OverrideForm(forms.Form):
    # selectors.override_token as the page was drawn: a save after someone else's change is refused.
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)

    figure = forms.ChoiceField(
        label="Figure to override", choices=Figure.choices,
        error_messages={"required": "Choose the figure to override",
                        "invalid_choice": "Choose one of the figures listed"},
    )
    value = MoneyField(what="value", label="Value (£)")
    reason = _reason_field(
        "Reason for the override",
        help_text="Shown wherever the figure appears, for example 'as published in the governing body paper'.",
        required="Enter the reason for the override: it is shown wherever the figure appears",
    )


class OverrideClearForm(forms.Form):
    # selectors.override_token as the page was drawn: a save after someone else's change is refused.
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)

    reason = _reason_field(
        "Reason for clearing the override",
        help_text="The figure goes back to the formula's value. The reason is kept in the history.",
        required="Enter the reason for clearing the override",
    )
