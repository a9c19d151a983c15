"""Risk forms: they parse and bound what the user typed; the rules live in risks.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from governance.fields import DESCRIPTION_LENGTH
from governance.forms import NhsForm, date_field, form_field
from risks.models import STAGE_LABELS, STAGES, Category, Risk
from schemes.forms import WorkbookConfirmForm, WorkbookUploadForm
from schemes.importers import LIMITS_IN_WORDS
from schemes.models import Programme, Scheme

ONE_TO_FIVE = [("", "Not scored"), *((str(n), str(n)) for n in range(1, 6))]
TEXT_FIELDS = ("title", "description", "category", "impact", "mitigation", "owner")


def _text(label: str, limit: int, *, required: bool = False, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=limit, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter the {label.lower()}.",
                        "max_length": f"{label} must be {limit:,} characters or fewer."},
    )


def _score(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=False, choices=ONE_TO_FIVE, coerce=int, empty_value=None)


class RiskForm(NhsForm):
    title = _text("Risk", 300, required=True, rows=2)
    description = _text("Description", DESCRIPTION_LENGTH)
    category = forms.ChoiceField(label="Category", required=False, choices=[("", "Not recorded"),
                                                                            *Category.choices])
    programme = forms.ModelChoiceField(label="Programme at risk", required=False, queryset=Programme.objects.none(),
                                       empty_label="None")
    scheme = forms.ModelChoiceField(label="Scheme at risk", required=False, queryset=Scheme.objects.none(),
                                    empty_label="None")
    owner = forms.CharField(label="Owner / senior risk owner (SRO)", required=False, max_length=200,
                            error_messages={"max_length": "The owner must be 200 characters or fewer."})
    impact = _text("Impact", DESCRIPTION_LENGTH, help_text="What happens if the risk occurs")
    mitigation = _text("Mitigating actions", DESCRIPTION_LENGTH)
    review_date = date_field("Next review date", required=False)
    year_start_likelihood = _score("Likelihood")
    year_start_impact = _score("Impact")
    current_likelihood = _score("Likelihood")
    current_impact = _score("Impact")
    target_likelihood = _score("Likelihood")
    target_impact = _score("Impact")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args: Any, programmes: QuerySet[Programme], schemes: QuerySet[Scheme],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "programme", forms.ModelChoiceField).queryset = programmes
        form_field(self, "scheme", forms.ModelChoiceField).queryset = schemes

    def score_groups(self) -> list[dict[str, Any]]:
        """The three scores' fields, each a likelihood and an impact drawn as one group."""
        return [{"stage": stage, "label": f"{STAGE_LABELS[stage]} score", "likelihood": self[f"{stage}_likelihood"],
                 "impact": self[f"{stage}_impact"]} for stage in STAGES]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = [*TEXT_FIELDS, "programme", "scheme", "review_date",
                 *(f"{stage}_{part}" for stage in STAGES for part in ("likelihood", "impact"))]
        return {name: data[name] for name in names}

    @staticmethod
    def initial_for(risk: Risk) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(risk, name) for name in TEXT_FIELDS}
        initial |= {"programme": risk.programme_id, "scheme": risk.scheme_id, "review_date": risk.review_date,
                    "version": risk.version}
        for stage in STAGES:
            for part in ("likelihood", "impact"):
                value = getattr(risk, f"{stage}_{part}")
                initial[f"{stage}_{part}"] = "" if value is None else str(value)
        return initial


class HeatMapForm(NhsForm):
    scores = forms.ChoiceField(label="Scores", required=False,
                               choices=[("current", "Current"), ("target", "Target"), ("year_start", "Year start")])


class RiskUploadForm(WorkbookUploadForm):
    """Step 1 of a risk register import: the .xlsx file (the scheme import's checks of its name, size and
    signature); the importer checks the contents."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["sheet"]  # the first sheet with a 'Risk' header is read
        self.fields["workbook"].help_text = (
            "An Excel workbook (.xlsx) with a header row of Risk, Category, Scheme, Owner, Start likelihood, Start "
            "impact, Current likelihood, Current impact, Target likelihood, Target impact, Impact, Mitigation, "
            f"Review date (a score such as “20 5x4 Red” may replace a likelihood and impact): {LIMITS_IN_WORDS}"
        )


class RiskConfirmForm(WorkbookConfirmForm):
    """Step 2: import the file the check showed."""
