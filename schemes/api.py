"""Read API for schemes: thin, scoped through the selector, filtered by the register's FilterSet."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from schemes.filters import SchemeFilterSet
from schemes.models import Scheme
from schemes.selectors import schemes_for


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
