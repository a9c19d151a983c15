"""Governance's API: the improvement plan, meetings and imports (`registers`), and the error body every endpoint
of the portal answers with (`errors`). The router imports the viewsets from here."""

from governance.api.errors import ApiConflict, api_exception_handler
from governance.api.registers import ImportRecordViewSet, MeetingViewSet, PlanActionViewSet

__all__ = ["ApiConflict", "ImportRecordViewSet", "MeetingViewSet", "PlanActionViewSet", "api_exception_handler"]
