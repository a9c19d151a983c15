"""Read API for budget lines: scoped through the selector, filtered by the budget page's FilterSet.

Each line carries its months (plan, actual, forecast: pounds as decimal strings, null where not yet known), its
commentary and its figures as at a month (`?month=N`, default the line's latest month with an actual), worked out
as the budget page does: variance = plan - actual (spend under plan favourable; for the allocation, actual - plan).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from finance import calculations
from finance.filters import BudgetLineFilterSet
from finance.models import BudgetLine, BudgetLineKind, BudgetMonth
from finance.selectors import budget_lines_for, latest_actual_month, month_figures

ROW_FIELDS = ("ytd_plan", "ytd_actual", "ytd_variance", "forecast_plan", "forecast_actual", "forecast_variance")


class BudgetMonthSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetMonth
        fields = ["month", "plan", "actual", "forecast", "version"]


class BudgetLineSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    months = BudgetMonthSerializer(many=True)
    figures = serializers.SerializerMethodField()

    class Meta:
        model = BudgetLine
        fields = [
            "id", "organisation", "year", "name", "position", "kind", "section", "commentary", "months", "figures",
            "published_month", "published_ytd_plan", "published_ytd_actual", "published_forecast_plan",
            "published_forecast", "version",
        ]

    def get_figures(self, line: BudgetLine) -> dict[str, Any]:
        """YTD and forecast outturn as at the month asked for (or the line's latest actual), money as strings."""
        month = self.context.get("month") or latest_actual_month([line]) or 1
        row = calculations.budget_row(month_figures(line), month)
        if line.kind == BudgetLineKind.ALLOCATION:
            row = calculations.income_row(row)
        figures: dict[str, Any] = {"month": month}
        figures |= {name: f"{getattr(row, name):.2f}" for name in ROW_FIELDS}
        for name in ("ytd_variance_pct", "forecast_variance_pct"):
            value = getattr(row, name)
            figures[name] = None if value is None else str(value)
        return figures


class BudgetLineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BudgetLineSerializer
    filterset_class = BudgetLineFilterSet

    def get_queryset(self) -> QuerySet[BudgetLine]:
        return budget_lines_for(self.request.user).order_by("organisation__ods_code", "year__start_year", "position",
                                                            "id")

    def get_serializer_context(self) -> dict[str, Any]:
        month = self.request.query_params.get("month", "")
        # Validated by the FilterSet (1..12, else 400) before any row is serialised.
        return {**super().get_serializer_context(),
                "month": int(month) if month.isdigit() and 1 <= int(month) <= 12 else None}
