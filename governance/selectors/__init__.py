"""Governance reads, scoped to the user; the organisations one may work in (and the switcher's) in `organisations`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from rest_framework.authtoken.models import Token

from governance.formatting import month_end, month_label
from governance.models import (
    ActionRag,
    ActionStatus,
    AuditEvent,
    Decision,
    FinancialYear,
    ImportLink,
    ImportRecord,
    JobRun,
    Meeting,
    Membership,
    MonthStatus,
    Organisation,
    PlanAction,
    PlanDomain,
    PlanUpdate,
    Requirement,
    RevisedDueDate,
    Role,
)
from governance.permissions import password_reset_refusal
from governance.selectors.organisations import organisations_for
from governance.selectors.organisations import organisations_matching as organisations_matching  # re-exported
from governance.selectors.organisations import switcher_organisations as switcher_organisations  # re-exported

if TYPE_CHECKING:
    from governance.permissions import Viewer


def membership_candidates(user: Viewer) -> QuerySet[Any]:
    """People `user` may give a role: those who already belong to an organisation `user` administers.

    A superuser may choose anyone active. Nobody else sees the people of organisations they do not
    administer; creating accounts for new people is for superusers.
    """
    users = get_user_model()._default_manager.filter(is_active=True).order_by("username")
    if not user.is_authenticated or not user.is_active:
        return users.none()
    if user.is_superuser:
        return users
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    return users.filter(pk__in=Membership.objects.filter(organisation__in=administered).values("user"))


def organisation_people(user: Viewer, organisation: Organisation) -> list[dict[str, Any]]:
    """The working organisation's members for its administrators (nobody else: empty), each with their role and
    why their password cannot be reset here (None: it can). A fixed number of queries, however many members."""
    if not user.is_authenticated:
        return []
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    memberships = list(Membership.objects.filter(organisation=organisation, organisation__in=administered)
                       .select_related("user").order_by("user__last_name", "user__first_name", "user__username"))
    theirs: dict[int, set[int]] = {}
    for user_id, organisation_id in Membership.objects.filter(
            user__in=[membership.user_id for membership in memberships]).values_list("user_id", "organisation_id"):
        theirs.setdefault(user_id, set()).add(organisation_id)
    mine = None if user.is_superuser else set(administered.values_list("pk", flat=True))
    return [{"membership": membership, "member": membership.user,
             "refusal": password_reset_refusal(user, membership.user, theirs.get(membership.user_id, set()), mine)}
            for membership in memberships]


def organisation_member(user: Viewer, organisation: Organisation, pk: int) -> Any:
    """A member of `organisation` by user id, for its administrators; DoesNotExist for anyone else's."""
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    return get_user_model()._default_manager.get(
        pk=pk, memberships__organisation=organisation, memberships__organisation__in=administered)


def financial_year(pk: int | None) -> FinancialYear | None:
    """A financial year by id: shared reference data every organisation uses, so not scoped."""
    return FinancialYear.objects.filter(pk=pk).first() if pk is not None else None


def years_for(organisation: Organisation | None) -> list[FinancialYear]:
    """Years with schemes for the organisation, newest first (all years if none yet): one query either way."""
    years = FinancialYear.objects.order_by("-start_year")
    if organisation is None:
        return list(years)
    used = Exists(FinancialYear.objects.filter(pk=OuterRef("pk"), schemes__organisation=organisation))
    every = list(years.annotate(used=used))
    shown: list[FinancialYear] = [year for year in every if year.used] or [*every]
    return shown


def working_context(
    user: Viewer, organisation_id: int | None, year_id: int | None
) -> tuple[Organisation | None, FinancialYear | None, list[FinancialYear]]:
    """The organisation and year a user is working in (their remembered choice if still allowed), and the years
    the header offers for that organisation (years_for)."""
    organisations = organisations_for(user)
    organisation = None
    if organisation_id is not None:
        organisation = organisations.filter(pk=organisation_id).first()
    if organisation is None:
        organisation = organisations.first()
    years = years_for(organisation)
    year = next((year for year in years if year.pk == year_id), None) if year_id is not None else None
    if year is None and years:
        year = years[0]
    return organisation, year, years


