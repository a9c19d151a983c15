"""Read API for stage moves (gateway decisions) and key stages (milestones with baseline and current dates)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeRecordSerializer
from schemes.filters import KeyStageFilterSet, StageChangeFilterSet
from schemes.models import KeyStage, StageChange
from schemes.selectors import key_stages_for, stage_changes_for


class StageChangeSerializer(SchemeRecordSerializer):
    class Meta:
        model = StageChange
        fields = [*SCHEME_RECORD_FIELDS, "from_stage", "to_stage", "decision", "approver", "decided_on", "note"]


class StageChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Every gateway decision, approved or not ("not approved" leaves the scheme where it was)."""

    serializer_class = StageChangeSerializer
    filterset_class = StageChangeFilterSet

    def get_queryset(self) -> QuerySet[StageChange]:
        return stage_changes_for(self.request.user)


class KeyStageSerializer(SchemeRecordSerializer):
    class Meta:
        model = KeyStage
        fields = [*SCHEME_RECORD_FIELDS, "order", "name", "baseline_date", "current_date", "completed_on", "note",
                  "version"]


class KeyStageViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = KeyStageSerializer
    filterset_class = KeyStageFilterSet

    def get_queryset(self) -> QuerySet[KeyStage]:
        return key_stages_for(self.request.user)
