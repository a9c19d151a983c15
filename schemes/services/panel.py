"""RAG panel sittings (ratings of many schemes at once) and directors' assessments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.fields import check_length
from governance.models import FinancialYear, Organisation
from governance.permissions import Action
from schemes.models import DirectorAssessment, PanelSitting, Rag, Scheme, SchemeRating
from schemes.selectors import newest_assessment, rating_tokens
from schemes.services.common import EditConflict, check_role, recorded_by, schedule_recompute

if TYPE_CHECKING:
    from governance.permissions import Actor


@dataclass(frozen=True)
class RatingInput:
    scheme: Scheme
    value: str
    resources: str
    timescales: str
    codependencies: str
    overall: str
    comment: str = ""


@transaction.atomic
def panel_sitting_record(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, held_on: date,
    ratings: Iterable[RatingInput], panel: str = "RAG panel", notes: str = "",
    seen_tokens: Mapping[int, int] | None = None,
) -> PanelSitting:
    """Record (or correct) a dated sitting's ratings for many schemes at once."""
    check_role(actor, Action.RATE_SCHEMES, organisation)
    ratings = list(ratings)
    valid = set(Rag.values)
    for rating in ratings:
        if rating.scheme.organisation_id != organisation.pk or rating.scheme.year_id != year.pk:
            raise ValidationError(f"{rating.scheme} is not a {organisation.name} scheme for {year}.")
        for dimension in ("value", "resources", "timescales", "codependencies", "overall"):
            if getattr(rating, dimension) not in valid:
                raise ValidationError(f"{rating.scheme.reference}: rate {dimension} as Green, Amber or Red.")
    if held_on > timezone.localdate():
        raise ValidationError("A panel sitting cannot be dated in the future.")
    check_length(panel, what="panel's name", field="panel", limit=100)
    check_length(notes, what="notes", field="notes")
    for rating in ratings:
        check_length(rating.comment, what=f"comment on {rating.scheme.reference}", field="comment")
    if seen_tokens is not None:
        # Lock the schemes, then compare: ratings saved since this user's page was drawn win.
        ids = [rating.scheme.pk for rating in ratings]
        list(Scheme.objects.select_for_update(of=("self",)).filter(pk__in=ids).values_list("pk"))
        now = rating_tokens(ids)
        stale = [r.scheme for r in ratings if now.get(r.scheme.pk, 0) != seen_tokens.get(r.scheme.pk, 0)]
        if stale:
            names = ", ".join(f"{s.reference} {s.name}" for s in stale)
            raise EditConflict(
                f"Someone else recorded ratings for {names} while you were rating. Nothing has been saved: "
                "their ratings are shown below; check them and save again to replace them.",
                current=stale,
            )
    sitting, _ = PanelSitting.objects.get_or_create(
        organisation=organisation, year=year, held_on=held_on, panel=panel,
        defaults={"notes": notes, "recorded_by": recorded_by(actor)},
    )
    changed: list[int] = []
    for rating in ratings:
        values = {
            "value": rating.value, "resources": rating.resources, "timescales": rating.timescales,
            "codependencies": rating.codependencies, "overall": rating.overall, "comment": rating.comment,
        }
        existing = SchemeRating.objects.filter(sitting=sitting, scheme=rating.scheme).first()
        if existing and all(getattr(existing, k) == v for k, v in values.items()):
            continue
        record = existing or SchemeRating(sitting=sitting, scheme=rating.scheme)
        for key, value in values.items():
            setattr(record, key, value)
        record._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
        record.save()
        changed.append(rating.scheme.pk)
    schedule_recompute(changed)
    return sitting


@transaction.atomic
def director_assessment_record(
    *, actor: Actor | None, scheme: Scheme, assessed_on: date, change_months: int, director: str = "",
    note: str = "", expected_latest_id: int | None = None,
) -> DirectorAssessment:
    """Record a director's change in delivery (one per scheme and date; the newest date is used).

    `expected_latest_id` is the newest assessment the user's page showed (0 for none): if another
    one was recorded since, nothing is saved.
    """
    check_role(actor, Action.ASSESS_DELIVERY, scheme.organisation)
    if expected_latest_id is not None:
        Scheme.objects.select_for_update(of=("self",)).filter(pk=scheme.pk).exists()
        latest = newest_assessment(scheme)
        if latest is not None and latest.pk != expected_latest_id:
            raise EditConflict(
                f"Someone else recorded a director's assessment of {scheme.reference} meanwhile: "
                f"{latest.change_months:+d} months on {latest.assessed_on:%d/%m/%Y}"
                f"{' by ' + latest.director if latest.director else ''}. Nothing has been saved: check it and "
                "save again to record yours.",
                current=latest,
            )
    if not -12 <= change_months <= 12:
        raise ValidationError("Change in delivery must be a whole number of months between -12 and +12.")
    check_length(director, what="director's name", field="director", limit=200)
    check_length(note, what="note", field="note")
    assessment = DirectorAssessment.objects.filter(scheme=scheme, assessed_on=assessed_on).first()
    if assessment and (assessment.change_months, assessment.director, assessment.note) == (
        change_months, director, note
    ):
        return assessment
    assessment = assessment or DirectorAssessment(scheme=scheme, assessed_on=assessed_on)
    assessment.change_months = change_months
    assessment.director = director
    assessment.note = note
    assessment.recorded_by = recorded_by(actor)
    assessment._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    assessment.save()
    schedule_recompute([scheme.pk])
    return assessment
