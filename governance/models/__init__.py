"""Organisations, financial years, people and their roles: the root every other app hangs from; the improvement
plan, meetings and decisions, import records, job runs, the audit log and the outbox of tasks for the broker.

One module per concern, named as governance's services are; import from here (`from governance.models import
Organisation`), never from its modules. The models' app is governance wherever they are defined, so the
migrations are unchanged.
"""

from governance.models.audit import AuditAction, AuditEvent, AuditLogImmutable, AuditSource
from governance.models.imports import ImportChange, ImportKind, ImportLink, ImportRecord
from governance.models.jobs import JobRun, JobStatus
from governance.models.meetings import Decision, Meeting, MeetingKind
from governance.models.organisations import (
    YEAR_NAME,
    FinancialYear,
    FinancialYearQuerySet,
    Membership,
    MonthStatus,
    Organisation,
    OrganisationKind,
    PasswordChangeDue,
    Role,
)
from governance.models.outbox import OutboxMessage
from governance.models.plan import (
    ActionRag,
    ActionStatus,
    PlanAction,
    PlanDomain,
    PlanUpdate,
    Requirement,
    RevisedDueDate,
)
from governance.models.tokens import ApiToken

__all__ = [
    "ActionRag",
    "ActionStatus",
    "ApiToken",
    "AuditAction",
    "AuditEvent",
    "AuditLogImmutable",
    "AuditSource",
    "Decision",
    "FinancialYear",
    "FinancialYearQuerySet",
    "ImportChange",
    "ImportKind",
    "ImportLink",
    "ImportRecord",
    "JobRun",
    "JobStatus",
    "Meeting",
    "MeetingKind",
    "Membership",
    "MonthStatus",
    "Organisation",
    "OrganisationKind",
    "OutboxMessage",
    "PasswordChangeDue",
    "PlanAction",
    "PlanDomain",
    "PlanUpdate",
    "Requirement",
    "RevisedDueDate",
    "Role",
    "YEAR_NAME",
]
