"""Forms of the budget pages: they parse and bound what was typed; services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from finance.forms.financial_risks import MONTH_CHOICES, money_input
from finance.models import BudgetLine, BudgetLineKind, BudgetMonth
from governance.fields import NOTE_LENGTH
from governance.forms import NhsForm, note_field
from schemes.forms.common import MoneyField

NAME_LENGTH = 200
SECTION_LENGTH = 200
PUBLISHED = (("published_ytd_plan", "Published YTD plan"), ("published_ytd_actual", "Published YTD actual"),
             ("published_forecast_plan", "Published full-year plan"),
             ("published_forecast", "Published forecast outturn"))
MONTH_AMOUNTS = (("plan", "Plan"), ("actual", "Actual"), ("forecast", "Forecast"))


def _money(label: str, *, required: bool = False, help_text: str = "") -> MoneyField:
    return MoneyField(what=label.lower(), label=label, required=required, help_text=help_text)


def _text(label: str, limit: int, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=limit, help_text=help_text,
                           error_messages={"required": f"Enter the {label.lower()}.",
                                           "max_length": f"{label} must be {limit:,} characters or fewer."})


class BudgetMonthChoiceForm(forms.Form):
    """Which month the budget table is at (GET): M1..M12."""

    month = forms.TypedChoiceField(label="Month", choices=MONTH_CHOICES, coerce=int, required=False)

    def chosen(self) -> int | None:
        return (self.cleaned_data.get("month") or None) if self.is_valid() else None


class BudgetLineForm(NhsForm):
    """Add a line (its name is how imports find it: fixed once added) or edit the rest of it."""

    name = _text("Name", NAME_LENGTH, required=True, help_text='As the paper names the line, e.g. "Acute Services"')
    kind = forms.ChoiceField(label="Kind", choices=BudgetLineKind.choices,
                             error_messages={"required": "Choose whether this is an allocation or a spend line."})
    section = _text("Section", SECTION_LENGTH,
                    help_text='Lines of one section are subtotalled, e.g. "Programme Expenditure"')
    position = forms.IntegerField(
        label="Position", min_value=0, max_value=10_000, help_text="Order in the table: lower comes first",
        error_messages={"required": "Enter the position (a whole number; lower comes first).",
                        "invalid": "Enter the position as a whole number, like 3.",
                        "min_value": "Enter a position of 0 or more.",
                        "max_value": "Enter a position of 10,000 or less."},
    )
    commentary = note_field("Commentary", limit=NOTE_LENGTH)
    published_month = forms.TypedChoiceField(
        label="Published figures are for", choices=[("", "No published figures"), *MONTH_CHOICES], coerce=int,
        required=False, empty_value=None, help_text="The month of the paper that printed the figures below",
    )
    published_ytd_plan = _money("Published YTD plan", help_text="In pounds, as the paper printed it")
    published_ytd_actual = _money("Published YTD actual")
    published_forecast_plan = _money("Published full-year plan")
    published_forecast = _money("Published forecast outturn")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["name"]  # the line's identity: imports and the ledger match it by name

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        given = [cleaned.get(name) is not None for name, _ in PUBLISHED]
        if any(given) and not cleaned.get("published_month") and "published_month" not in self.errors:
            self.add_error("published_month", "Choose the month the published figures are for.")
        return cleaned

    def line_values(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        values = {name: cleaned.get(name) for name in ("position", "kind", "published_month", *dict(PUBLISHED))}
        return values | {"section": cleaned.get("section", "").strip(), "commentary": cleaned.get("commentary", "")}


def line_initial(line: BudgetLine) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(line, name) for name in ("name", "kind", "section", "position",
                                                                      "commentary", "published_month")}
    for name, _ in PUBLISHED:
        initial[name] = money_input(getattr(line, name))
    initial["version"] = line.version
    return initial


class BudgetMonthForm(NhsForm):
    """A line's month: plan, and the actual and forecast spend where known (blank = not yet known)."""

    plan = _money("Plan", required=True, help_text="The month's budget in pounds, e.g. 50,330,400")
    actual = _money("Actual", help_text="Leave blank until the month's ledger is closed")
    forecast = _money("Forecast", help_text="Expected spend for a month not yet closed; blank counts the plan")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def month_values(self) -> dict[str, Any]:
        """plan (required, so a Decimal), actual and forecast (None = not yet known)."""
        return {name: self.cleaned_data.get(name) for name, _ in MONTH_AMOUNTS}


def month_initial(record: BudgetMonth | None) -> dict[str, Any]:
    if record is None:
        return {"version": 0}  # not recorded yet: saving creates it (someone else's first save is a conflict)
    return {"plan": money_input(record.plan), "actual": money_input(record.actual),
            "forecast": money_input(record.forecast), "version": record.version}