def closed_months(organisation: Organisation, year: FinancialYear) -> set[int]:
    """The months finance has closed for this organisation's year (one query)."""
    return set(
        MonthStatus.objects.filter(organisation=organisation, year=year, is_closed=True).values_list("month", flat=True)
    )


def month_statuses(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> dict[int, MonthStatus]:
    """The stored status of each month that has one (months never closed have none), scoped to the user."""
    rows = MonthStatus.objects.for_user(user).filter(organisation=organisation, year=year).select_related("changed_by")
    return {row.month: row for row in rows}


def month_rows(
    user: Viewer, organisation: Organisation, year: FinancialYear, today: date
) -> list[dict[str, Any]]:
    """M1..M12 with their stored status, and whether each can be closed now.

    Months close in order (governance.services.month_close): only the first open month can be
    closed next, once it has ended.
    """
    statuses = month_statuses(user, organisation, year)
    closed = {m for m, status in statuses.items() if status.is_closed}
    next_open = next((m for m in range(1, 13) if m not in closed), None)
    rows = []
    for m in range(1, 13):
        ends_on = month_end(year.start_year, m)
        rows.append({"month": m, "label": month_label(year.start_year, m), "ends_on": ends_on,
                     "status": statuses.get(m), "closed": m in closed, "closable": m == next_open and ends_on < today})
    return rows


def month_history(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> QuerySet[Any]:
    """Every close and reopen of the year's months, newest first (nothing of an organisation not the user's)."""
    return (
        MonthStatus.history.filter(organisation__in=Organisation.objects.for_user(user).values("pk"),
                                   organisation=organisation, year=year)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


# --- Improvement plan, meetings and decisions (issue 8 section 3) -------------------------------------


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


def plan_requirements(user: Viewer, organisation: Organisation,
                      year: FinancialYear) -> QuerySet[Requirement]:
    return (Requirement.objects.for_user(user).filter(domain__organisation=organisation, domain__year=year)
            .select_related("domain").order_by("number"))


# --- Imports are records (issue 9 section 3) ------------------------------------------------------------


def imports_for(user: Viewer) -> QuerySet[ImportRecord]:
    """The imports of the user's organisations, newest first, with what a list shows in the same query."""
    return (ImportRecord.objects.for_user(user).select_related("organisation", "year", "imported_by")
            .annotate(link_count=Count("links")).order_by("-imported_at", "-pk"))


def imports(user: Viewer, organisation: Organisation, year: FinancialYear) -> QuerySet[ImportRecord]:
    return imports_for(user).filter(organisation=organisation, year=year)


def import_links() -> Prefetch:
    """What each import touched, in the order it touched them (label and address kept: no subject is loaded)."""
    return Prefetch("links", queryset=ImportLink.objects.select_related("subject_type").order_by("pk"))


def import_detail(user: Viewer, pk: int) -> ImportRecord:
    return imports_for(user).prefetch_related(import_links()).get(pk=pk)


def job_runs(user: Viewer, organisation: Organisation) -> QuerySet[JobRun]:
    """The organisation's background job runs, newest first; a superuser also sees the schedule's runs that
    span every organisation (the nightly recompute), which belong to no organisation."""
    runs = JobRun.objects.for_user(user).filter(organisation=organisation)
    if user.is_superuser:
        runs = runs | JobRun.objects.filter(organisation__isnull=True)
    return runs.select_related("organisation", "year", "requested_by").order_by("-queued_at", "-pk")



def audit_events(user: Viewer, organisation: Organisation) -> QuerySet[AuditEvent]:
    """The organisation's audit events, newest first, for its administrators (nobody else: none). A superuser also
    sees the events that belong to no organisation: user accounts, sign-ins, financial years."""
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    events = AuditEvent.objects.filter(organisation=organisation, organisation__in=administered)
    if user.is_superuser:
        events = events | AuditEvent.objects.filter(organisation__isnull=True)
    return events.order_by("-pk")


def api_token_of(user: Viewer) -> Token | None:
    """The user's API token (its key and when it was made), or None: a person's own, never anyone else's."""
    if not user.is_authenticated:
        return None
    return Token.objects.filter(user_id=user.pk).first()
