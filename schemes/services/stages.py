"""Stage gates (a scheme's moves between stages, with the gateway decision) and key stages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.fields import NOTE_LENGTH
from governance.permissions import Action
from schemes import engine
from schemes.models import BEXLEY_KEY_STAGES, STAGE_GATEWAYS, GatewayDecision, KeyStage, Scheme, Stage, StageChange
from schemes.services.common import EditConflict, check_role, recorded_by, versioned_update

if TYPE_CHECKING:
    from governance.permissions import Actor


def stage_moved(scheme: Scheme) -> EditConflict:
    """The conflict when someone else changed the scheme (its stage, say) since the user's page was drawn."""
    return EditConflict(
        f"{scheme.reference} {scheme.name} was changed by someone else (it is now at stage "
        f"{scheme.get_stage_display()}). Nothing has been saved: check the stage and record the move again.",
        current=scheme,
    )


@transaction.atomic
def scheme_stage_change(
    *, actor: Actor | None, scheme: Scheme, expected_version: int | None, to_stage: int, approver: str,
    decided_on: date, decision: str, note: str = "", confirmed: Iterable[str] = (),
) -> StageChange:
    """Move a scheme between lifecycle stages with the gateway approval recorded.

    Forward: one stage at a time, decision approved and every approval the current stage's gateway
    needs confirmed. Back: any number of stages, approved, with the reason in `note`. A decision
    "not approved" is recorded with its reason and the scheme stays where it is.
    """
    check_role(actor, Action.APPROVE_GATEWAYS, scheme.organisation)
    current = Scheme.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=scheme.pk)
    if expected_version is not None and current.version != expected_version:
        raise stage_moved(current)
    errors: dict[str, list[str]] = {}
    approver = (approver or "").strip()
    note = (note or "").strip()
    if to_stage not in Stage.values:
        errors["to_stage"] = ["Choose a stage from 0 Pipeline to 5 Closure."]
    elif to_stage == current.stage:
        errors["to_stage"] = [f"The scheme is already at stage {current.get_stage_display()}: choose another stage."]
    elif to_stage > current.stage + 1:
        errors["to_stage"] = [
            f"Move one stage at a time: from {current.get_stage_display()} the next stage is "
            f"{Stage(current.stage + 1).label}. Each stage has its own gateway approval."
        ]
    if not approver:
        errors["approver"] = ["Enter the name of the person or group who gave the gateway approval."]
    elif len(approver) > 200:
        errors["approver"] = ["The name of who decided must be 200 characters or fewer."]
    if len(note) > NOTE_LENGTH:
        errors["note"] = [f"The note must be {NOTE_LENGTH:,} characters or fewer (it has {len(note):,})."]
    if decided_on is None:
        errors["decided_on"] = ["Enter the date of the decision."]
    elif decided_on > timezone.localdate():
        errors["decided_on"] = ["The date of the decision cannot be in the future."]
    if decision not in GatewayDecision.values:
        errors["decision"] = ["Choose whether the gateway was approved or not approved."]
    refused = decision == GatewayDecision.NOT_APPROVED
    if refused and "to_stage" not in errors and not note:
        # A refusal is recorded too (the panel's decision is part of the scheme's record); it needs its reason.
        errors["note"] = ["Give the reason the gateway was not approved: it is kept in the scheme's history."]
    forward = "to_stage" not in errors and to_stage > current.stage
    if refused:
        pass
    elif forward:
        required = dict(STAGE_GATEWAYS[current.stage])
        missing = [label for key, label in required.items() if key not in set(confirmed)]
        if missing:
            errors["confirmed"] = [f"Confirm the approval has been recorded: {label}." for label in missing]
    elif "to_stage" not in errors and not note:
        errors["note"] = ["Give the reason for moving the scheme back: it is kept in the scheme's history."]
    if errors:
        raise ValidationError(errors)
    if forward and not refused:
        gateway = "; ".join(label for _, label in STAGE_GATEWAYS[current.stage])
        note = f"Gateway approvals confirmed: {gateway}." + (f"\n{note}" if note else "")
    change = StageChange.objects.create(
        scheme=current, from_stage=current.stage, to_stage=to_stage, decision=decision, approver=approver,
        decided_on=decided_on, note=note, recorded_by=recorded_by(actor),
    )
    if refused:
        return change  # recorded; the scheme stays where it is
    current.stage = to_stage
    current.version += 1
    current._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    current._change_reason = f"Stage {change.from_stage} to {to_stage}"  # type: ignore[attr-defined]  # and why
    current.save()
    return change


