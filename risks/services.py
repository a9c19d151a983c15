"""Risk writes. Keyword-only, typed, atomic; each takes the acting user and checks the role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from governance.models import FinancialYear, Organisation
from governance.permissions import Action, require
from risks.models import STAGE_LABELS, STAGES, Risk
from schemes.services import EditConflict

if TYPE_CHECKING:
    from governance.permissions import Actor

__all__ = ["RISK_FIELDS", "EditConflict", "risk_create", "risk_record", "risk_update"]

SCORE_FIELDS = tuple(
    f"{stage}_{part}" for stage in STAGES for part in ("likelihood", "impact", "published", "published_score")
)
RISK_FIELDS = ("year", "title", "description", "category", "programme", "scheme", "impact", "mitigation", "owner",
               "review_date", *SCORE_FIELDS)


def _check(actor: Actor | None, organisation: Organisation) -> None:
    if actor is not None:
        require(actor, Action.RECORD_RISKS, organisation)


def _unknown(values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown risk fields: {sorted(unknown)}")


def _validate(risk: Risk) -> None:
    """The model's own checks, then the matrix's: both halves of a pair or neither; a bare published score
    only while likelihood and impact are not recorded; the programme and scheme are the risk's organisation's."""
    errors: dict[str, list[str]] = {}
    for stage in STAGES:
        likelihood = getattr(risk, f"{stage}_likelihood")
        impact = getattr(risk, f"{stage}_impact")
        label = STAGE_LABELS[stage].lower()
        if (likelihood is None) != (impact is None):
            missing = f"{stage}_impact" if impact is None else f"{stage}_likelihood"
            errors.setdefault(missing, []).append(
                f"Give the {label} score's likelihood and impact together (1 to 5 each), or neither."
            )
        if likelihood is not None and impact is not None:
            setattr(risk, f"{stage}_published_score", None)
    for name in ("programme", "scheme"):
        related = getattr(risk, name)
        if related is not None and related.organisation_id != risk.organisation_id:
            errors.setdefault(name, []).append(f"That {name} belongs to another organisation.")
    try:
        risk.full_clean(validate_constraints=False)  # the matrix checks above say it in words
    except ValidationError as invalid:
        for field, messages in invalid.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _save(risk: Risk, actor: Actor | None) -> Risk:
    risk._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    risk.save()
    return risk


@transaction.atomic
def risk_create(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear | None, title: str,
    **values: Any,
) -> Risk:
    """Add a risk to the organisation's register for `year`. Scores are likelihood x impact, never typed."""
    _check(actor, organisation)
    _unknown(values)
    risk = Risk(organisation=organisation, year=year, title=title, **values)
    _validate(risk)
    return _save(risk, actor)


@transaction.atomic
def risk_update(
    *, actor: Actor | None, risk: Risk, expected_version: int | None, changes: Mapping[str, Any],
) -> Risk:
    """Save a user's edit of a risk (a review of its scores is an edit too: its history dates each one).

    Raises EditConflict when someone saved the risk since the user opened it; nothing is saved then.
    """
    _check(actor, risk.organisation)
    _unknown(changes)
    current = Risk.objects.select_for_update().get(pk=risk.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f'"{current.title}" was changed by someone else while you were editing it. Your changes have not been '
            "saved: compare the two versions below.",
            current=current,
        )
    actual = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if not actual:
        return current
    for name, value in actual.items():
        setattr(current, name, value)
    _validate(current)
    current.version += 1
    return _save(current, actor)


@transaction.atomic
def risk_record(
    *, actor: Actor | None, organisation: Organisation, reference: str, **values: Any,
) -> Risk:
    """Create or update the organisation's risk `reference` (the demo loader and the importer).
    Unchanged values write nothing (and no history)."""
    _check(actor, organisation)
    _unknown(values)
    found = Risk.objects.select_for_update().filter(organisation=organisation, reference=reference)
    if "year" in values:  # the year's register, or a risk recorded before registers had years
        found = found.filter(Q(year=values["year"]) | Q(year__isnull=True)).order_by("year_id")
    risk = found.first()
    if risk is None:
        risk = Risk(organisation=organisation, reference=reference)
    elif all(getattr(risk, name) == value for name, value in values.items()):
        return risk
    else:
        risk.version += 1
    for name, value in values.items():
        setattr(risk, name, value)
    _validate(risk)
    return _save(risk, actor)
