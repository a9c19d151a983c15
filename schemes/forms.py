"""Forms for the scheme pages. Messages are plain English; services still check everything again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.forms import NhsForm, SummaryError, date_field, note_field
from governance.models import FinancialYear
from governance.money import money_problem, parse_pounds
from schemes import importers
from schemes.models import STAGE_GATEWAYS, Figure, GatewayDecision, Rag, Scheme, Stage
from schemes.selectors import SchemeTracker
from schemes.services import SCHEME_INPUT_FIELDS, MonthEdit, RatingInput

SCHEME_FORM_FIELDS = [name for name in SCHEME_INPUT_FIELDS if name != "monthly_profile"]


class MoneyField(forms.DecimalField):
    """Pounds, accepting what people type: "£602,000", "602000.50", "(1,115)" or "-1115".

    Bounded by governance.money: an amount no commissioner's figure reaches is refused here, with
    the same words the services use.
    """

    def __init__(self, *, what: str, allow_negative: bool = True, **kwargs: Any) -> None:
        self.what = what
        self.allow_negative = allow_negative
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}))
        super().__init__(**kwargs)
        self.error_messages = {
            **self.error_messages,
            "required": f"Enter the {what} in pounds",
            "invalid": f"Enter the {what} in pounds, like 602000 or 602,000.50",
        }

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            return parse_pounds(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        problem = money_problem(value, self.what)
        if problem:
            raise ValidationError(problem, code="bounds")
        if value is not None and value < 0 and not self.allow_negative:
            raise ValidationError(f"The {self.what} cannot be negative", code="negative")


class MonthYearWidget(forms.MultiWidget):
    """Go-live as two boxes, month and year (NHS.UK date input without the day)."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        box = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__({"month": forms.TextInput(attrs=box), "year": forms.TextInput(attrs=box)}, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [str(value.month), str(value.year)]
        return [None, None]

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
            value = self.widget.decompress(value)
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
        self.fields["programme"].queryset = programmes
        self.fields["programme"].empty_label = "Choose a programme"
        self.fields["phase"].choices = [("", "Not set"), *self.fields["phase"].choices[1:]]
        self.fields["scheme_type"].choices = [("", "Not set"), *self.fields["scheme_type"].choices[1:]]
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean_go_live(self) -> date | None:
        go_live = self.cleaned_data.get("go_live")
        if go_live is not None and go_live < self.year.starts_on:
            raise ValidationError(f"Go-live month must fall within {self.year.name} or later", code="before_year")
        return go_live

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("investment_tbc") and data.get("new_investment") is not None:
            self.add_error("new_investment",
                           "Leave the new investment blank while it is to be confirmed, or untick 'to be confirmed'")
        return data

    def _post_clean(self) -> None:
        # Model-level checks run in the service (schemes.services._validate_scheme), with the
        # organisation and year the form does not carry; their messages come back to this form.
        return

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SCHEME_FORM_FIELDS}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the fields it names (the rest above the form)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message if target else f"{field.replace('_', ' ')}: {message}")
        else:
            for message in error.messages:
                self.add_error(None, message)


class OverrideForm(forms.Form):
    # selectors.override_token as the page was drawn: a save after someone else's change is refused.
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)

    figure = forms.ChoiceField(
        label="Figure to override", choices=Figure.choices,
        error_messages={"required": "Choose the figure to override",
                        "invalid_choice": "Choose one of the figures listed"},
    )
    value = MoneyField(what="value", label="Value (£)")
    reason = forms.CharField(
        label="Reason for the override",
        help_text="Shown wherever the figure appears, for example 'as published in the governing body paper'.",
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        error_messages={"required": "Enter the reason for the override: it is shown wherever the figure appears",
                        "max_length": "Reason must be 2,000 characters or fewer"},
    )


