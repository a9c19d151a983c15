"""Read API for financial risks and mitigations: scoped through the selector, filtered by the page's FilterSet.

Money is pounds as decimal strings; amounts are positive for both kinds (`kind` says which).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from finance import calculations
from finance.calculations import Amounts
from finance.filters import FinancialRiskFilterSet, FinancialRiskMonthFilterSet
from finance.models import FinancialRisk, FinancialRiskMonth
from finance.selectors import financial_risk_months_for, financial_risks_for


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

    def get_queryset(self) -> QuerySet[FinancialRisk]:
        return financial_risks_for(self.request.user).order_by(
            "register__organisation__ods_code", "register__year__start_year", "register__month", "kind",
            "position", "id",
        )


FIGURES = ("total_value", "assessed_value", "in_forecast", "residual")


def _amounts(month: FinancialRiskMonth, prefix: str) -> Amounts:
    return Amounts(*(getattr(month, f"{prefix}_{name}_sum") or Decimal("0") for name in FIGURES))


def _published(month: FinancialRiskMonth, prefix: str) -> Amounts | None:
    values = [getattr(month, f"published_{prefix}_{part}") for part in ("total", "assessed", "in_forecast",
                                                                        "residual")]
    return None if any(value is None for value in values) else Amounts(*values)


def _as_money(amounts: Amounts | None) -> dict[str, str] | None:
    return None if amounts is None else {name: f"{getattr(amounts, name):.2f}" for name in FIGURES}


class FinancialRiskMonthSerializer(serializers.ModelSerializer):
    """A month's register totals: the sums of its rows, the paper's published totals (null if none) and the
    shortfall of mitigations against risks (negative where they fall short), in pounds."""

    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    totals = serializers.SerializerMethodField()

    class Meta:
        model = FinancialRiskMonth
        fields = ["id", "organisation", "year", "month", "source", "totals"]

    def get_totals(self, month: FinancialRiskMonth) -> dict[str, Any]:
        risks, mitigations = _amounts(month, "risks"), _amounts(month, "mitigations")
        published_risks, published_mitigations = _published(month, "risks"), _published(month, "mitigations")
        published_shortfall = (calculations.shortfall(published_risks, published_mitigations)
                               if published_risks is not None and published_mitigations is not None else None)
        return {
            "risks": _as_money(risks), "mitigations": _as_money(mitigations),
            "shortfall": _as_money(calculations.shortfall(risks, mitigations)),
            "published_risks": _as_money(published_risks), "published_mitigations": _as_money(published_mitigations),
            "published_shortfall": _as_money(published_shortfall),
        }


class FinancialRiskMonthViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FinancialRiskMonthSerializer
    filterset_class = FinancialRiskMonthFilterSet

    def get_queryset(self) -> QuerySet[FinancialRiskMonth]:
        return financial_risk_months_for(self.request.user).order_by(
            "organisation__ods_code", "year__start_year", "month"
        )
