"""Forms: the helpers every app's forms use (`common`), governance's own forms (`records`) and the form renderer
(`rendering`). Import from here (`from governance.forms import NhsForm`), never from the modules.
"""

from governance.forms.common import (
    CONFLICT,
    DATE_FORMATS,
    DATE_HINT,
    EARLIEST_DATE,
    LATEST_DATE,
    AnyForm,
    BoundedDateField,
    NhsForm,
    SummaryError,
    add_service_errors,
    date_field,
    form_after_conflict,
    form_errors,
    form_field,
    note_field,
)
from governance.forms.records import (
    DecisionAboutForm,
    DecisionForm,
    MeetingEditForm,
    MeetingForm,
    MemberPasswordResetForm,
    MonthReopenForm,
    PlanActionCreateForm,
    PlanActionForm,
    PlanUpdatePublishForm,
    RequirementForm,
    RevisedDueDateForm,
)
from governance.forms.rendering import PortalFormRenderer

__all__ = [
    "CONFLICT", "DATE_FORMATS", "DATE_HINT", "EARLIEST_DATE", "LATEST_DATE", "AnyForm", "BoundedDateField",
    "DecisionAboutForm", "DecisionForm", "MeetingEditForm", "MeetingForm", "MemberPasswordResetForm",
    "MonthReopenForm", "NhsForm", "PlanActionCreateForm", "PlanActionForm", "PlanUpdatePublishForm",
    "PortalFormRenderer", "RequirementForm", "RevisedDueDateForm", "SummaryError", "add_service_errors", "date_field",
    "form_after_conflict", "form_errors", "form_field", "note_field",
]
