"""Governance writes: closing and reopening months, giving people roles, the improvement plan, meetings and
decisions, import records, job runs, API tokens, organisations' RAG factors and the outbox of tasks for the broker.
Keyword-only, typed, atomic, role-checked.

One module per concern; import from here (`from governance import services`, `from governance.services import
month_close`), never from its modules.
"""

from governance.services.common import EditConflict
from governance.services.imports import IMPORT_ACTIONS, WARNING_LENGTH, ImportTouch, file_checksum, import_record
from governance.services.jobs import job_run_fail, job_run_finish, job_run_queue, job_run_start
from governance.services.meetings import MEETING_FIELDS, decision_record, meeting_create, meeting_update
from governance.services.months import (
    closed_months_locked,
    closed_months_refusal,
    month_close,
    month_reopen,
    month_statuses_lock,
)
from governance.services.organisations import organisation_rag_factors_set, rag_factors_changed
from governance.services.outbox import outbox_deliver, outbox_pending, outbox_sweep, task_send_on_commit
from governance.services.people import (
    member_password_reset,
    membership_check,
    membership_remove,
    membership_set,
    own_password_changed,
    system_actor,
    temporary_password,
)
from governance.services.plan import (
    PLAN_ACTION_FIELDS,
    action_due_date_revise,
    plan_action_create,
    plan_action_update,
    plan_domain_set,
    plan_update_publish,
    requirement_create,
    requirement_set,
)
from governance.services.tokens import IssuedToken, api_token_issue, api_token_revoke

__all__ = [
    "outbox_deliver",
    "outbox_pending",
    "outbox_sweep",
    "task_send_on_commit",
    "EditConflict",
    "IMPORT_ACTIONS",
    "ImportTouch",
    "IssuedToken",
    "MEETING_FIELDS",
    "PLAN_ACTION_FIELDS",
    "WARNING_LENGTH",
    "action_due_date_revise",
    "closed_months_locked",
    "closed_months_refusal",
    "api_token_issue",
    "api_token_revoke",
    "decision_record",
    "file_checksum",
    "import_record",
    "job_run_fail",
    "job_run_finish",
    "job_run_queue",
    "job_run_start",
    "meeting_create",
    "meeting_update",
    "member_password_reset",
    "membership_check",
    "membership_remove",
    "membership_set",
    "month_close",
    "month_reopen",
    "month_statuses_lock",
    "organisation_rag_factors_set",
    "own_password_changed",
    "plan_action_create",
    "plan_action_update",
    "plan_domain_set",
    "plan_update_publish",
    "rag_factors_changed",
    "requirement_create",
    "requirement_set",
    "system_actor",
    "temporary_password",
]
