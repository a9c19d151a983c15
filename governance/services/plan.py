"""The improvement plan (issue 8 section 3): domains, requirements, lettered actions, revised due dates
and the monthly updates, published as they are and never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.fields import check_length
from governance.formatting import month_label
from governance.models import (
    ActionRag,
    ActionStatus,
    FinancialYear,
    Organisation,
    PlanAction,
    PlanDomain,
    PlanUpdate,
    Requirement,
)
from governance.permissions import Action, require
from governance.selectors import plan_as_at, plan_snapshot_rows
from governance.services.common import EditConflict, check_date, check_month, person

if TYPE_CHECKING:
    from governance.permissions import Actor


PLAN_ACTION_FIELDS = ("text", "owner", "rag", "status", "note")


def _validate_action(action: PlanAction) -> None:
    check_length(action.text, what="action", field="text")
    check_length(action.note, what="note", field="note")
    if not action.text.strip():
        raise ValidationError({"text": ["Enter what the action is."]})
    if len(action.owner) > 120:
        raise ValidationError({"owner": ["The owner must be 120 characters or fewer."]})
    if action.rag not in {"", *ActionRag.values}:
        raise ValidationError({"rag": [f'"{action.rag}" is not a RAG of the plan.']})
    if action.status not in {"", *ActionStatus.values}:
        raise ValidationError({"status": [f'"{action.status}" is not a status of the plan.']})
    check_date(action.due_date, field="due_date", what="due date")
    action.full_clean(exclude=["requirement"])


@transaction.atomic
def plan_domain_set(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, name: str,
    position: int = 0, oversight: str = "",
) -> PlanDomain:
    """Add a domain to the year's plan, or change its order and oversight (matched by name)."""
    if actor is not None:
        require(actor, Action.KEEP_IMPROVEMENT_PLAN, organisation)
    check_length(oversight, what="oversight", field="oversight")
    domain = PlanDomain.objects.filter(organisation=organisation, year=year, name=name).first()
    if domain is not None and (domain.position, domain.oversight) == (position, oversight):
        return domain
    domain = domain or PlanDomain(organisation=organisation, year=year, name=name)
    domain.position, domain.oversight = position, oversight
    domain.full_clean()
    domain._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    domain.save()
    return domain


@transaction.atomic
def requirement_set(*, actor: Actor | None, domain: PlanDomain, number: int, text: str) -> Requirement:
    """Add a numbered requirement to a domain, or change its words."""
    if actor is not None:
        require(actor, Action.KEEP_IMPROVEMENT_PLAN, domain.organisation)
    check_length(text, what="requirement", field="text")
    requirement = Requirement.objects.filter(domain=domain, number=number).first()
    if requirement is not None and requirement.text == text:
        return requirement
    requirement = requirement or Requirement(domain=domain, number=number)
    requirement.text = text
    requirement.full_clean()
    requirement._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    requirement.save()
    return requirement


@transaction.atomic
def plan_action_create(
    *, actor: Actor | None, requirement: Requirement, letter: str, text: str,
    due_date: date | None = None, due_date_as_published: str = "", owner: str = "", rag: str = "",
    status: str = "", note: str = "",
) -> PlanAction:
    """Add a lettered action (2c) to a requirement."""
    if actor is not None:
        require(actor, Action.KEEP_IMPROVEMENT_PLAN, requirement.domain.organisation)
    letter = letter.strip().lower()
    if not letter.isalpha() or len(letter) > 3:
        raise ValidationError({"letter": ["An action's letter is one to three letters, like c."]})
    if PlanAction.objects.filter(requirement=requirement, letter=letter).exists():
        raise ValidationError({"letter": [f"Requirement {requirement.number} already has an action {letter}."]})
    action = PlanAction(
        requirement=requirement, letter=letter, text=text, due_date=due_date,
        due_date_as_published=due_date_as_published[:60], owner=owner, rag=rag, status=status, note=note,
    )
    _validate_action(action)
    action._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    action.save()
    return action


