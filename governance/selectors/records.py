"""What was done: imports and the records they touched, background jobs, and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, QuerySet

from governance.models import (
    AuditEvent,
    FinancialYear,
    ImportLink,
    ImportRecord,
    JobRun,
    Organisation,
    Role,
)

if TYPE_CHECKING:
    from governance.permissions import Viewer


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
