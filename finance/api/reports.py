"""Read API for month-end variance reports, as issued: every issue, its budget table and its scheme savings.

`budget_lines` carry `line, ytd_plan, ytd_actual, ytd_variance, ytd_variance_pct, forecast_plan, forecast_actual,
forecast_variance, forecast_variance_pct` (pounds as decimal strings; % to one decimal, adverse negative);
spend variance = plan - actual, savings variance = actual - plan. Filter by organisation, year, month, current.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from finance.filters import VarianceReportFilterSet
from finance.models import VarianceReport, VarianceReportLine, VarianceReportSaving
from finance.selectors import variance_reports_for

FIGURES = ["ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct", "forecast_plan", "forecast_actual",
           "forecast_variance", "forecast_variance_pct"]


class ReportLineSerializer(serializers.ModelSerializer):
    line = serializers.CharField(source="name")

    class Meta:
        model = VarianceReportLine
        fields = ["position", "kind", "line", "section", *FIGURES, "commentary"]


class ReportSavingSerializer(serializers.ModelSerializer):
    class Meta:
        model = VarianceReportSaving
        fields = ["position", "programme", "is_total", "schemes", *FIGURES]


class VarianceReportSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    produced_by = serializers.SerializerMethodField(help_text="Who produced it; null when the schedule did")
    budget_lines = ReportLineSerializer(source="lines", many=True)
    scheme_savings = ReportSavingSerializer(source="savings", many=True)

    class Meta:
        model = VarianceReport
        fields = ["id", "organisation", "year", "month", "issue", "is_current", "produced_at", "produced_by",
                  "budget_lines", "scheme_savings"]

    def get_produced_by(self, report: VarianceReport) -> str | None:
        user = report.produced_by
        return None if user is None else (user.get_full_name() or user.get_username())


class VarianceReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VarianceReportSerializer
    filterset_class = VarianceReportFilterSet

    def get_queryset(self) -> QuerySet[VarianceReport]:
        return variance_reports_for(self.request.user)
