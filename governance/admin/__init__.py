"""The admin site: a window on an organisation's data for its administrators, scoped like every other view.

Every registered model uses `ScopedAdmin` (or `ScopedHistoryAdmin` when it keeps simple-history), so the
rules in `scoped` hold for every admin URL: list, filters, add, change, delete, history and history item.
Importing the package registers governance's models (`organisations`, `records`) and the accounts
(`accounts`); other apps import the base classes from here (`from governance.admin import ScopedAdmin`).
"""

from governance.admin import accounts  # noqa: F401  # registers the accounts, groups and API tokens
from governance.admin.common import (
    ADMIN_ROLES,
    ATTRIBUTION_FIELDS,
    RAG_FACTORS,
    admin_choices,
    administered_organisation_ids,
    is_scoped,
    organisation_id_of,
    scope_path,
)
from governance.admin.lists import (
    EstimatedCountPaginator,
    OrganisationFilter,
    ScopedAllValuesFilter,
    ScopedRelatedFilter,
)
from governance.admin.organisations import (
    FinancialYearAdmin,
    MembershipAdmin,
    MembershipForm,
    MembershipInline,
    MonthStatusAdmin,
    OrganisationAdmin,
)
from governance.admin.records import (
    DecisionAdmin,
    ImportLinkAdmin,
    ImportRecordAdmin,
    JobRunAdmin,
    MeetingAdmin,
    PlanActionAdmin,
    PlanDomainAdmin,
    PlanUpdateAdmin,
    RequirementAdmin,
    RevisedDueDateAdmin,
)
from governance.admin.scoped import ReadOnlyInline, ScopedAdmin, ScopedHistoryAdmin

__all__ = [
    "ADMIN_ROLES",
    "ATTRIBUTION_FIELDS",
    "DecisionAdmin",
    "EstimatedCountPaginator",
    "FinancialYearAdmin",
    "ImportLinkAdmin",
    "ImportRecordAdmin",
    "JobRunAdmin",
    "MeetingAdmin",
    "MembershipAdmin",
    "MembershipForm",
    "MembershipInline",
    "MonthStatusAdmin",
    "OrganisationAdmin",
    "OrganisationFilter",
    "PlanActionAdmin",
    "PlanDomainAdmin",
    "PlanUpdateAdmin",
    "RAG_FACTORS",
    "ReadOnlyInline",
    "RequirementAdmin",
    "RevisedDueDateAdmin",
    "ScopedAdmin",
    "ScopedAllValuesFilter",
    "ScopedHistoryAdmin",
    "ScopedRelatedFilter",
    "admin_choices",
    "administered_organisation_ids",
    "is_scoped",
    "organisation_id_of",
    "scope_path",
]
