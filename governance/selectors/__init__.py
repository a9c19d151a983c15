"""Governance reads, scoped to the user, one module a concern: the organisations one may work in (and the
switcher's) in `organisations`, people, the calendar (years, months, the working context), the improvement plan,
meetings and decisions, and records of what was done (imports, jobs, the audit log). Import from here
(`from governance.selectors import years_for`), never from the modules.
"""

from governance.selectors.calendar import (
    closed_months,
    financial_year,
    month_history,
    month_rows,
    month_statuses,
    working_context,
    years_for,
)
from governance.selectors.meetings import (
    decisions_about,
    meeting_detail,
    meeting_versions,
    meetings,
    meetings_for,
)
from governance.selectors.organisations import (
    organisations_for,
    organisations_matching,
    switcher_organisations,
)
from governance.selectors.people import (
    api_token_of,
    membership_candidates,
    organisation_member,
    organisation_people,
)
from governance.selectors.plan import (
    action_is_overdue,
    action_is_reset,
    plan_action_detail,
    plan_action_history,
    plan_actions,
    plan_actions_for,
    plan_as_at,
    plan_domains,
    plan_requirements,
    plan_snapshot_rows,
    plan_update_detail,
    plan_updates,
)
from governance.selectors.records import (
    audit_events,
    import_detail,
    import_links,
    imports,
    imports_for,
    job_runs,
)

__all__ = [
    "action_is_overdue",
    "action_is_reset",
    "api_token_of",
    "audit_events",
    "closed_months",
    "decisions_about",
    "financial_year",
    "import_detail",
    "import_links",
    "imports",
    "imports_for",
    "job_runs",
    "meeting_detail",
    "meeting_versions",
    "meetings",
    "meetings_for",
    "membership_candidates",
    "month_history",
    "month_rows",
    "month_statuses",
    "organisation_member",
    "organisation_people",
    "organisations_for",
    "organisations_matching",
    "plan_action_detail",
    "plan_action_history",
    "plan_actions",
    "plan_actions_for",
    "plan_as_at",
    "plan_domains",
    "plan_requirements",
    "plan_snapshot_rows",
    "plan_update_detail",
    "plan_updates",
    "switcher_organisations",
    "working_context",
    "years_for",
]
