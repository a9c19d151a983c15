"""Schemes' read API, one module per concern as in views and services; the router imports from here."""

from schemes.api.overrides import FigureOverrideViewSet
from schemes.api.panel import DirectorAssessmentViewSet, PanelSittingViewSet
from schemes.api.scheme import SchemeViewSet
from schemes.api.stages import KeyStageViewSet, StageChangeViewSet
from schemes.api.tracking import SchemeMonthViewSet

__all__ = [
    "DirectorAssessmentViewSet",
    "FigureOverrideViewSet",
    "KeyStageViewSet",
    "PanelSittingViewSet",
    "SchemeMonthViewSet",
    "SchemeViewSet",
    "StageChangeViewSet",
]
