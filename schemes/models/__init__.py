"""Programmes, schemes and everything recorded against a scheme.

One module per concern: the fields' choices, schemes (with their programmes, months and targets), the panels' and
directors' ratings, and stages. Import from here (`from schemes.models import Scheme`), never from its modules; the
models' app is schemes wherever they are defined, so the migrations are unchanged.
"""

from schemes.models.choices import STAGE_GATEWAYS, Figure, GatewayDecision, Phase, Rag, SchemeType, Stage
from schemes.models.ratings import DirectorAssessment, FigureOverride, PanelSitting, SchemeRating
from schemes.models.schemes import COMPUTED_FIELDS, Programme, ProgrammeTarget, Scheme, SchemeMonth
from schemes.models.stages import BEXLEY_KEY_STAGES, KeyStage, StageChange

__all__ = [
    "BEXLEY_KEY_STAGES", "COMPUTED_FIELDS", "STAGE_GATEWAYS", "DirectorAssessment", "Figure", "FigureOverride",
    "GatewayDecision", "KeyStage", "PanelSitting", "Phase", "Programme", "ProgrammeTarget", "Rag", "Scheme",
    "SchemeMonth", "SchemeRating", "SchemeType", "Stage", "StageChange",
]
