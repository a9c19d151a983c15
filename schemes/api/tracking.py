"""API for monthly figures: each scheme month's plan, actual and forecast savings, in pounds.

Read by everyone who may see the scheme; a month's actual and forecast are written (PATCH) by those who
record progress, through the same service as the tracker page: the version check (409 with the current
month when someone saved it since), the closed-month refusal and the recompute after the save.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.writes import ServiceWrites, version_field, write_responses
from governance.permissions import acting_user
from schemes import services
from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeRecordSerializer
from schemes.filters import SchemeMonthFilterSet
from schemes.models import SchemeMonth
from schemes.selectors import scheme_months_for


class SchemeMonthSerializer(SchemeRecordSerializer):
    month = serializers.IntegerField(read_only=True, help_text="Month of the financial year: 1 is April, 12 March")
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, read_only=True,
                                      help_text="Actual saving in pounds; null until entered")
    forecast = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, read_only=True,
                                        help_text="Forecast saving in pounds; null where none is made")

    class Meta:
        model = SchemeMonth
        fields = [*SCHEME_RECORD_FIELDS, "month", "plan", "actual", "forecast", "version", "updated_at"]
        read_only_fields = fields
        descriptions = {"plan": "Planned saving for the month in pounds (the scheme's phasing)",
                        "version": "The month's version: send it back when you record its actual or forecast",
                        "updated_at": "When the month was last saved"}


class SchemeMonthEditSerializer(serializers.Serializer):
    """A month's actual and forecast as the caller leaves them, with the version they read (409 if stale)."""

    version = version_field("The month's version as you read it: if someone saved it since, nothing is saved and "
                            "the answer is 409 with the month as it is now under `current`")
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, required=False,
                                      help_text="Actual saving in pounds (null: not known); omitted: unchanged")
    forecast = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, required=False,
                                        help_text="Forecast saving in pounds (null: none); omitted: unchanged")


@extend_schema_view(
    list=extend_schema(description="Each scheme month's plan, actual and forecast savings, in your organisations."),
    retrieve=extend_schema(description="One scheme month's plan, actual and forecast savings."),
)
class SchemeMonthViewSet(ServiceWrites, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SchemeMonthSerializer
    filterset_class = SchemeMonthFilterSet
    http_method_names = ["get", "patch", "head", "options"]  # PATCH only: a month is changed, never replaced

    def get_queryset(self) -> QuerySet[SchemeMonth]:
        return scheme_months_for(self.request.user)

    @extend_schema(description="Record a month's actual and forecast saving, as the tracker page does: send the "
                               "month's `version`; a closed month is refused (400) with the reason.",
                   request=SchemeMonthEditSerializer,
                   responses=write_responses(SchemeMonthSerializer, role="record monthly progress", what="month"))
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, SchemeMonthEditSerializer, lambda row, version, values: (
            services.scheme_month_update(actor=acting_user(request), scheme=row.scheme, edits=[services.MonthEdit(
                month=row.month, expected_version=version,
                actual=values.get("actual", row.actual), forecast=values.get("forecast", row.forecast),
            )])))
