"""Every write to schemes: keyword-only, typed, atomic; the role is checked when a user acts.

`actor=None` means the system itself (management commands, the importer, tasks). One module per
concern, named as in views, forms and selectors; import from here (`from schemes import services`).
"""

from schemes.recompute import scheme_recompute, schemes_recompute
from schemes.services.common import EditConflict, organisation_recompute_schedule, recompute_batch, schedule_recompute
from schemes.services.jobs import PORTFOLIO_RECOMPUTE_TASK, portfolio_recompute_queue
from schemes.services.panel import RatingInput, director_assessment_record, panel_sitting_record
from schemes.services.register import (
    programme_get_or_create,
    programme_remove,
    programme_save,
    programme_target_remove,
    programme_target_set,
)
from schemes.services.scheme import (
    SCHEME_INPUT_FIELDS,
    figure_override_clear,
    figure_override_set,
    scheme_create,
    scheme_update,
)
from schemes.services.stages import (
    KEY_STAGE_FIELDS,
    key_stage_create,
    key_stage_remove,
    key_stage_update,
    key_stages_from_template,
    scheme_stage_change,
    stage_moved,
)
from schemes.services.tracking import MonthEdit, scheme_month_update

__all__ = [
    "PORTFOLIO_RECOMPUTE_TASK",
    "organisation_recompute_schedule",
    "portfolio_recompute_queue",
    "KEY_STAGE_FIELDS",
    "SCHEME_INPUT_FIELDS",
    "EditConflict",
    "MonthEdit",
    "RatingInput",
    "director_assessment_record",
    "figure_override_clear",
    "figure_override_set",
    "key_stage_create",
    "key_stage_remove",
    "key_stage_update",
    "key_stages_from_template",
    "panel_sitting_record",
    "programme_get_or_create",
    "programme_remove",
    "programme_save",
    "programme_target_remove",
    "programme_target_set",
    "recompute_batch",
    "schedule_recompute",
    "scheme_create",
    "scheme_month_update",
    "scheme_recompute",  # the recompute service lives in schemes/recompute/ so the task can import it
    "scheme_stage_change",
    "scheme_update",
    "schemes_recompute",
    "stage_moved",
]
