"""The improvement plan, meetings and decisions, import records and job runs: kept on their pages through
governance.services (or by the importers and tasks), read-only here.
"""

from __future__ import annotations

from django.contrib import admin

from governance.admin.scoped import ScopedAdmin, ScopedHistoryAdmin
from governance.models import (
    Decision,
    ImportLink,
    ImportRecord,
    JobRun,
    Meeting,
    OutboxMessage,
    PlanAction,
    PlanDomain,
    PlanUpdate,
    Requirement,
    RevisedDueDate,
)


@admin.register(PlanDomain)
class PlanDomainAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["name", "organisation", "year", "position"]
    list_filter = ["organisation", "year"]


@admin.register(Requirement)
class RequirementAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["number", "text", "domain"]
    list_filter = ["domain__organisation"]


@admin.register(PlanAction)
class PlanActionAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["__str__", "due_date", "owner", "rag", "status"]
    list_filter = ["requirement__domain__organisation", "rag", "status"]
    search_fields = ["text", "owner"]


@admin.register(RevisedDueDate)
class RevisedDueDateAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["action", "old_date", "new_date", "recorded_by", "recorded_at"]


@admin.register(PlanUpdate)
class PlanUpdateAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["__str__", "published_by", "published_at"]
    list_filter = ["organisation", "year"]


@admin.register(Meeting)
class MeetingAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["title", "kind", "held_on", "organisation", "year"]
    list_filter = ["organisation", "year", "kind"]


@admin.register(Decision)
class DecisionAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["meeting", "subject_label", "text", "recorded_at"]


@admin.register(ImportRecord)
class ImportRecordAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["file_name", "kind", "organisation", "year", "imported_by", "imported_at"]
    list_filter = ["organisation", "year", "kind"]


@admin.register(JobRun)
class JobRunAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["task", "organisation", "year", "month", "status", "attempts", "requested_by", "queued_at",
                    "finished_at"]
    list_filter = ["organisation", "status", "task"]


@admin.register(ImportLink)
class ImportLinkAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["record", "change", "label"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ScopedAdmin):
    """Tasks a save owes that have not reached the broker yet (docs/adr/0007): what an operator reads while the
    broker is down. They belong to no organisation (superusers only) and are sent and deleted by
    governance.services (the sweep): read-only here."""

    service_owned = True
    superuser_only = True
    list_display = ["task", "arguments", "created_at", "attempts", "last_error"]
    search_fields = ["task"]
