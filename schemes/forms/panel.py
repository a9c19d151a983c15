"""A RAG panel sitting (every scheme's ratings at once) and a director's assessment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.forms import NhsForm, SummaryError, date_field, note_field
from schemes.models import Rag, Scheme
from schemes.services import RatingInput

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


def show_panel_conflict(
    rows: list[PanelRow], changed: list[Scheme], saved: Mapping[int, Any], tokens: Mapping[int, int]
) -> None:
    """After EditConflict: keep what this user chose, show what was saved meanwhile, take the tokens of now.

    Saving again from here then replaces the ratings saved meanwhile, knowingly.
    """
    for row in rows:
        rating = saved.get(row.scheme.pk)
        if row.scheme in changed and rating is not None:
            values = ", ".join(f"{label} {getattr(rating, key)}" for key, label in DIMENSIONS)
            row.errors.append(f"Saved meanwhile: {values}")
        row.token = tokens.get(row.scheme.pk, 0)


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
