"""Writes to schemes. Keyword-only, typed, atomic; permission checked when a user acts.

`actor=None` means the system itself (management commands, the importer, tasks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import FinancialYear, Organisation
from governance.permissions import Action, require
from schemes import engine
from schemes.models import (
    DirectorAssessment,
    Figure,
    FigureOverride,
    PanelSitting,
    Programme,
    Rag,
    Scheme,
    SchemeMonth,
    SchemeRating,
)
from schemes.selectors import scheme_engine_inputs

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    User = AbstractBaseUser


class EditConflict(Exception):
    """Someone else saved the same record since this user opened it."""

    def __init__(self, message: str, *, current: Any) -> None:
        super().__init__(message)
        self.current = current


def _check(actor: User | None, action: Action, organisation: Organisation) -> None:
    if actor is not None:
        require(actor, action, organisation)


def schedule_recompute(scheme_ids: Iterable[int]) -> None:
    """Recompute figures once the current transaction commits (never from uncommitted data)."""
    ids = sorted(set(scheme_ids))
    if not ids:
        return
    from schemes.tasks import recompute_scheme_figures

    transaction.on_commit(lambda: recompute_scheme_figures.delay(ids))


@transaction.atomic
def scheme_recompute(*, scheme_id: int) -> Scheme:
    """Run the engine on one scheme's inputs and store its figures and monthly plan. Idempotent."""
    scheme = (
        Scheme.objects.select_for_update(of=("self",))
        .select_related("organisation", "year")
        .get(pk=scheme_id)
    )
    inputs = scheme_engine_inputs(scheme)
    try:
        figures = engine.compute(inputs)
    except engine.ProfileError:
        # A stored profile that no longer sums to the plan (the plan changed since) falls back to
        # linear phasing; the scheme page shows the mismatch for the PMO to fix.
        figures = engine.compute(scheme_engine_inputs(scheme, monthly_profile=None))
    stored = {
        "full_year_effect": figures.full_year_effect,
        "months_in_year": figures.months_in_year,
        "plan_in_year": figures.plan_in_year,
        "next_year_effect": figures.next_year_effect,
        "overall_rag": inputs.overall_rag or "",
        "most_likely": figures.most_likely,
        "delivery_change_months": inputs.delivery_change_months,
        "adjusted_months": figures.adjusted_months,
        "director_value": figures.director_value,
        "director_next_year": figures.director_next_year,
        "overridden_fields": sorted(figures.overridden),
        "figures_computed_at": timezone.now(),
    }
    # update(), not save(): stored results are not a user's edit, so no version bump or history row.
    Scheme.objects.filter(pk=scheme.pk).update(**stored)
    existing = {m.month: m for m in SchemeMonth.objects.filter(scheme=scheme)}
    to_create, to_update = [], []
    for index, plan in enumerate(figures.monthly_plan, start=1):
        row = existing.get(index)
        if row is None:
            to_create.append(SchemeMonth(scheme=scheme, month=index, plan=plan))
        elif row.plan != plan:
            row.plan = plan
            to_update.append(row)
    SchemeMonth.objects.bulk_create(to_create)
    SchemeMonth.objects.bulk_update(to_update, ["plan"])
    for name, value in stored.items():
        setattr(scheme, name, value)
    return scheme


