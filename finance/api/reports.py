"""Read API for month-end variance reports, as issued: every issue, its budget table and its scheme savings.

`budget_lines` carry `line, ytd_plan, ytd_actual, ytd_variance, ytd_variance_pct, forecast_plan, forecast_actual,
forecast_variance, forecast_variance_pct` (pounds as decimal strings; % to one decimal, adverse negative);
spend variance = plan - actual, savings variance = actual - plan. Filter by organisation, year, month, current.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from finance.filters import VarianceReportFilterSet
from finance.models import VarianceReport, VarianceReportLine, VarianceReportSaving
from finance.selectors import variance_reports_for
from governance.api.described import VARIANCE_FIGURES, Described

FIGURES = ["ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct", "forecast_plan", "forecast_actual",
           "forecast_variance", "forecast_variance_pct"]


class ReportLineSerializer(Described, serializers.ModelSerializer):
    line = serializers.CharField(source="name", help_text="The budget line, subtotal or total as the report names it")

    class Meta:
        model = VarianceReportLine
        fields = ["position", "kind", "line", "section", *FIGURES, "commentary"]
        descriptions = {**VARIANCE_FIGURES, "position": "The row's place in the report",
                        "kind": "allocation, line, subtotal, total or surplus (the in-year surplus / (deficit))",
                        "section": 'The section the row is totalled in; "" for none',
                        "commentary": "Finance's commentary, as it was when the report was produced"}


class ReportSavingSerializer(Described, serializers.ModelSerializer):
    class Meta:
        model = VarianceReportSaving
        fields = ["position", "programme", "is_total", "schemes", *FIGURES]
        descriptions = {**VARIANCE_FIGURES, "position": "The row's place in the report",
                        "programme": "The programme whose schemes' savings the row adds up",
                        "is_total": "True for the total of every programme",
                        "schemes": "How many schemes the row adds up"}


class VarianceReportSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    produced_by = serializers.SerializerMethodField(help_text="Who produced it; null when the schedule did")
    budget_lines = ReportLineSerializer(source="lines", many=True,
                                        help_text="The budget table in the Cambridgeshire layout, as issued")
    scheme_savings = ReportSavingSerializer(source="savings", many=True,
                                            help_text="Scheme savings by programme against plan, as issued")

    class Meta:
        model = VarianceReport
        fields = ["id", "organisation", "year", "month", "issue", "is_current", "produced_at", "produced_by",
                  "budget_lines", "scheme_savings"]
        descriptions = {"is_current": "True for the month's issue in force; earlier issues stay readable as issued",
                        "produced_at": "When it was produced"}

    def get_produced_by(self, report: VarianceReport) -> str | None:
        user = report.produced_by
        return None if user is None else (user.get_full_name() or user.get_username())


@extend_schema_view(
    list=extend_schema(description="Month-end variance reports of your organisations, every issue as issued."),
    retrieve=extend_schema(description="One issue of a month-end variance report, as issued."),
)
class VarianceReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VarianceReportSerializer
    filterset_class = VarianceReportFilterSet

    def get_queryset(self) -> QuerySet[VarianceReport]:
        return variance_reports_for(self.request.user)
