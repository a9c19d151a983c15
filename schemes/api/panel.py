"""Read API for the RAG panel's sittings (with each scheme's five ratings) and directors' assessments."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeRecordSerializer
from schemes.filters import DirectorAssessmentFilterSet, PanelSittingFilterSet
from schemes.models import DirectorAssessment, PanelSitting, SchemeRating
from schemes.selectors import director_assessments_for, panel_sittings_for


class SchemeRatingSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="scheme.reference", read_only=True)

    class Meta:
        model = SchemeRating
        fields = ["scheme", "reference", "value", "resources", "timescales", "codependencies", "overall", "comment"]


class PanelSittingSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code", read_only=True)
    year = serializers.CharField(source="year.name", read_only=True)
    ratings = SchemeRatingSerializer(many=True, read_only=True)

    class Meta:
        model = PanelSitting
        fields = ["id", "organisation", "year", "held_on", "panel", "notes", "ratings"]


class PanelSittingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PanelSittingSerializer
    filterset_class = PanelSittingFilterSet

    def get_queryset(self) -> QuerySet[PanelSitting]:
        return panel_sittings_for(self.request.user)


class DirectorAssessmentSerializer(SchemeRecordSerializer):
    class Meta:
        model = DirectorAssessment
        fields = [*SCHEME_RECORD_FIELDS, "assessed_on", "change_months", "director", "note"]


class DirectorAssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """A director's change in delivery (+N months earlier, -N later); the newest is the one in force."""

    serializer_class = DirectorAssessmentSerializer
    filterset_class = DirectorAssessmentFilterSet

    def get_queryset(self) -> QuerySet[DirectorAssessment]:
        return director_assessments_for(self.request.user)