class OverrideClearForm(forms.Form):
    # selectors.override_token as the page was drawn: a save after someone else's change is refused.
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)

    reason = forms.CharField(
        label="Reason for clearing the override",
        help_text="The figure goes back to the formula's value. The reason is kept in the history.",
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        error_messages={"required": "Enter the reason for clearing the override",
                        "max_length": "Reason must be 2,000 characters or fewer"},
    )



def money_input(value: Decimal | None) -> str:
    """A stored amount as it goes back into an input: whole pounds without pence, else two decimals."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{value:.0f}"
    return f"{value:.2f}"


# --- Monthly tracker -----------------------------------------------------------------------------------


@dataclass
class TrackerCell:
    """One editable month of the grid as the page shows it (the user's text is kept on error)."""

    month: int
    label: str
    actual_text: str
    forecast_text: str
    version: int
    actual_initial: str
    forecast_initial: str
    actual_error: str = ""
    forecast_error: str = ""
    conflict: dict[str, Any] | None = None


@dataclass
class TrackerForm:
    """All the editable cells of a scheme's tracker posted at once, each month with its version.

    Only the cells the user changed (text differs from the value the page was drawn with) become
    edits, so an untouched month never overwrites someone else's save.
    """

    tracker: SchemeTracker
    editable_months: list[int]
    data: Mapping[str, Any] | None = None
    cells: dict[int, TrackerCell] = field(default_factory=dict)
    errors: list[SummaryError] = field(default_factory=list)
    edits: list[MonthEdit] = field(default_factory=list)

    def __post_init__(self) -> None:
        rows = self.tracker.rows
        for m in self.editable_months:
            row = rows.get(m)
            actual = money_input(row.actual) if row else ""
            forecast = money_input(row.forecast) if row else ""
            self.cells[m] = TrackerCell(
                month=m, label=self.tracker.labels[m - 1], actual_text=actual, forecast_text=forecast,
                version=self.tracker.version(m), actual_initial=actual, forecast_initial=forecast,
            )

    def months_posted(self) -> list[int]:
        """Months the POST carries, editable or not (a month closed since the page was drawn is refused)."""
        assert self.data is not None
        posted = []
        for m in range(1, 13):
            if f"version_{m}" in self.data:
                posted.append(m)
        return posted

    def is_valid(self) -> bool:
        assert self.data is not None
        data = self.data
        for m in self.months_posted():
            label = self.tracker.labels[m - 1]
            row = self.tracker.rows.get(m)
            cell = self.cells.get(m) or TrackerCell(
                month=m, label=label, actual_text="", forecast_text="", version=self.tracker.version(m),
                actual_initial=money_input(row.actual) if row else "",
                forecast_initial=money_input(row.forecast) if row else "",
            )
            self.cells.setdefault(m, cell)
            cell.actual_text = str(data.get(f"actual_{m}", "")).strip()
            cell.forecast_text = str(data.get(f"forecast_{m}", "")).strip()
            cell.actual_initial = str(data.get(f"actual_{m}_initial", cell.actual_initial)).strip()
            cell.forecast_initial = str(data.get(f"forecast_{m}_initial", cell.forecast_initial)).strip()
            try:
                cell.version = int(data.get(f"version_{m}", ""))
            except (TypeError, ValueError):
                self.errors.append(SummaryError(f"The page was out of date for {label}: reload it and try again."))
                continue
            values: dict[str, Decimal | None] = {}
            for kind, text in (("actual", cell.actual_text), ("forecast", cell.forecast_text)):
                what = f"{kind} saving for {label}"
                try:
                    amount = parse_pounds(text)
                    problem = money_problem(amount, what)
                except ValueError:
                    amount, problem = None, (f"Enter the {what} as an amount in pounds, like 37,625 or "
                                             "37625.50, or leave it blank")
                if problem:
                    setattr(cell, f"{kind}_error", "Enter pounds, like 37,625")
                    self.errors.append(SummaryError(problem, f"#{kind}_{m}"))
                else:
                    values[kind] = amount
            if "actual" not in values or "forecast" not in values:
                continue
            changed = (cell.actual_text != cell.actual_initial) or (cell.forecast_text != cell.forecast_initial)
            if changed:
                self.edits.append(MonthEdit(month=m, expected_version=cell.version, actual=values["actual"],
                                            forecast=values["forecast"]))
        return not self.errors

    def show_conflict(self, current: Mapping[int, Any]) -> None:
        """After EditConflict: keep the user's changed figures, show the saved ones, and let them save again."""
        changed = {edit.month for edit in self.edits}
        for m, cell in self.cells.items():
            row = current.get(m) if m in current else self.tracker.rows.get(m)
            saved_actual = money_input(row.actual) if row else ""
            saved_forecast = money_input(row.forecast) if row else ""
            if m in current:
                cell.conflict = {
                    "yours_actual": cell.actual_text, "yours_forecast": cell.forecast_text,
                    "saved_actual": row.actual if row else None, "saved_forecast": row.forecast if row else None,
                    "saved_by": getattr(row, "updated_by", None) if row else None,
                    "saved_at": getattr(row, "updated_at", None) if row else None,
                }
            if m not in changed:
                # Not the user's change: show what is saved now, so saving again does not undo it.
                cell.actual_text, cell.forecast_text = saved_actual, saved_forecast
            cell.actual_initial, cell.forecast_initial = saved_actual, saved_forecast
            cell.version = row.version if row else 0


# --- RAG panel sitting ---------------------------------------------------------------------------------

DIMENSIONS = (
    ("value", "Value of scheme"),
    ("resources", "Resources required to deliver"),
    ("timescales", "Timescales / readiness of implementation"),
    ("codependencies", "Co-dependencies / multi-agency involvement"),
    ("overall", "Overall scheme rating"),
)


class PanelSittingForm(NhsForm):
    held_on = date_field("Date of the sitting")
    panel = forms.CharField(label="Panel", max_length=100, initial="RAG panel",
                            help_text="For example, RAG panel or Star Chamber",
                            error_messages={"required": "Enter the name of the panel."})
    notes = note_field("Notes")

    def clean_held_on(self) -> date:
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise ValidationError("The date of the sitting cannot be in the future.")
        return held_on


@dataclass
class PanelRow:
    scheme: Scheme
    values: dict[str, str]
    latest_on: date | None = None
    errors: list[str] = field(default_factory=list)
    token: int = 0  # selectors.rating_tokens: changes when anyone saves a rating of this scheme

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [("", "Not rated"), *Rag.choices]

    @property
    def cells(self) -> list[tuple[str, str, str]]:
        """(dimension, its label, the value chosen) in the panel's order."""
        return [(key, label, self.values.get(key, "")) for key, label in DIMENSIONS]


def panel_rows(
    schemes: Iterable[Scheme], latest: Mapping[int, Any], tokens: Mapping[int, int]
) -> list[PanelRow]:
    """One row per scheme, prefilled with its latest rating."""
    rows = []
    for scheme in schemes:
        rating = latest.get(scheme.pk)
        values = {key: (getattr(rating, key) if rating else "") for key, _ in DIMENSIONS}
        rows.append(PanelRow(scheme=scheme, values=values, latest_on=rating.sitting.held_on if rating else None,
                             token=tokens.get(scheme.pk, 0)))
    return rows


def read_seen_tokens(data: Mapping[str, Any], rows: list[PanelRow]) -> dict[int, int]:
    """The rating tokens the page was drawn with (a missing or garbled one counts as "changed")."""
    seen = {}
    for row in rows:
        try:
            seen[row.scheme.pk] = int(data.get(f"r{row.scheme.pk}-seen", ""))
        except (TypeError, ValueError):
            seen[row.scheme.pk] = -1
    return seen


def read_panel_rows(
    data: Mapping[str, Any], rows: list[PanelRow], posted_ids: list[str]
) -> tuple[list[RatingInput], list[SummaryError]]:
    """The ratings posted for the sitting. A row left entirely "Not rated" is skipped; a half-rated one is an error.

    Every posted scheme id must be one of the rows (the working organisation and year's schemes).
    """
    errors: list[SummaryError] = []
    known = {str(row.scheme.pk) for row in rows}
    unknown = [i for i in posted_ids if i not in known]
    if unknown:
        errors.append(SummaryError(
            "The form included schemes that are not in this organisation's year (or that you cannot see): "
            "nothing has been saved. Reload the page and try again."
        ))
    ratings = []
    posted = set(posted_ids)
    valid = set(Rag.values)
    for row in rows:
        if str(row.scheme.pk) not in posted:
            continue
        for key, _ in DIMENSIONS:
            row.values[key] = str(data.get(f"r{row.scheme.pk}-{key}", "")).strip()
        filled = [key for key, _ in DIMENSIONS if row.values[key]]
        if not filled:
            continue
        bad = [label for key, label in DIMENSIONS if row.values[key] not in valid]
        if bad:
            first = next(key for key, _ in DIMENSIONS if row.values[key] not in valid)
            message = (f"{row.scheme.reference} {row.scheme.name}: rate "
                       f"{', '.join(label.lower() for label in bad)} as Green, Amber or Red, or leave the whole "
                       "row as Not rated")
            row.errors.append(message)
            errors.append(SummaryError(message, f"#r{row.scheme.pk}-{first}"))
            continue
        ratings.append(RatingInput(scheme=row.scheme, **{key: row.values[key] for key, _ in DIMENSIONS}))
    if not errors and not ratings:
        errors.append(SummaryError("Rate at least one scheme.", f"#r{rows[0].scheme.pk}-value" if rows else ""))
    return ratings, errors


# --- Director's assessment -----------------------------------------------------------------------------


class DirectorAssessmentForm(NhsForm):
    assessed_on = date_field("Date of the assessment")
    change_months = forms.TypedChoiceField(
        label="Change in delivery (months)", coerce=int, initial=0,
        choices=[(n, f"{n:+d}" if n else "0 (no change)") for n in range(-12, 13)],
        help_text="+N means N more months of saving this year (delivery earlier); -N means N fewer (later)",
        error_messages={"required": "Choose the change in delivery, from -12 to +12 months.",
                        "invalid_choice": "Choose the change in delivery, from -12 to +12 months."},
    )
    director = forms.CharField(label="Director", max_length=200,
                               error_messages={"required": "Enter the name of the director making the assessment."})
    note = note_field("Note")
    # The latest assessment the page showed (0: none), so a second director cannot overwrite silently.
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_assessed_on(self) -> date:
        assessed_on = self.cleaned_data["assessed_on"]
        if assessed_on > timezone.localdate():
            raise ValidationError("The date of the assessment cannot be in the future.")
        return assessed_on


# --- Stage gates ---------------------------------------------------------------------------------------


class StageChangeForm(NhsForm):
    to_stage = forms.TypedChoiceField(label="Move the scheme to", coerce=int, choices=Stage.choices,
                                      error_messages={"required": "Choose the stage to move the scheme to."})
    decision = forms.ChoiceField(
        label="Gateway decision", choices=GatewayDecision.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the move was approved or not approved."},
    )
    approver = forms.CharField(label="Decided by", max_length=200,
                               help_text="The person or group who made the gateway decision",
                               error_messages={"required": "Enter who gave the gateway approval."})
    decided_on = date_field("Date of the decision")
    confirmed = forms.MultipleChoiceField(label="Gateway approvals recorded", required=False,
                                          widget=forms.CheckboxSelectMultiple)
    note = note_field("Note, or the reason for moving back",
                      help_text="A reason is required when moving the scheme back to an earlier stage")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.gateway = STAGE_GATEWAYS.get(scheme.stage, ())
        self.fields["confirmed"].choices = list(self.gateway)
        self.fields["to_stage"].choices = [(s.value, s.label) for s in Stage if s.value != scheme.stage]
        if scheme.stage < Stage.CLOSURE:
            self.fields["to_stage"].initial = scheme.stage + 1
        self.fields["decision"].widget.attrs["data-error-anchor"] = "id_decision_0"
        self.fields["confirmed"].widget.attrs["data-error-anchor"] = "id_confirmed_0"
        self.fields["version"].initial = scheme.version


# --- Key stages ----------------------------------------------------------------------------------------


class KeyStageForm(NhsForm):
    name = forms.CharField(label="Stage or milestone", max_length=200,
                           error_messages={"required": "Enter the name of the stage or milestone."})
    baseline_date = date_field("Baseline date", required=False,
                               help_text="The date first planned. Slippage is measured against it")
    current_date = date_field("Current planned date", required=False,
                              help_text="Leave blank to use the baseline date")
    completed_on = date_field("Date completed", required=False, help_text="Leave blank until the stage is done")
    order = forms.IntegerField(label="Order", min_value=0, max_value=999, required=False,
                               help_text="Where it appears in the list (leave blank to add at the end)",
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                               error_messages={"invalid": "Enter the order as a whole number, like 3.",
                                               "min_value": "Enter the order as a whole number from 0 to 999.",
                                               "max_value": "Enter the order as a whole number from 0 to 999."})
    note = note_field("Note")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class KeyStageTemplateForm(NhsForm):
    first_date = date_field("Baseline date of the first stage",
                            help_text="Each following stage is baselined one month later")


# --- Workbook import -----------------------------------------------------------------------------------

XLSX_SIGNATURE = b"PK\x03\x04"  # an .xlsx file is a zip archive


class WorkbookUploadForm(NhsForm):
    """Step 1 of the import: the .xlsx file and, optionally, the sheet. The importer checks the contents."""

    workbook = forms.FileField(
        label="Workbook", allow_empty_file=False,
        # The import's limits, stated where the file is chosen (the importer refuses with the same words).
        help_text=f"An Excel workbook (.xlsx) laid out like Bexley's QIPP Appendix 1: {importers.LIMITS_IN_WORDS}",
        widget=forms.FileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
        error_messages={
            "required": "Choose the workbook (.xlsx) to import.",
            "empty": "The file you chose is empty. Choose the workbook (.xlsx) to import.",
            "invalid": "The file did not arrive. Choose the workbook (.xlsx) again.",
            "missing": "The file did not arrive. Choose the workbook (.xlsx) again.",
        },
    )
    sheet = forms.CharField(
        label="Sheet name", required=False, max_length=100,
        help_text="Leave blank to use the first sheet that has a scheme table, like Appendix 1",
        error_messages={"max_length": "Enter a sheet name of at most 100 characters, as it appears on its tab."},
    )

    def clean_workbook(self) -> Any:
        upload = self.cleaned_data["workbook"]
        name = str(upload.name or "")
        if not name.lower().endswith(".xlsx"):
            raise ValidationError(
                f"“{name}” is not an Excel workbook: choose a file ending .xlsx. If the schemes are in an older "
                "Excel file (.xls) or a CSV file, open it in Excel and save it as an Excel Workbook (.xlsx) first."
            )
        too_large = importers.size_problem(name, upload.size)
        if too_large:
            raise ValidationError(too_large)  # refused before anything reads the file
        upload.seek(0)
        signature = upload.read(len(XLSX_SIGNATURE))
        upload.seek(0)
        if signature != XLSX_SIGNATURE:
            raise ValidationError(
                f"“{name}” ends .xlsx but is not an Excel workbook. Open it in Excel and save it as an Excel "
                "Workbook (.xlsx), then choose it again."
            )
        return upload

    def clean_sheet(self) -> str | None:
        return self.cleaned_data["sheet"].strip() or None


class WorkbookConfirmForm(NhsForm):
    """Step 2: import the file the preview showed. `digest` says which preview this page was drawn from."""

    digest = forms.CharField(widget=forms.HiddenInput, required=False)
