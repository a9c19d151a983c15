"""One scheme: create and edit it, override its computed figures and clear the overrides."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.fields import check_length, column
from governance.models import FinancialYear, Organisation
from governance.money import check_money, money_problem, storable
from governance.permissions import Action
from schemes import engine
from schemes.models import Figure, FigureOverride, Programme, Scheme
from schemes.selectors import override_token, scheme_engine_inputs
from schemes.services.common import EditConflict, check_role, recorded_by, schedule_recompute, versioned_update

if TYPE_CHECKING:
    from governance.permissions import Actor


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


SCHEME_MONEY_FIELDS = ("current_cost", "gross_saving", "new_investment", "stated_net_saving")


COMPUTED_MONEY = ("full_year_effect", "plan_in_year", "next_year_effect", "most_likely", "director_value",
                  "director_next_year")


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
    for name in SCHEME_MONEY_FIELDS:
        problem = money_problem(getattr(scheme, name), str(column(Scheme, name).verbose_name))
        if problem:
            errors.setdefault(name, []).append(problem)
    if errors:
        # The engine is not run on amounts that cannot be stored.
        raise ValidationError(errors)
    figures = engine.compute(scheme_engine_inputs(scheme, monthly_profile=None))
    if scheme.monthly_profile:
        try:
            for month, value in enumerate(scheme.monthly_profile, start=1):
                check_money(Decimal(str(value)), f"planned saving for month {month}")
            engine.check_profile([Decimal(str(v)) for v in scheme.monthly_profile], figures.plan_in_year)
        except ValidationError as error:
            errors.setdefault("monthly_profile", []).extend(error.messages)
        except (engine.ProfileError, ArithmeticError, ValueError) as error:
            errors.setdefault("monthly_profile", []).append(str(error))
    too_large = [name for name in COMPUTED_MONEY if not storable(getattr(figures, name))]
    if too_large:
        # Refuse the edit itself: its figures are computed after it commits and must fit their columns.
        labels = ", ".join(str(column(Scheme, name).verbose_name) for name in too_large)
        errors.setdefault("gross_saving", []).append(
            f"These amounts would make the scheme's {labels} too large to store: check the figures."
        )
    try:
        # Constraints are checked above in Python (reference, money) or by field choices (phase, stage);
        # full_clean would query the database once per constraint, per scheme of an import.
        scheme.full_clean(exclude=["organisation", "year"], validate_unique=False, validate_constraints=False)
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
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, programme: Programme,
    reference: str, name: str, **details: Any,
) -> Scheme:
    check_role(actor, Action.EDIT_SCHEMES, organisation)
    unknown = set(details) - set(SCHEME_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown scheme fields: {sorted(unknown)}")
    scheme = Scheme(organisation=organisation, year=year, programme=programme, reference=reference.strip(),
                    name=name.strip(), **details)
    _validate_scheme(scheme)
    scheme._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    scheme.save()
    schedule_recompute([scheme.pk])
    return scheme


@transaction.atomic
def scheme_update(*, actor: Actor | None, scheme: Scheme, expected_version: int | None,
                  changes: Mapping[str, Any]) -> Scheme:
    """Apply a user's edit. Refused if someone else saved since `expected_version` was read."""
    check_role(actor, Action.EDIT_SCHEMES, scheme.organisation)
    current, changed = versioned_update(
        actor=actor, queryset=Scheme.objects.select_for_update(of=("self",)), pk=scheme.pk,
        expected_version=expected_version, changes=changes, allowed=SCHEME_INPUT_FIELDS,
        validate=_validate_scheme,
        conflict=lambda c: f"{c.reference} {c.name} was changed by someone else while you were editing it. "
        "Your changes have not been saved: compare the two versions below.",
    )
    if changed:
        schedule_recompute([current.pk])
    return current


def _check_overrides_unchanged(scheme: Scheme, expected_token: int | None) -> None:
    """Refuse when the scheme's overrides changed since the user's page was drawn (call inside a transaction)."""
    if expected_token is None:
        return
    Scheme.objects.select_for_update(of=("self",)).filter(pk=scheme.pk).exists()
    if override_token(scheme) != expected_token:
        raise EditConflict(
            f"Someone else changed the overrides of {scheme.reference} {scheme.name} while you were editing. "
            "Nothing has been saved: the figures as they are now are shown below.",
            current=scheme,
        )


@transaction.atomic
def figure_override_set(
    *, actor: Actor | None, scheme: Scheme, figure: str, value: Decimal, reason: str,
    expected_token: int | None = None,
) -> FigureOverride:
    """Set a computed figure by hand. The reason is mandatory and kept.

    `expected_token` (selectors.override_token as the page was drawn) guards against two people
    overriding the same scheme at once.
    """
    check_role(actor, Action.OVERRIDE_FIGURES, scheme.organisation)
    _check_overrides_unchanged(scheme, expected_token)
    if figure not in Figure.values:
        raise ValidationError(f"{figure} is not a figure that can be overridden.")
    check_money(value, f"{Figure(figure).label.lower()} override", field="value")
    reason = _reason(reason, what="reason for the override",
                     missing="Give a reason for the override: it is shown wherever the figure appears.")
    current = _active_override(scheme, figure)
    if current and current.value == value and current.reason == reason:
        return current
    if current:
        _clear(current, actor, f"Replaced by a new override: {reason}")
    override = FigureOverride(
        scheme=scheme, figure=figure, value=value, reason=reason, created_by=recorded_by(actor),
    )
    override._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    override.save()
    schedule_recompute([scheme.pk])
    return override


def _reason(reason: str, *, what: str, missing: str) -> str:
    """The reason for setting or clearing an override, trimmed: required, and no longer than a note."""
    if not reason or not reason.strip():
        raise ValidationError(missing)
    check_length(reason.strip(), what=what, field="reason")
    return reason.strip()


def _active_override(scheme: Scheme, figure: str) -> FigureOverride | None:
    """The figure's override in force, locked until the transaction ends."""
    return FigureOverride.objects.select_for_update().filter(scheme=scheme, figure=figure,
                                                             cleared_at__isnull=True).first()


def _clear(override: FigureOverride, actor: Actor | None, reason: str) -> None:
    override.cleared_at = timezone.now()
    override.cleared_by = recorded_by(actor)
    override.clear_reason = reason
    override._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    override.save()


@transaction.atomic
def figure_override_clear(
    *, actor: Actor | None, scheme: Scheme, figure: str, reason: str, expected_token: int | None = None
) -> None:
    check_role(actor, Action.OVERRIDE_FIGURES, scheme.organisation)
    _check_overrides_unchanged(scheme, expected_token)
    reason = _reason(reason, what="reason for clearing the override",
                     missing="Give a reason for clearing the override.")
    current = _active_override(scheme, figure)
    if current is None:
        raise ValidationError("That figure is not overridden.")
    _clear(current, actor, reason)
    schedule_recompute([scheme.pk])
