"""Governance's pages: the working context, months, the improvement plan, meetings and decisions, imports,
background job runs, the audit log, your API token.

One module per concern; the URLs and other apps import from here (`from governance import views`,
`from governance.views import decision_about_page`), never from its modules.
"""

from governance.views.audit import audit_log_csv, audit_log_page
from governance.views.context import organisation_switch, safe_next, switch_context
from governance.views.health import health
from governance.views.imports import import_page, imports_page
from governance.views.jobs import job_runs_page
from governance.views.meetings import (
    decision_about_page,
    meeting,
    meeting_edit,
    meeting_history,
    meeting_new,
    meetings_page,
)
from governance.views.months import month_close, month_reopen, months
from governance.views.people import OwnPasswordChangeView, member_password, people
from governance.views.plan import (
    plan,
    plan_action,
    plan_action_edit,
    plan_action_new,
    plan_action_revise,
    plan_update,
    plan_updates_page,
    requirement_new,
)
from governance.views.tokens import api_token

__all__ = [
    "api_token",
    "audit_log_csv",
    "audit_log_page",
    "OwnPasswordChangeView",
    "health",
    "member_password",
    "people",
    "decision_about_page",
    "import_page",
    "imports_page",
    "job_runs_page",
    "meeting",
    "meeting_edit",
    "meeting_history",
    "meeting_new",
    "meetings_page",
    "month_close",
    "month_reopen",
    "months",
    "organisation_switch",
    "plan",
    "plan_action",
    "plan_action_edit",
    "plan_action_new",
    "plan_action_revise",
    "plan_update",
    "plan_updates_page",
    "requirement_new",
    "safe_next",
    "switch_context",
]
