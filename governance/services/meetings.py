"""Meetings and their decisions (issue 8 section 3), about plan actions or other apps' records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from governance.fields import check_length
from governance.models import Decision, FinancialYear, Meeting, MeetingKind, Organisation, PlanAction
from governance.permissions import Action, require
from governance.services.common import EditConflict, check_date, person

if TYPE_CHECKING:
    from governance.permissions import Actor


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
    check_date(meeting.held_on, field="held_on", what="date")
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
        recorded_by=person(actor), recorded_at=timezone.now(),
    )
