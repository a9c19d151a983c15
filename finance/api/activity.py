"""Read API for activity plans (/api/v1/activity/): lines with their months, scoped through the selector and
filtered by the page's FilterSet (organisation = ODS code, year = "2018/19").

Activity is counted, not money: counts are integers. A month's variance = plan - actual (activity over plan
is adverse, negative), null until the actual is known; % to one decimal as a decimal string.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from finance import calculations
from finance.filters import ActivityLineFilterSet
from finance.models import ActivityLine, ActivityMonth
from finance.selectors import activity_lines_for


class ActivityMonthSerializer(serializers.ModelSerializer):
    variance = serializers.SerializerMethodField()
    variance_pct = serializers.SerializerMethodField()

    class Meta:
        model = ActivityMonth
        fields = ["month", "plan", "actual", "variance", "variance_pct", "version"]

    def get_variance(self, month: ActivityMonth) -> int | None:
        return None if month.actual is None else calculations.activity_variance(month.plan, month.actual)

    def get_variance_pct(self, month: ActivityMonth) -> str | None:
        variance = self.get_variance(month)
        percent = None if variance is None else calculations.activity_percent(variance, month.plan)
        return None if percent is None else str(percent)


class ActivityLineSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    months = ActivityMonthSerializer(many=True)
    checks = serializers.SerializerMethodField()

    class Meta:
        model = ActivityLine
        fields = ["id", "organisation", "year", "code", "title", "position", "prior_outturn", "do_nothing",
                  "qipp_change", "plan", "published_change", "commentary", "version", "months", "checks"]

    def get_checks(self, line: ActivityLine) -> dict[str, Any]:
        """How the printed figures agree: the monthly profile's sum against the plan, do nothing + QIPP."""
        check = calculations.activity_plan_check(
            plan=line.plan, profile=[m.plan for m in line.months.all()], do_nothing=line.do_nothing,
            qipp_change=line.qipp_change, prior_outturn=line.prior_outturn,
        )
        return {"profile_total": check.profile_total, "profile_difference": check.profile_difference,
                "bridge_difference": check.bridge_difference,
                "change_pct": None if check.change_pct is None else str(check.change_pct)}


class ActivityLineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ActivityLineSerializer
    filterset_class = ActivityLineFilterSet

    def get_queryset(self) -> QuerySet[ActivityLine]:
        return activity_lines_for(self.request.user).order_by(
            "organisation__ods_code", "year__start_year", "position", "code"
        )
