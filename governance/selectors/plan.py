"""The improvement plan: its actions (overdue, reset), domains, requirements, monthly updates and snapshots."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from governance.formatting import month_end
from governance.models import (
    ActionRag,
    ActionStatus,
    Decision,
    FinancialYear,
    Organisation,
    PlanAction,
    PlanDomain,
    PlanUpdate,
    Requirement,
    RevisedDueDate,
)

if TYPE_CHECKING:
    from governance.permissions import Viewer


def action_is_overdue(due_date: date | None, rag: str, status: str, today: date) -> bool:
    """Past its due date and neither complete nor closed (an action without a date is never overdue)."""
    return due_date is not None and due_date < today and rag != ActionRag.COMPLETE and status != ActionStatus.CLOSED


def action_is_reset(rag: str, revisions: int) -> bool:
    """Its date was moved: the plan says Reset Date, or a revised due date is recorded."""
    return rag == ActionRag.RESET_DATE or revisions > 0


def plan_as_at(year: FinancialYear, today: date, month: int | None = None) -> date:
    """The day a plan's overdue actions are judged on: today, but no later than the end of the plan's year (a past
    year's plan is read as it stood when the year closed) or of the month a monthly update is for."""
    end = year.ends_on if month is None else month_end(year.start_year, month)
    return min(today, end)


def plan_actions_for(user: Viewer) -> QuerySet[PlanAction]:
    """Improvement-plan actions the user may see, with what every list shows (a fixed number of queries)."""
    return (
        PlanAction.objects.for_user(user)
        .select_related("requirement__domain__organisation", "requirement__domain__year")
        .prefetch_related(Prefetch("revised_due_dates", queryset=RevisedDueDate.objects.select_related("recorded_by")))
        .order_by("requirement__domain__organisation__ods_code", "requirement__domain__year__start_year",
                  "requirement__domain__position", "requirement__number", "letter")
    )


def plan_actions(user: Viewer, organisation: Organisation,
                 year: FinancialYear) -> QuerySet[PlanAction]:
    return plan_actions_for(user).filter(requirement__domain__organisation=organisation,
                                         requirement__domain__year=year)


def plan_domains(user: Viewer, organisation: Organisation,
                 year: FinancialYear) -> QuerySet[PlanDomain]:
    return PlanDomain.objects.for_user(user).filter(organisation=organisation, year=year).order_by("position", "name")


def plan_action_detail(user: Viewer, pk: int) -> PlanAction:
    """One action the user may see (PlanAction.DoesNotExist otherwise)."""
    return plan_actions_for(user).prefetch_related(
        Prefetch("decisions", queryset=Decision.objects.select_related("meeting").order_by("meeting__held_on", "pk"))
    ).get(pk=pk)


def plan_action_history(action: PlanAction) -> QuerySet[Any]:
    return action.history.select_related("history_user").order_by("-history_date")


def plan_snapshot_rows(actions: Iterable[PlanAction], today: date) -> list[dict[str, Any]]:
    """The plan's rows as plain values (what a published update stores and shows, never recomputed)."""
    rows = []
    for action in actions:
        requirement, revisions = action.requirement, list(action.revised_due_dates.all())
        rows.append({
            "domain": requirement.domain.name,
            "oversight": requirement.domain.oversight,
            "requirement_number": requirement.number,
            "requirement": requirement.text,
            "reference": action.reference,
            "text": action.text,
            "due_date": action.due_date.isoformat() if action.due_date else None,
            "due_date_as_published": action.due_date_as_published,
            "owner": action.owner,
            "rag": action.get_rag_display(),
            "status": action.get_status_display(),
            "note": action.note,
            "overdue": action_is_overdue(action.due_date, action.rag, action.status, today),
            "reset": action_is_reset(action.rag, len(revisions)),
            "revised_due_dates": [
                {"old_date": r.old_date.isoformat() if r.old_date else None, "new_date": r.new_date.isoformat(),
                 "reason": r.reason} for r in revisions
            ],
        })
    return rows


def plan_updates(user: Viewer, organisation: Organisation,
                 year: FinancialYear) -> QuerySet[PlanUpdate]:
    """Published monthly updates, newest first, without their stored rows (a list never loads them)."""
    return (PlanUpdate.objects.for_user(user).filter(organisation=organisation, year=year)
            .select_related("published_by").defer("rows").order_by("-month"))


def plan_update_detail(user: Viewer, organisation: Organisation, year: FinancialYear,
                       month: int) -> PlanUpdate:
    return PlanUpdate.objects.for_user(user).select_related("published_by").get(
        organisation=organisation, year=year, month=month)


def plan_requirements(user: Viewer, organisation: Organisation,
                      year: FinancialYear) -> QuerySet[Requirement]:
    return (Requirement.objects.for_user(user).filter(domain__organisation=organisation, domain__year=year)
            .select_related("domain").order_by("number"))


# --- Imports are records (issue 9 section 3) ------------------------------------------------------------
