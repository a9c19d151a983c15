"""Forms of the financial risks and mitigations pages: they parse and bound what was typed; services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from finance.models import LEAD_LENGTH, SHORT_TEXT, FinancialRiskKind, FinancialRiskMonth
from finance.services import ROW_FIELDS
from governance.fields import NOTE_LENGTH
from governance.formatting import MONTH_NAMES
from governance.forms import NhsForm, form_field, note_field
from governance.money import money_problem, parse_pounds

AMOUNTS = (("total_value", "Total value"), ("assessed_value", "Assessed value"), ("in_forecast", "In forecast"))
MONTH_CHOICES = [(m, f"M{m} ({MONTH_NAMES[m - 1]})") for m in range(1, 13)]


def money_input(value: Decimal | None) -> str:
    """A stored amount as it goes back into an input: whole pounds without pence, else two decimals."""
    if value is None:
        return ""
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"


def _text(label: str, limit: int, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=limit, help_text=help_text,
        error_messages={"max_length": f"{label} must be {limit:,} characters or fewer.",
                        "required": f"Enter the {label.lower()}."},
    )


class FinancialRiskForm(NhsForm):
    """Add or edit one risk or mitigation. Amounts are pounds, positive for both kinds."""

    kind = forms.ChoiceField(label="Risk or mitigation", choices=FinancialRiskKind.choices,
                             error_messages={"required": "Choose risk or mitigation."})
    description = _text("Description", SHORT_TEXT, required=True)
    total_value = _text("Total value", 40, required=True,
                        help_text="In pounds, for example 4,000,000. Enter risks as positive amounts: the register "
                                  "shows them in brackets")
    assessed_value = _text("Assessed value", 40, required=True,
                           help_text="The likelihood-weighted amount, in pounds. The % shown is assessed / total")
    in_forecast = _text("In forecast", 40, required=True,
                        help_text="The part already in the forecast, in pounds. Residual = assessed - in forecast")
    published_percent = _text("Published %", 10, help_text="Only if a paper printed a different %, e.g. 40%")
    exec_lead = _text("Exec lead", LEAD_LENGTH)
    process_to_manage = note_field("Process to manage", limit=NOTE_LENGTH)
    commentary = note_field("Commentary", limit=NOTE_LENGTH)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]  # a row stays the kind it was added as

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name, label in AMOUNTS:
            text = self.data.get(self.add_prefix(name), "")
            if name in self.errors or not str(text).strip():
                continue
            what = label.lower()
            try:
                amount = parse_pounds(text)
            except ValueError:
                self.add_error(name, f"Enter the {what} as an amount in pounds, like 4,000,000 or 37625.50.")
                continue
            problem = money_problem(amount, what)
            if problem is None and amount is not None and amount < 0:
                problem = f"Enter the {what} as a positive amount: risks are shown in brackets for you."
            if problem:
                self.add_error(name, problem)
            else:
                cleaned[name] = amount
        return cleaned

    def row_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ROW_FIELDS}


def row_initial(row: Any) -> dict[str, Any]:
    """A saved row as the edit form shows it."""
    initial = {name: getattr(row, name) for name in ROW_FIELDS}
    for name, _ in AMOUNTS:
        initial[name] = money_input(initial[name])
    initial["version"] = row.version
    return initial


class RegisterMonthField(forms.ModelChoiceField):
    """A month's register offered by its month, as M9 (December)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"M{obj.month} ({MONTH_NAMES[obj.month - 1]})"


class MonthStartForm(NhsForm):
    month = forms.TypedChoiceField(label="Month", choices=MONTH_CHOICES, coerce=int,
                                   error_messages={"required": "Choose the month the register is for."})
    copy_from = RegisterMonthField(
        label="Copy the rows of", queryset=FinancialRiskMonth.objects.none(), required=False,
        empty_label="Nothing: start an empty register",
        help_text="Copy forward: the month copied from stays as it was",
    )

    def __init__(self, *args: Any, months: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if months is not None:
            form_field(self, "copy_from", forms.ModelChoiceField).queryset = months
