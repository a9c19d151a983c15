"""Read API for monthly figures: each scheme month's plan, actual and forecast savings, in pounds."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeRecordSerializer
from schemes.filters import SchemeMonthFilterSet
from schemes.models import SchemeMonth
from schemes.selectors import scheme_months_for


class SchemeMonthSerializer(SchemeRecordSerializer):
    month = serializers.IntegerField(help_text="Month of the financial year: 1 is April, 12 March")
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                      help_text="Actual saving in pounds; null until entered")
    forecast = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                        help_text="Forecast saving in pounds; null where none is made")

    class Meta:
        model = SchemeMonth
        fields = [*SCHEME_RECORD_FIELDS, "month", "plan", "actual", "forecast", "version", "updated_at"]


class SchemeMonthViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SchemeMonthSerializer
    filterset_class = SchemeMonthFilterSet

    def get_queryset(self) -> QuerySet[SchemeMonth]:
        return scheme_months_for(self.request.user)
