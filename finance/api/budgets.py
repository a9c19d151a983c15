"""API for budget lines: scoped through the selector, filtered by the budget page's FilterSet.

Each line carries its months (plan, actual, forecast: pounds as decimal strings, null where not yet known), its
commentary and its figures as at a month (`?month=N`, default the line's latest month with an actual), worked out
as the budget page does: variance = plan - actual (spend under plan favourable; for the allocation, actual - plan).

Finance and administrators add lines (POST), change what the line's page edits (PATCH with the version read) and set
a month's plan, actual and forecast (PATCH .../months/N/), through the budget pages' services.
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
from finance.filters import BudgetLineFilterSet
from finance.models import BudgetLine, BudgetLineKind, BudgetMonth
from finance.selectors import budget_lines_for, latest_actual_month, month_figures
from governance.api.described import Described
from governance.api.writes import (
    ChoiceInput,
    EditSerializer,
    OrganisationYearSerializer,
    ServiceWrites,
    conflict_answered,
    money_input,
    month_number,
    month_values,
    text_input,
    version_field,
    write_responses,
)
from governance.fields import NOTE_LENGTH
from governance.permissions import acting_user

MONTH_FIELDS = ("plan", "actual", "forecast")
ROW_FIELDS = ("ytd_plan", "ytd_actual", "ytd_variance", "forecast_plan", "forecast_actual", "forecast_variance")


class BudgetMonthSerializer(Described, serializers.ModelSerializer):
    class Meta:
        model = BudgetMonth
        fields = ["month", "plan", "actual", "forecast", "version"]
        descriptions = {"plan": "Planned spend (or allocation) for the month, in pounds",
                        "actual": "Actual for the month in pounds; null until known",
                        "forecast": "Forecast for the month in pounds; null where none is made",
                        "version": "The month's version: send it back when you set the month"}


class BudgetLineSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    months = BudgetMonthSerializer(many=True, help_text="The months recorded, M1 (April) first")
    figures = serializers.SerializerMethodField(
        help_text="As at `month` (?month=N, else the line's latest month with an actual): ytd_plan, ytd_actual, "
                  "ytd_variance, forecast_plan, forecast_actual, forecast_variance in pounds and ytd_variance_pct, "
                  "forecast_variance_pct to one decimal (null where the plan is nil); adverse is negative")

    class Meta:
        model = BudgetLine
        fields = [
            "id", "organisation", "year", "name", "position", "kind", "section", "commentary", "months", "figures",
            "published_month", "published_ytd_plan", "published_ytd_actual", "published_forecast_plan",
            "published_forecast", "version",
        ]
        descriptions = {
            "name": "The line's name, unique in its organisation and year",
            "kind": "allocation (income: over plan is favourable) or spend (under plan is favourable)",
            "commentary": "Finance's commentary on the line",
            "published_ytd_plan": "The paper's YTD plan in pounds; null where none",
            "published_ytd_actual": "The paper's YTD actual in pounds; null where none",
            "published_forecast_plan": "The paper's forecast plan in pounds; null where none",
            "published_forecast": "The paper's forecast outturn in pounds; null where none",
        }

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


class BudgetLineEditSerializer(EditSerializer):
    """What a budget line's page edits (its name is how the ledger import finds it, so it stays)."""

    position = serializers.IntegerField(min_value=0, max_value=2_147_483_647,
                                        help_text="Order on the page, as the paper lists the lines")
    kind = ChoiceInput(choices=BudgetLineKind.choices,
                       help_text='"allocation" (income: over plan is favourable) or "spend" (under plan favourable)')
    section = text_input('The section the line is totalled in, e.g. "Programme Expenditure"', max_length=200)
    commentary = text_input("Finance's commentary on the line", max_length=NOTE_LENGTH)
    published_month = serializers.IntegerField(min_value=1, max_value=12, allow_null=True,
                                               help_text="The month the published figures are for (10 = M10)")
    published_ytd_plan = money_input("The paper's YTD plan in pounds; null: none", allow_null=True)
    published_ytd_actual = money_input("The paper's YTD actual in pounds; null: none", allow_null=True)
    published_forecast_plan = money_input("The paper's forecast plan in pounds; null: none", allow_null=True)
    published_forecast = money_input("The paper's forecast outturn in pounds; null: none", allow_null=True)


