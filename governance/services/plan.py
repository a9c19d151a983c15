"""Governance writes: closing and reopening months, giving people roles. Keyword-only, typed, atomic, role-checked.

A closed month's actuals and forecasts are read-only (schemes.services.scheme_month_update refuses
them). Every close and reopen is kept: MonthStatus has simple-history records, so each change is a
history row with who did it, when, and (for a reopening) why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from governance.fields import check_length
from governance.formatting import month_end, month_label
from governance.forms import EARLIEST_DATE, LATEST_DATE
from governance.models import (
    ActionRag,
    ActionStatus,
    Decision,
    FinancialYear,
    ImportChange,
    ImportKind,
    ImportLink,
    ImportRecord,
    JobRun,
    JobStatus,
    Meeting,
    MeetingKind,
    Membership,
    MonthStatus,
    Organisation,
    PlanAction,
    PlanDomain,
    PlanUpdate,
    Requirement,
    Role,
)
from governance.permissions import SYSTEM_ACTOR_PREFIX, Action, require
from governance.selectors import membership_candidates, plan_as_at, plan_snapshot_rows

if TYPE_CHECKING:
    from governance.permissions import Actor


def _check_month(month: int) -> None:
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError(f"A month is M1 (April) to M12 (March), not {month}.")


def month_statuses_lock(
    *, organisation: Organisation, year: FinancialYear, months: Iterable[int]
) -> dict[int, MonthStatus]:
    """Lock the months' status rows (creating open ones where none exist yet).

    Closing a month and saving figures in it both take this lock first, so they never interleave:
    a save either finishes before the close or sees the month closed. Call inside a transaction.
    """
    months = sorted(set(months))
    MonthStatus.objects.bulk_create(
        [MonthStatus(organisation=organisation, year=year, month=m) for m in months], ignore_conflicts=True
    )
    locked = MonthStatus.objects.select_for_update().filter(organisation=organisation, year=year, month__in=months)
    return {status.month: status for status in locked.order_by("month")}


def _locked_status(organisation: Organisation, year: FinancialYear, month: int) -> MonthStatus:
    return month_statuses_lock(organisation=organisation, year=year, months=[month])[month]


@transaction.atomic
def month_close(
    *, actor: Actor, organisation: Organisation, year: FinancialYear, month: int
) -> MonthStatus:
    """Finance locks a month: its actuals and forecasts can no longer be changed until it is reopened.

    Months close in order (M1 before M2...) so YTD, which runs to the latest closed month, never
    includes an open month; a month that has not ended yet cannot be closed.
    """
    require(actor, Action.CLOSE_MONTHS, organisation)
    _check_month(month)
    label = month_label(year.start_year, month)
    status = _locked_status(organisation, year, month)
    if status.is_closed:
        raise ValidationError(f"{label} is already closed.")
    if month_end(year.start_year, month) >= timezone.localdate():
        raise ValidationError(f"{label} has not ended yet: a month can be closed once its last day has passed.")
    closed = set(
        MonthStatus.objects.filter(organisation=organisation, year=year, month__lt=month, is_closed=True)
        .values_list("month", flat=True)
    )
    still_open = [m for m in range(1, month) if m not in closed]
    if still_open:
        names = ", ".join(month_label(year.start_year, m) for m in still_open)
        raise ValidationError(f"Close the earlier months first: {names} {'is' if len(still_open) == 1 else 'are'} "
                              f"still open.")
    status.is_closed = True
    status.changed_by = actor
    status.changed_at = timezone.now()
    status.reason = ""
    status._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    status._change_reason = "closed"  # type: ignore[attr-defined]  # and why
    status.save()
    return status


@transaction.atomic
def month_reopen(
    *, actor: Actor, organisation: Organisation, year: FinancialYear, month: int, reason: str
) -> MonthStatus:
    """Reopen a closed month so its figures can be corrected. The reason is mandatory and kept."""
    require(actor, Action.CLOSE_MONTHS, organisation)
    _check_month(month)
    label = month_label(year.start_year, month)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [f"Give the reason for reopening {label}: it is kept in the month's "
                                          "history."]})
    check_length(reason, what="reason for reopening", field="reason")
    status = _locked_status(organisation, year, month)
    if not status.is_closed:
        raise ValidationError(f"{label} is not closed.")
    status.is_closed = False
    status.changed_by = actor
    status.changed_at = timezone.now()
    status.reason = reason
    status._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    status._change_reason = "reopened"  # type: ignore[attr-defined]  # and why
    status.save()
    return status


def _other_administrators(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMINISTRATOR)
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_check(
    *, actor: Actor | None, user: Actor, organisation: Organisation, role: str
) -> None:
    """Refuse a role the actor may not give, in their words (the admin's form calls this too).

    An administrator gives roles only in organisations they administer, and only to people who already
    belong to one of them; an organisation always keeps at least one administrator.
    """
    if actor is not None:
        require(actor, Action.MANAGE_MEMBERS, organisation)
    if role not in Role.values:
        raise ValidationError({"role": [f'"{role}" is not a role.']})
    if actor is not None and not membership_candidates(actor).filter(pk=user.pk).exists():
        raise ValidationError({"user": ["Choose someone who already belongs to one of the organisations you "
                                         "administer; ask a superuser to add anyone else."]})
    current = Membership.objects.filter(user=user, organisation=organisation).first()
    if current is not None and current.role == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR \
            and not _other_administrators(current):
        raise ValidationError({"role": [f"{user} is the only administrator of {organisation.name}: make someone "
                                        "else an administrator first."]})


@transaction.atomic
def membership_set(
    *, actor: Actor | None, user: Actor, organisation: Organisation, role: str
) -> Membership:
    """Give `user` `role` in `organisation` (replacing the role they had there, if any)."""
    # Lock the organisation's memberships so two administrators cannot both step down at once.
    list(Membership.objects.select_for_update().filter(organisation=organisation).values_list("pk", flat=True))
    membership_check(actor=actor, user=user, organisation=organisation, role=role)
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation,
                                                        defaults={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor | None, membership: Membership) -> None:
    """Take away someone's role in an organisation; its last administrator stays."""
    organisation = membership.organisation
    if actor is not None:
        require(actor, Action.MANAGE_MEMBERS, organisation)
    list(Membership.objects.select_for_update().filter(organisation=organisation).values_list("pk", flat=True))
    if membership.role == Role.ADMINISTRATOR and not _other_administrators(membership):
        raise ValidationError(f"{membership.user} is the only administrator of {organisation.name}: make someone "
                              "else an administrator first.")
    membership.delete()


@transaction.atomic
def system_actor(name: str) -> Actor:
    """The named account the portal acts as when no person does (e.g. "demo loader", "workbook import").

    It can never sign in (inactive, no usable password); services accept it as having every role.
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=f"{SYSTEM_ACTOR_PREFIX}{slugify(name)}"[:150],
        defaults={"first_name": name[:150], "last_name": "(system)", "is_active": False},
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- Improvement plan, meetings and decisions (issue 8 section 3) -------------------------------------


class EditConflict(Exception):
    """Someone else saved the same record since this user opened it (the page answers 409)."""

    def __init__(self, message: str, *, current: Any) -> None:
        super().__init__(message)
        self.current = current


PLAN_ACTION_FIELDS = ("text", "owner", "rag", "status", "note")


def _person(actor: Actor | None) -> Actor | None:
    """Who to name on a record: the signed-in user (a system actor is a user too), or nobody."""
    return actor if actor is not None and actor.is_authenticated else None


def _check_date(value: date | None, *, field: str, what: str) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError({field: [f"The {what} must be between {EARLIEST_DATE:%d/%m/%Y} and "
                                       f"{LATEST_DATE:%d/%m/%Y}."]})


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
    _check_date(action.due_date, field="due_date", what="due date")
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
    _check_date(new_date, field="new_date", what="new due date")
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
        recorded_by=_person(actor),
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
    _check_month(month)
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
        published_by=_person(actor), published_at=timezone.now(),
    )


MEETING_FIELDS = ("kind", "held_on", "title", "purpose", "month_only")


def _check_meeting(meeting: Meeting) -> None:
    """Refuse a meeting that cannot be stored, in the user's words."""
    if meeting.kind not in MeetingKind.values:
        raise ValidationError({"kind": ["Choose the kind of meeting."]})
    meeting.title = (meeting.title or "").strip()
    if not meeting.title:
        raise ValidationError({"title": ["Enter the meeting's title."]})
    if len(meeting.title) > 200:
        raise ValidationError({"title": ["The title must be 200 characters or fewer."]})
    check_length(meeting.purpose, what="purpose", field="purpose")
    _check_date(meeting.held_on, field="held_on", what="date")
    meeting.full_clean()


@transaction.atomic
def meeting_create(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, kind: str, held_on: date,
    title: str, purpose: str = "", month_only: bool = False,
) -> Meeting:
    """Record a dated meeting (a panel, Star Chamber, finance working group, governing body, plan review)."""
    if actor is not None:
        require(actor, Action.RECORD_MEETINGS, organisation)
    meeting = Meeting(organisation=organisation, year=year, kind=kind, held_on=held_on, title=title,
                      purpose=purpose, month_only=month_only)
    _check_meeting(meeting)
    meeting._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    meeting.save()
    return meeting


@transaction.atomic
def meeting_update(
    *, actor: Actor | None, meeting: Meeting, expected_version: int | None, changes: Mapping[str, Any],
) -> Meeting:
    """Change a meeting's kind, date, title or purpose; refused (EditConflict) if someone saved it since the
    user opened it. An edit that changes nothing is not a new version; every version stays in the history."""
    if actor is not None:
        require(actor, Action.RECORD_MEETINGS, meeting.organisation)
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f"{current.title} was changed by someone else while you were editing it (it is now version "
            f"{current.version}, you started from version {expected_version}). Your changes have not been saved: "
            "compare the two versions below.", current=current,
        )
    actual = {key: value for key, value in changes.items() if getattr(current, key) != value}
    if not actual:
        return current
    for key, value in actual.items():
        setattr(current, key, value)
    _check_meeting(current)
    current.version += 1
    current._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    current.save()
    return current