@transaction.atomic
def plan_action_update(
    *, actor: Actor | None, action: PlanAction, expected_version: int | None,
    changes: Mapping[str, Any],
) -> PlanAction:
    """Change an action's words, owner, RAG or status; refused if someone saved it since the user read it.

    The due date is not changed here: a new date is a revision with its reason (action_due_date_revise).
    """
    organisation = action.requirement.domain.organisation
    if actor is not None:
        require(actor, Action.KEEP_IMPROVEMENT_PLAN, organisation)
    unknown = set(changes) - set(PLAN_ACTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    current = PlanAction.objects.select_for_update().select_related("requirement").get(pk=action.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f"Action {current.reference} was changed by someone else while you were editing it. Your changes "
            "have not been saved: compare the two versions below.", current=current,
        )
    actual = {key: value for key, value in changes.items() if getattr(current, key) != value}
    if not actual:
        return current
    for key, value in actual.items():
        setattr(current, key, value)
    _validate_action(current)
    current.version += 1
    current._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    current.save()
    return current


@transaction.atomic
def action_due_date_revise(
    *, actor: Actor | None, action: PlanAction, new_date: date, reason: str,
    expected_version: int | None = None, recorded_at: datetime | None = None,
) -> PlanAction:
    """Move an action's due date, with the reason: the old date, new date, reason, who and when are kept."""
    organisation = action.requirement.domain.organisation
    if actor is not None:
        require(actor, Action.KEEP_IMPROVEMENT_PLAN, organisation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give the reason for the new due date: it is kept in the action's history."]})
    check_length(reason, what="reason", field="reason")
    if not isinstance(new_date, date):
        raise ValidationError({"new_date": ["Enter the new due date."]})
    check_date(new_date, field="new_date", what="new due date")
    current = PlanAction.objects.select_for_update().select_related("requirement").get(pk=action.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f"Action {current.reference} was changed by someone else while you were looking at it. The due date "
            "has not been changed: check the action and record the new date again if it is still needed.",
            current=current,
        )
    if current.due_date == new_date:
        raise ValidationError({"new_date": [f"Action {current.reference} is already due on {new_date:%d/%m/%Y}."]})
    current.revised_due_dates.create(
        old_date=current.due_date, new_date=new_date, reason=reason,
        recorded_by=person(actor),
        recorded_at=recorded_at or timezone.now(),
    )
    current.due_date = new_date
    current.version += 1
    current._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    current.save()
    return current


@transaction.atomic
def plan_update_publish(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, month: int,
    summary: str = "", today: date | None = None,
) -> PlanUpdate:
    """Publish the month's improvement-plan update: the plan's rows as they are now, stored and never changed."""
    if actor is not None:
        require(actor, Action.PUBLISH_PLAN_UPDATE, organisation)
    check_month(month)
    check_length(summary, what="summary", field="summary")
    if PlanUpdate.objects.filter(organisation=organisation, year=year, month=month).exists():
        raise ValidationError({"month": [f"The {month_label(year.start_year, month)} update has already been "
                                         "published: a published update stays as it was."]})
    actions = (
        PlanAction.objects.filter(requirement__domain__organisation=organisation, requirement__domain__year=year)
        .select_related("requirement__domain").prefetch_related("revised_due_dates")
        .order_by("requirement__domain__position", "requirement__number", "letter")
    )
    rows = plan_snapshot_rows(actions, plan_as_at(year, today or timezone.localdate(), month))
    if not rows:
        raise ValidationError(f"{organisation.name} has no improvement plan for {year}: there is nothing to publish.")
    return PlanUpdate.objects.create(
        organisation=organisation, year=year, month=month, summary=summary, rows=rows,
        published_by=person(actor), published_at=timezone.now(),
    )


@transaction.atomic
def requirement_create(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, domain_name: str,
    number: int, text: str,
) -> Requirement:
    """Add a numbered requirement to the year's plan, under a domain (made the plan's last domain if new)."""
    if actor is not None:
        require(actor, Action.KEEP_IMPROVEMENT_PLAN, organisation)
    domain_name, text = (domain_name or "").strip(), (text or "").strip()
    if not domain_name:
        raise ValidationError({"domain_name": ["Enter the domain, for example Leadership."]})
    if len(domain_name) > 120:
        raise ValidationError({"domain_name": ["The domain must be 120 characters or fewer."]})
    if not text:
        raise ValidationError({"text": ["Enter the requirement."]})
    check_length(text, what="requirement", field="text")
    if not isinstance(number, int) or not 1 <= number <= 999:
        raise ValidationError({"number": ["A requirement's number is a whole number from 1 to 999."]})
    if Requirement.objects.filter(domain__organisation=organisation, domain__year=year, number=number).exists():
        raise ValidationError({"number": [f"The {year} plan already has a requirement {number}."]})
    domain = PlanDomain.objects.filter(organisation=organisation, year=year, name__iexact=domain_name).first()
    if domain is None:
        last = PlanDomain.objects.filter(organisation=organisation, year=year).order_by("-position").first()
        domain = plan_domain_set(actor=actor, organisation=organisation, year=year, name=domain_name,
                                 position=(last.position + 1) if last else 1)
    return requirement_set(actor=actor, domain=domain, number=number, text=text)