def programme_get_or_create(*, organisation: Organisation, name: str, **details: str) -> Programme:
    programme, created = Programme.objects.get_or_create(organisation=organisation, name=name.strip(),
                                                         defaults=details)
    if not created:
        changed = {k: v for k, v in details.items() if v and getattr(programme, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(programme, key, value)
            programme.save()
    return programme


SCHEME_INPUT_FIELDS = (
    "programme",
    "reference",
    "name",
    "project_owner",
    "clinical_lead",
    "managerial_lead",
    "description",
    "kpis",
    "phase",
    "scheme_type",
    "go_live",
    "current_cost",
    "gross_saving",
    "new_investment",
    "investment_tbc",
    "stated_net_saving",
    "monthly_profile",
)


def _validate_scheme(scheme: Scheme) -> None:
    errors: dict[str, list[str]] = {}
    if scheme.programme_id and scheme.programme.organisation_id != scheme.organisation_id:
        errors.setdefault("programme", []).append("Choose a programme of this organisation.")
    if scheme.go_live is not None:
        scheme.go_live = scheme.go_live.replace(day=1)
    if scheme.investment_tbc and scheme.new_investment is not None:
        errors.setdefault("new_investment", []).append(
            "Leave the investment blank while it is to be confirmed, or untick 'to be confirmed'."
        )
    if scheme.monthly_profile:
        try:
            figures = engine.compute(scheme_engine_inputs(scheme, monthly_profile=None))
            engine.check_profile([Decimal(str(v)) for v in scheme.monthly_profile], figures.plan_in_year)
        except (engine.ProfileError, ArithmeticError, ValueError) as error:
            errors.setdefault("monthly_profile", []).append(str(error))
    try:
        scheme.full_clean(exclude=["organisation", "year"], validate_unique=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    duplicate = Scheme.objects.filter(
        organisation=scheme.organisation, year=scheme.year, reference=scheme.reference
    ).exclude(pk=scheme.pk)
    if duplicate.exists():
        errors.setdefault("reference", []).append(
            f"{scheme.organisation.name} already has a scheme {scheme.reference} in {scheme.year}."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scheme_create(
    *, actor: User | None, organisation: Organisation, year: FinancialYear, programme: Programme,
    reference: str, name: str, **details: Any,
) -> Scheme:
    _check(actor, Action.EDIT_SCHEMES, organisation)
    unknown = set(details) - set(SCHEME_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown scheme fields: {sorted(unknown)}")
    scheme = Scheme(organisation=organisation, year=year, programme=programme, reference=reference.strip(),
                    name=name.strip(), **details)
    _validate_scheme(scheme)
    scheme._history_user = actor  # type: ignore[attr-defined]
    scheme.save()
    schedule_recompute([scheme.pk])
    return scheme


@transaction.atomic
def scheme_update(*, actor: User | None, scheme: Scheme, expected_version: int | None,
                  changes: Mapping[str, Any]) -> Scheme:
    """Apply a user's edit. Refused if someone else saved since `expected_version` was read."""
    _check(actor, Action.EDIT_SCHEMES, scheme.organisation)
    unknown = set(changes) - set(SCHEME_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown scheme fields: {sorted(unknown)}")
    current = Scheme.objects.select_for_update(of=("self",)).get(pk=scheme.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f"{current.reference} {current.name} was changed by someone else while you were editing it. "
            "Your changes have not been saved: compare the two versions below.",
            current=current,
        )
    actual_changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not actual_changes:
        return current
    for key, value in actual_changes.items():
        setattr(current, key, value)
    _validate_scheme(current)
    current.version += 1
    current._history_user = actor  # type: ignore[attr-defined]
    current.save()
    schedule_recompute([current.pk])
    return current


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
    *, actor: User | None, organisation: Organisation, year: FinancialYear, held_on: date,
    ratings: Iterable[RatingInput], panel: str = "RAG panel", notes: str = "",
) -> PanelSitting:
    """Record (or correct) a dated sitting's ratings for many schemes at once."""
    _check(actor, Action.RATE_SCHEMES, organisation)
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
    sitting, _ = PanelSitting.objects.get_or_create(
        organisation=organisation, year=year, held_on=held_on, panel=panel,
        defaults={"notes": notes, "recorded_by": actor if actor and actor.is_authenticated else None},
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
        record._history_user = actor  # type: ignore[attr-defined]
        record.save()
        changed.append(rating.scheme.pk)
    schedule_recompute(changed)
    return sitting


@transaction.atomic
def director_assessment_record(
    *, actor: User | None, scheme: Scheme, assessed_on: date, change_months: int, director: str = "",
    note: str = "",
) -> DirectorAssessment:
    _check(actor, Action.ASSESS_DELIVERY, scheme.organisation)
    if not -12 <= change_months <= 12:
        raise ValidationError("Change in delivery must be a whole number of months between -12 and +12.")
    assessment = DirectorAssessment.objects.filter(scheme=scheme, assessed_on=assessed_on).first()
    if assessment and (assessment.change_months, assessment.director, assessment.note) == (
        change_months, director, note
    ):
        return assessment
    assessment = assessment or DirectorAssessment(scheme=scheme, assessed_on=assessed_on)
    assessment.change_months = change_months
    assessment.director = director
    assessment.note = note
    assessment.recorded_by = actor if actor and actor.is_authenticated else None
    assessment._history_user = actor  # type: ignore[attr-defined]
    assessment.save()
    schedule_recompute([scheme.pk])
    return assessment


@transaction.atomic
def figure_override_set(
    *, actor: User | None, scheme: Scheme, figure: str, value: Decimal, reason: str
) -> FigureOverride:
    """Set a computed figure by hand. The reason is mandatory and kept."""
    _check(actor, Action.OVERRIDE_FIGURES, scheme.organisation)
    if figure not in Figure.values:
        raise ValidationError(f"{figure} is not a figure that can be overridden.")
    if not reason or not reason.strip():
        raise ValidationError("Give a reason for the override: it is shown wherever the figure appears.")
    current = FigureOverride.objects.select_for_update().filter(
        scheme=scheme, figure=figure, cleared_at__isnull=True
    ).first()
    if current and current.value == value and current.reason == reason.strip():
        return current
    if current:
        _clear(current, actor, f"Replaced by a new override: {reason.strip()}")
    override = FigureOverride(
        scheme=scheme, figure=figure, value=value, reason=reason.strip(),
        created_by=actor if actor and actor.is_authenticated else None,
    )
    override._history_user = actor  # type: ignore[attr-defined]
    override.save()
    schedule_recompute([scheme.pk])
    return override


def _clear(override: FigureOverride, actor: User | None, reason: str) -> None:
    override.cleared_at = timezone.now()
    override.cleared_by = actor if actor and actor.is_authenticated else None
    override.clear_reason = reason
    override._history_user = actor  # type: ignore[attr-defined]
    override.save()


@transaction.atomic
def figure_override_clear(*, actor: User | None, scheme: Scheme, figure: str, reason: str) -> None:
    _check(actor, Action.OVERRIDE_FIGURES, scheme.organisation)
    if not reason or not reason.strip():
        raise ValidationError("Give a reason for clearing the override.")
    current = FigureOverride.objects.select_for_update().filter(
        scheme=scheme, figure=figure, cleared_at__isnull=True
    ).first()
    if current is None:
        raise ValidationError("That figure is not overridden.")
    _clear(current, actor, reason.strip())
    schedule_recompute([scheme.pk])
