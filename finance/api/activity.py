"""Read API for activity plans (/api/v1/activity/): lines with their months, scoped through the selector and
filtered by the page's FilterSet (organisation = ODS code, year = "2018/19").

Activity is counted, not money: counts are integers. A month's variance = plan - actual (activity over plan
is adverse, negative), null until the actual is known; % to one decimal as a decimal string.

Finance and administrators change a line as its page does (PATCH with the version read) and record a month's plan
and actual (PATCH .../months/N/), through the activity pages' services.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from finance import calculations, services
from finance.filters import ActivityLineFilterSet
from finance.models import ACTIVITY_LIMIT, ACTIVITY_TITLE_LENGTH, ActivityLine, ActivityMonth
from finance.selectors import activity_lines_for
from governance.api.described import Described
from governance.api.writes import (
    EditSerializer,
    ServiceWrites,
    month_number,
    month_values,
    text_input,
    version_field,
    write_responses,
)
from governance.fields import NOTE_LENGTH
from governance.permissions import acting_user


def _count(help_text: str, *, signed: bool = False, allow_null: bool = True) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=-ACTIVITY_LIMIT if signed else 0, max_value=ACTIVITY_LIMIT,
                                    allow_null=allow_null, help_text=help_text)


class ActivityMonthSerializer(Described, serializers.ModelSerializer):
    variance = serializers.SerializerMethodField(
        help_text="Plan - actual (activity over plan is adverse, negative); null until the actual is known")
    variance_pct = serializers.SerializerMethodField(
        help_text='The variance as a % of the plan, to one decimal ("-2.5"); null without an actual or a plan')

    class Meta:
        model = ActivityMonth
        fields = ["month", "plan", "actual", "variance", "variance_pct", "version"]
        descriptions = {"plan": "The planned count for the month", "actual": "The actual count; null until known",
                        "version": "The month's version: send it back when you record the month"}

    def get_variance(self, month: ActivityMonth) -> int | None:
        return None if month.actual is None else calculations.activity_variance(month.plan, month.actual)

    def get_variance_pct(self, month: ActivityMonth) -> str | None:
        variance = self.get_variance(month)
        percent = None if variance is None else calculations.activity_percent(variance, month.plan)
        return None if percent is None else str(percent)


class ActivityLineSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    months = ActivityMonthSerializer(many=True, help_text="The months recorded, M1 (April) first")
    checks = serializers.SerializerMethodField(
        help_text="How the printed figures agree: profile_total (the months' plans added up), profile_difference "
                  "(that less the plan), bridge_difference (do nothing + QIPP change less the plan), change_pct "
                  "(last year to the plan, % to one decimal)")

    class Meta:
        model = ActivityLine
        fields = ["id", "organisation", "year", "code", "title", "position", "prior_outturn", "do_nothing",
                  "qipp_change", "plan", "published_change", "commentary", "version", "months", "checks"]
        descriptions = {"title": "What is counted, e.g. total referrals",
                        "prior_outturn": "Last year's outturn; null where not printed",
                        "do_nothing": 'The "do nothing" forecast; null where not printed',
                        "commentary": "Commentary on the line"}

    def get_checks(self, line: ActivityLine) -> dict[str, Any]:
        """How the printed figures agree: the monthly profile's sum against the plan, do nothing + QIPP."""
        check = calculations.activity_plan_check(
            plan=line.plan, profile=[m.plan for m in line.months.all()], do_nothing=line.do_nothing,
            qipp_change=line.qipp_change, prior_outturn=line.prior_outturn,
        )
        return {"profile_total": check.profile_total, "profile_difference": check.profile_difference,
                "bridge_difference": check.bridge_difference,
                "change_pct": None if check.change_pct is None else str(check.change_pct)}


class ActivityLineEditSerializer(EditSerializer):
    """An activity line as its page edits it (the national code is how the line is found, so it stays)."""

    title = text_input("What is counted, e.g. total referrals", max_length=ACTIVITY_TITLE_LENGTH, allow_blank=False)
    prior_outturn = _count("Last year's outturn; null: not printed")
    do_nothing = _count('The "do nothing" forecast; null: not printed')
    qipp_change = _count("The QIPP change, negative where QIPP takes activity out; null: not printed", signed=True)
    plan = _count("The year's plan as printed", allow_null=False)
    published_change = text_input('Last year to this as the paper printed it, e.g. "-1%"', max_length=10)
    commentary = text_input("Commentary on the line", max_length=NOTE_LENGTH)


class ActivityMonthEditSerializer(serializers.Serializer):
    """A line's month: the planned count and the actual where known; a figure left out is left as it is."""

    version = version_field("The month's version as you read it (0 if it had no figures yet); if someone saved it "
                            "since, nothing is saved and the answer is 409 with the line as it is now")
    plan = _count("The planned count for the month; needed for a month not yet recorded", allow_null=False)
    actual = _count("The actual count for the month; null: not yet known")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["plan"].required = fields["actual"].required = False
        return fields


WRITES = write_responses(ActivityLineSerializer, role="keep activity plans", what="activity line")


@extend_schema_view(
    list=extend_schema(description="Activity lines of your organisations with their months against plan."),
    retrieve=extend_schema(description="One activity line with its twelve months."),
    partial_update=extend_schema(
        description="Change a line as its page does: send its `version` and the fields you change.",
        request=ActivityLineEditSerializer, responses=WRITES),
    month=extend_schema(
        description="Record one month of the line (M1 is April): its planned count and actual, with its version.",
        request=ActivityMonthEditSerializer, responses=WRITES,
        parameters=[OpenApiParameter("month", int, OpenApiParameter.PATH,
                                     description="Month of the financial year: 1 is April, 12 March")]),
)
class ActivityLineViewSet(ServiceWrites, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ActivityLineSerializer
    filterset_class = ActivityLineFilterSet
    http_method_names = ["get", "patch", "head", "options"]  # a line is changed, never replaced

    def get_queryset(self) -> QuerySet[ActivityLine]:
        return activity_lines_for(self.request.user)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, ActivityLineEditSerializer, lambda line, version, changes: (
            services.activity_line_record(actor=acting_user(request), organisation=line.organisation,
                                          year=line.year, code=line.code, expected_version=version, **changes)))

    @action(detail=True, methods=["patch"], url_path=r"months/(?P<month>[0-9]{1,2})")
    def month(self, request: Request, pk: str | None = None, month: str = "", format: str | None = None) -> Response:
        number = month_number(month)
        return self.edited(request, ActivityMonthEditSerializer, lambda line, version, changes: (
            services.activity_month_record(actor=acting_user(request), line=line, month=number,
                                           expected_version=version,
                                           **month_values(line.months.all(), number, changes, ("plan", "actual")))))
