"""Read API for financial risks and mitigations: scoped through the selector, filtered by the page's FilterSet.

Money is pounds as decimal strings; amounts are positive for both kinds (`kind` says which).
"""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers, viewsets

from finance import calculations
from finance.filters import FinancialRiskFilterSet
from finance.models import FinancialRisk
from finance.selectors import financial_risks_for


class FinancialRiskSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="register.organisation.ods_code")
    year = serializers.CharField(source="register.year.name")
    month = serializers.IntegerField(source="register.month")
    assessed_percent = serializers.SerializerMethodField()

    class Meta:
        model = FinancialRisk
        fields = [
            "id", "organisation", "year", "month", "kind", "position", "description", "total_value",
            "assessed_value", "assessed_percent", "published_percent", "in_forecast", "residual", "exec_lead",
            "process_to_manage", "commentary", "version",
        ]

    def get_assessed_percent(self, row: FinancialRisk) -> str | None:
        """Assessed / total as a whole percentage ("81"), null when the total is nil."""
        percent: Decimal | None = calculations.assessed_percent(row.total_value, row.assessed_value)
        return None if percent is None else str(percent)


class FinancialRiskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FinancialRiskSerializer
    filterset_class = FinancialRiskFilterSet

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return financial_risks_for(self.request.user).order_by(
            "register__organisation__ods_code", "register__year__start_year", "register__month", "kind",
            "position", "id",
        )