def _organisation_of(record: models.Model) -> Any:
    """Follow a scoped model's `organisation_scope` path to its organisation (None if it has none)."""
    path = getattr(type(record), "organisation_scope", "organisation")
    value: Any = record
    for part in path.split("__") if path else []:
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


@transaction.atomic
def decision_record(
    *, actor: Actor | None, meeting: Meeting, text: str, action: PlanAction | None = None,
    subject: models.Model | None = None,
) -> Decision:
    """Record a meeting's decision, about an improvement-plan action or a record of another app (a scheme, a
    risk), which must belong to the meeting's organisation."""
    if actor is not None:
        require(actor, Action.RECORD_MEETINGS, meeting.organisation)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Enter the decision."]})
    check_length(text, what="decision", field="text")
    if action is not None and subject is not None:
        raise ValidationError("A decision is about one action, scheme or risk at a time.")
    label = ""
    if action is not None:
        if action.requirement.domain.organisation_id != meeting.organisation_id:
            raise ValidationError({"action": ["That action is not in this organisation's improvement plan."]})
        label = f"Action {action.reference}"
    subject_type = None
    if subject is not None:
        if subject.pk is None or _organisation_of(subject) != meeting.organisation:
            raise ValidationError({"subject": ["A decision can only be about this organisation's records."]})
        subject_type = ContentType.objects.get_for_model(subject)
        label = f"{str(subject._meta.verbose_name or 'record').capitalize()} {subject}"[:300]
    return Decision.objects.create(
        meeting=meeting, text=text, action=action, subject_type=subject_type,
        subject_id=subject.pk if subject is not None else None, subject_label=label,
        recorded_by=_person(actor), recorded_at=timezone.now(),
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


# --- Imports are records (issue 9 section 3) ------------------------------------------------------------

# Who may leave a record of an import: whoever may make the import itself (the importer checks the rest).
IMPORT_ACTIONS: dict[str, Action] = {
    ImportKind.SCHEMES: Action.EDIT_SCHEMES,
    ImportKind.RISKS: Action.RECORD_RISKS,
    ImportKind.LEDGER: Action.KEEP_BUDGETS,
}
WARNING_LENGTH = 1000  # one warning's text kept; the papers' warnings are a sentence or two


def file_checksum(content: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex: the same file imported twice has the same checksum."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class ImportTouch:
    """A record an import touched, as the importing app passes it: the record, what happened to it and the
    address of its page (the importing app knows its own URLs; governance never names them)."""

    subject: models.Model
    change: str  # an ImportChange
    url: str = ""


def _organisation_id_of(record: models.Model) -> Any:
    """The organisation id at the end of a scoped model's `organisation_scope`, without loading the organisation."""
    path = getattr(type(record), "organisation_scope", "organisation")
    if not path:
        return record.pk
    *hops, last = path.split("__")
    value: Any = record
    for part in hops:
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, f"{last}_id", None)


@transaction.atomic
def import_record(
    *, actor: Actor | None, kind: str, organisation: Organisation, year: FinancialYear, file_name: str,
    checksum: str, created: int, updated: int, unchanged: int, warnings: Iterable[str] = (),
    touched: Iterable[ImportTouch] = (), sheet: str = "",
) -> ImportRecord:
    """Keep a record of an import that was saved. Call it inside the import's own transaction, after its
    rows are written: if the import then fails, the record goes with it (a failed import leaves no record)."""
    if kind not in IMPORT_ACTIONS:
        raise ValidationError({"kind": [f'"{kind}" is not a kind of import the portal keeps.']})
    if actor is not None:
        require(actor, IMPORT_ACTIONS[kind], organisation)
    if min(created, updated, unchanged) < 0:
        raise ValidationError("An import's counts of rows created, updated and unchanged cannot be negative.")
    if len(checksum) != 64:
        raise ValidationError({"checksum": ["An import's checksum is the file's SHA-256, 64 hex digits."]})
    touched = list(touched)
    changes = set(ImportChange.values)
    for touch in touched:
        if touch.change not in changes:
            raise ValidationError(f'"{touch.change}" is not what an import does to a record.')
        if touch.subject.pk is None or _organisation_id_of(touch.subject) != organisation.pk:
            raise ValidationError("An import can only touch its own organisation's records.")
    record = ImportRecord.objects.create(
        organisation=organisation, year=year, kind=kind, file_name=(file_name or "unnamed file")[:255],
        checksum=checksum, imported_by=_person(actor), imported_at=timezone.now(), sheet=sheet[:200],
        rows_created=created, rows_updated=updated, rows_unchanged=unchanged,
        warnings=[str(line)[:WARNING_LENGTH] for line in warnings],
    )
    types = ContentType.objects.get_for_models(*{type(touch.subject) for touch in touched})
    ImportLink.objects.bulk_create([
        ImportLink(record=record, change=touch.change, subject_type=types[type(touch.subject)],
                   subject_id=touch.subject.pk, label=str(touch.subject)[:300], url=touch.url[:300])
        for touch in touched
    ])
    return record


# --- Background jobs are records (issue 9 section 2) ----------------------------------------------------


@transaction.atomic
def job_run_queue(
    *, actor: Actor | None, task: str, organisation: Organisation | None = None, year: FinancialYear | None = None,
    month: int | None = None, arguments: Mapping[str, Any] | None = None,
) -> JobRun:
    """Record that `task` was asked for, by `actor` (a person or a system actor; None is the schedule).

    The caller checks the role for what the job does (this only records it) and enqueues the task on commit.
    """
    if month is not None:
        _check_month(month)
    return JobRun.objects.create(
        task=task, organisation=organisation, year=year, month=month, arguments=dict(arguments or {}),
        requested_by=_person(actor), queued_at=timezone.now(),
    )


@transaction.atomic
def job_run_start(*, job_run_id: int, celery_task_id: str = "") -> JobRun | None:
    """The worker begins (or, after a retry or redelivery, begins again) a run: attempts += 1.

    Returns None for a run that is already finished, so a redelivered task does its work exactly once.
    """
    run = JobRun.objects.select_for_update().filter(pk=job_run_id).first()
    if run is None or run.status == JobStatus.FINISHED:
        return None
    run.status = JobStatus.STARTED
    run.attempts += 1
    run.started_at = timezone.now()
    run.failure_reason = ""
    if celery_task_id:
        run.celery_task_id = celery_task_id[:255]
    run.save(update_fields=["status", "attempts", "started_at", "failure_reason", "celery_task_id"])
    return run


@transaction.atomic
def job_run_finish(*, job_run: JobRun, summary: str) -> JobRun:
    """The run did its work; `summary` is what the administrator reads ("Issue 2 of M10 2018/19")."""
    job_run.status = JobStatus.FINISHED
    job_run.finished_at = timezone.now()
    job_run.result_summary = summary[:500]
    job_run.failure_reason = ""
    job_run.save(update_fields=["status", "finished_at", "result_summary", "failure_reason"])
    return job_run


@transaction.atomic
def job_run_fail(*, job_run: JobRun, reason: str) -> JobRun:
    """The run gave up (its last attempt failed): the reason is kept, in words, for the administrator."""
    job_run.status = JobStatus.FAILED
    job_run.finished_at = timezone.now()
    job_run.failure_reason = reason or "The job failed without saying why."
    job_run.save(update_fields=["status", "finished_at", "failure_reason"])
    return job_run
