"""Read API for schemes with their computed figures, and their overrides: thin, scoped through the selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeRecordSerializer
from schemes.filters import FigureOverrideFilterSet, SchemeFilterSet
from schemes.models import FigureOverride, Scheme
from schemes.selectors import overrides_for, schemes_for


class SchemeSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    programme = serializers.CharField(source="programme.name")
    go_live = serializers.DateField(format="%Y-%m")
    net_saving = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    investment = serializers.SerializerMethodField()

    class Meta:
        model = Scheme
        fields = [
            "id", "organisation", "year", "reference", "name", "programme", "project_owner", "clinical_lead",
            "managerial_lead", "phase", "scheme_type", "stage", "go_live", "current_cost", "gross_saving",
            "investment", "net_saving", "stated_net_saving", "full_year_effect", "months_in_year", "plan_in_year",
            "next_year_effect", "overall_rag", "most_likely", "delivery_change_months", "adjusted_months",
            "director_value", "director_next_year", "overridden_fields", "figures_computed_at", "version",
        ]

    def get_investment(self, scheme: Scheme) -> str | None:
        """New investment in pounds, "TBC" while to be confirmed, or null when none is recorded."""
        if scheme.investment_tbc:
            return "TBC"
        return None if scheme.new_investment is None else f"{scheme.new_investment:.2f}"


class SchemeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SchemeSerializer
    filterset_class = SchemeFilterSet

    def get_queryset(self) -> QuerySet[Scheme]:
        return schemes_for(self.request.user).order_by("organisation__ods_code", "year__start_year", "reference")


class FigureOverrideSerializer(SchemeRecordSerializer):
    figure_name = serializers.CharField(source="get_figure_display", read_only=True)
    in_force = serializers.SerializerMethodField(help_text="True until the override is cleared")

    class Meta:
        model = FigureOverride
        fields = [*SCHEME_RECORD_FIELDS, "figure", "figure_name", "value", "reason", "in_force", "created_at",
                  "cleared_at", "clear_reason"]

    def get_in_force(self, override: FigureOverride) -> bool:
        return override.cleared_at is None


class FigureOverrideViewSet(viewsets.ReadOnlyModelViewSet):
    """Figures set by hand with their reasons; cleared overrides stay listed (`active=false`) as their history."""

    serializer_class = FigureOverrideSerializer
    filterset_class = FigureOverrideFilterSet

    def get_queryset(self) -> QuerySet[FigureOverride]:
        return overrides_for(self.request.user)