class BudgetLineCreateSerializer(OrganisationYearSerializer, BudgetLineEditSerializer):
    """A new budget line of an organisation's year, after its last line unless `position` says where."""

    name = text_input("The line's name, unique in its organisation and year", max_length=200, allow_blank=False)

    class Meta(BudgetLineEditSerializer.Meta):
        creating = True
        required_to_create = ("name",)


class BudgetMonthEditSerializer(serializers.Serializer):
    """A line's month: plan, and actual and forecast where known; a figure left out is left as it is."""

    version = version_field("The month's version as you read it (0 if it had no figures yet); if someone saved it "
                            "since, nothing is saved and the answer is 409 with the line as it is now")
    plan = money_input("Planned spend (or allocation) for the month, in pounds; needed for a month not yet recorded")
    actual = money_input("Actual for the month in pounds; null: not yet known", allow_null=True)
    forecast = money_input("Forecast for the month in pounds; null: none", allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in MONTH_FIELDS:
            fields[name].required = False
        return fields


ROLE, WHAT = "keep the budgets", "budget line"
MONTH = OpenApiParameter("month", int, OpenApiParameter.PATH,
                         description="Month of the financial year: 1 is April, 12 March")


@extend_schema_view(
    list=extend_schema(description="Budget lines of your organisations with their months and figures as at a month."),
    retrieve=extend_schema(description="One budget line with its months and its figures as at a month."),
    create=extend_schema(description="Add a budget line to an organisation's year (finance and administrators).",
                         request=BudgetLineCreateSerializer,
                         responses=write_responses(BudgetLineSerializer, role=ROLE, what=WHAT, created=True)),
    partial_update=extend_schema(
        description="Change what the line's page edits: send its `version` and the fields you change.",
        request=BudgetLineEditSerializer, responses=write_responses(BudgetLineSerializer, role=ROLE, what=WHAT)),
    month=extend_schema(
        description="Set one month of the line (M1 is April): plan, actual and forecast, with the month's version.",
        request=BudgetMonthEditSerializer, responses=write_responses(BudgetLineSerializer, role=ROLE, what=WHAT),
        parameters=[MONTH]),
)
class BudgetLineViewSet(ServiceWrites, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    serializer_class = BudgetLineSerializer
    filterset_class = BudgetLineFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # a line is changed, never replaced

    def get_queryset(self) -> QuerySet[BudgetLine]:
        return budget_lines_for(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        month = self.request.query_params.get("month", "")
        # Validated by the FilterSet (1..12, else 400) before any row is serialised.
        return {**super().get_serializer_context(),
                "month": int(month) if month.isdigit() and 1 <= int(month) <= 12 else None}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def save(values: dict[str, Any]) -> BudgetLine:
            organisation, year, name = values.pop("organisation"), values.pop("year"), values.pop("name")
            if "position" not in values:  # after the last line, as the page's "add a line" does
                last = self.get_queryset().filter(organisation=organisation, year=year).order_by(
                    "-position").values_list("position", flat=True).first()
                values["position"] = 0 if last is None else last + 1
            # Version 0: "a new line"; a line of that name already there is a conflict, as on the page.
            with conflict_answered(lambda: self.read_now(organisation=organisation, year=year, name=name)):
                return services.budget_line_record(actor=acting_user(request), organisation=organisation,
                                                   year=year, name=name, expected_version=0, **values)
        return self.created(request, BudgetLineCreateSerializer, save)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, BudgetLineEditSerializer, lambda line, version, changes: (
            services.budget_line_record(actor=acting_user(request), organisation=line.organisation, year=line.year,
                                        name=line.name, expected_version=version, **changes)))

    @action(detail=True, methods=["patch"], url_path=r"months/(?P<month>[0-9]{1,2})")
    def month(self, request: Request, pk: str | None = None, month: str = "", format: str | None = None) -> Response:
        number = month_number(month)
        return self.edited(request, BudgetMonthEditSerializer, lambda line, version, changes: (
            services.budget_month_record(actor=acting_user(request), line=line, month=number,
                                         expected_version=version,
                                         **month_values(line.months.all(), number, changes, MONTH_FIELDS))))
