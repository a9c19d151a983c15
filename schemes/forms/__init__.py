"""Forms for the scheme pages, one module per concern (named as in views, services and selectors).

Messages are plain English; the services check everything again. Import from here
(`from schemes.forms import SchemeForm`).
"""

from schemes.forms.common import MoneyField, money_input
from schemes.forms.imports import WorkbookConfirmForm, WorkbookUploadForm
from schemes.forms.panel import (
    DIMENSIONS,
    DirectorAssessmentForm,
    PanelRow,
    PanelSittingForm,
    panel_rows,
    read_panel_rows,
    read_seen_tokens,
    show_panel_conflict,
)
from schemes.forms.scheme import (
    SCHEME_FORM_FIELDS,
    MonthYearField,
    OverrideClearForm,
    OverrideForm,
    SchemeForm,
)
from schemes.forms.stages import KeyStageForm, KeyStageTemplateForm, StageChangeForm
from schemes.forms.tracking import TrackerCell, TrackerForm

__all__ = [
    "DIMENSIONS",
    "SCHEME_FORM_FIELDS",
    "DirectorAssessmentForm",
    "KeyStageForm",
    "KeyStageTemplateForm",
    "MoneyField",
    "MonthYearField",
    "OverrideClearForm",
    "OverrideForm",
    "PanelRow",
    "PanelSittingForm",
    "SchemeForm",
    "StageChangeForm",
    "TrackerCell",
    "TrackerForm",
    "WorkbookConfirmForm",
    "WorkbookUploadForm",
    "money_input",
    "panel_rows",
    "read_panel_rows",
    "read_seen_tokens",
    "show_panel_conflict",
]