KEY_STAGE_FIELDS = ("name", "order", "baseline_date", "current_date", "completed_on", "note")


def _validate_key_stage(key_stage: KeyStage) -> None:
    errors: dict[str, list[str]] = {}
    key_stage.name = (key_stage.name or "").strip()
    if not key_stage.name:
        errors["name"] = ["Enter the name of the stage or milestone."]
    if key_stage.current_date and not key_stage.baseline_date:
        errors["baseline_date"] = ["Enter the baseline date: slippage is measured against it."]
    if len(key_stage.note or "") > NOTE_LENGTH:
        errors["note"] = [f"The note must be {NOTE_LENGTH:,} characters or fewer (it has {len(key_stage.note):,})."]
    if errors:
        raise ValidationError(errors)
    try:
        key_stage.full_clean(exclude=["scheme"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


@transaction.atomic
def key_stage_create(
    *, actor: Actor | None, scheme: Scheme, name: str, baseline_date: date | None = None,
    current_date: date | None = None, completed_on: date | None = None, note: str = "", order: int | None = None,
) -> KeyStage:
    """Add a dated stage or milestone. Its current date starts at the baseline when not given."""
    check_role(actor, Action.EDIT_SCHEMES, scheme.organisation)
    if order is None:
        last = KeyStage.objects.filter(scheme=scheme).order_by("-order").values_list("order", flat=True).first()
        order = (last or 0) + 1
    key_stage = KeyStage(scheme=scheme, name=name, order=order, baseline_date=baseline_date,
                         current_date=current_date or baseline_date, completed_on=completed_on, note=note.strip())
    _validate_key_stage(key_stage)
    key_stage._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    key_stage.save()
    return key_stage


@transaction.atomic
def key_stage_update(
    *, actor: Actor | None, key_stage: KeyStage, expected_version: int | None, changes: Mapping[str, Any]
) -> KeyStage:
    """Change a key stage (e.g. a new current date). Refused if someone else saved it since it was read."""
    check_role(actor, Action.EDIT_SCHEMES, key_stage.scheme.organisation)
    current, _ = versioned_update(
        actor=actor, queryset=KeyStage.objects.select_for_update(), pk=key_stage.pk,
        expected_version=expected_version, changes=changes, allowed=KEY_STAGE_FIELDS, validate=_validate_key_stage,
        conflict=lambda c: f'"{c.name}" was changed by someone else while you were editing it. Nothing has been '
        "saved: compare the two versions below.",
    )
    return current


@transaction.atomic
def key_stage_remove(*, actor: Actor | None, key_stage: KeyStage, expected_version: int | None) -> None:
    """Remove a stage from a scheme's plan; its history (who removed it, when) is kept."""
    check_role(actor, Action.EDIT_SCHEMES, key_stage.scheme.organisation)
    current = KeyStage.objects.select_for_update().get(pk=key_stage.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f'"{current.name}" was changed by someone else while you were looking at it. Nothing has been '
            "removed: check it and remove it again if you still want to.",
            current=current,
        )
    current._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    current.delete()


@transaction.atomic
def key_stages_from_template(*, actor: Actor | None, scheme: Scheme, first_date: date) -> list[KeyStage]:
    """Add Bexley's 20 key stages, baselined a month apart from `first_date`.

    Idempotent: a stage the scheme already has (same name, any case) is not added again, so running
    it twice adds nothing the second time. Returns the stages added.
    """
    check_role(actor, Action.EDIT_SCHEMES, scheme.organisation)
    if first_date is None:
        raise ValidationError({"first_date": ["Enter the baseline date of the first stage."]})
    try:
        engine.add_months(first_date, len(BEXLEY_KEY_STAGES) - 1)
    except (ValueError, OverflowError):
        raise ValidationError({"first_date": ["The stages would run past the year 9999: enter an earlier date."]}
                              ) from None
    # Lock the scheme so two people pressing the button at once cannot both add the stages.
    Scheme.objects.select_for_update(of=("self",)).filter(pk=scheme.pk).first()
    existing = {name.casefold() for name in KeyStage.objects.filter(scheme=scheme).values_list("name", flat=True)}
    last_order = KeyStage.objects.filter(scheme=scheme).order_by("-order").values_list("order", flat=True).first()
    added = []
    for index, name in enumerate(BEXLEY_KEY_STAGES):
        if name.casefold() in existing:
            continue
        when = engine.add_months(first_date, index)
        key_stage = KeyStage(scheme=scheme, order=(last_order or 0) + index + 1, name=name, baseline_date=when,
                             current_date=when)
        key_stage._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
        key_stage.save()
        added.append(key_stage)
    return added
