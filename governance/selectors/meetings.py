"""Meetings, their versions, and the decisions recorded about a record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Prefetch, QuerySet

from governance.models import (
    Decision,
    FinancialYear,
    Meeting,
    Organisation,
)

if TYPE_CHECKING:
    from governance.permissions import Viewer


def meetings_for(user: Viewer) -> QuerySet[Meeting]:
    return (Meeting.objects.for_user(user).select_related("organisation", "year")
            .annotate(decision_count=Count("decisions"))
            .order_by("organisation__ods_code", "year__start_year", "held_on", "pk"))


def meetings(user: Viewer, organisation: Organisation,
             year: FinancialYear) -> QuerySet[Meeting]:
    return meetings_for(user).filter(organisation=organisation, year=year)


def meeting_detail(user: Viewer, pk: int) -> Meeting:
    return meetings_for(user).prefetch_related(
        Prefetch("decisions", queryset=Decision.objects.select_related("action__requirement", "recorded_by"))
    ).get(pk=pk)


def meeting_versions(meeting: Meeting) -> QuerySet[Any]:
    """Every saved version of a meeting, newest first (the caller has already found it in the user's scope)."""
    return meeting.history.select_related("history_user").order_by("-history_date", "-history_id")


def decisions_about(user: Viewer, record: models.Model) -> QuerySet[Decision]:
    """Decisions recorded against a record of any app (a scheme, a risk), for its page: the meetings the user
    may see, oldest first."""
    return (Decision.objects.for_user(user)
            .filter(subject_type=ContentType.objects.get_for_model(record), subject_id=record.pk)
            .select_related("meeting").order_by("meeting__held_on", "pk"))
