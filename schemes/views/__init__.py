"""The scheme pages, one module per concern (named as in forms, services and selectors).

Thin: parse, call a service or a selector, render. `schemes/urls.py` names each view from here
(`views.scheme_edit`).
"""

from schemes.views.imports import workbook_import_page
from schemes.views.panel import director_assessment, panel_list, panel_new, panel_sitting
from schemes.views.register import register, register_csv
from schemes.views.scheme import (
    figure_override,
    figure_override_clear,
    scheme_create,
    scheme_decision,
    scheme_detail,
    scheme_edit,
)
from schemes.views.stages import (
    key_stage_add,
    key_stage_edit,
    key_stage_remove,
    key_stages,
    key_stages_template,
    key_stages_timeline,
    stage_change,
)
from schemes.views.tracking import programme_tracker, scheme_tracker, tracker_index

__all__ = [
    "director_assessment",
    "figure_override",
    "figure_override_clear",
    "key_stage_add",
    "key_stage_edit",
    "key_stage_remove",
    "key_stages",
    "key_stages_template",
    "key_stages_timeline",
    "panel_list",
    "panel_new",
    "panel_sitting",
    "programme_tracker",
    "register",
    "register_csv",
    "scheme_create",
    "scheme_decision",
    "scheme_detail",
    "scheme_edit",
    "scheme_tracker",
    "stage_change",
    "tracker_index",
    "workbook_import_page",
]
