"""API for financial risks and mitigations: scoped through the selector, filtered by the page's FilterSet.

Money is pounds as decimal strings; amounts are positive for both kinds (`kind` says which). Finance and
administrators start a month's register (POST financial-risk-months, empty or copying another month's rows), add
rows to it (POST financial-risks) and change them (PATCH with the version read), through the register's services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from finance import calculations, services
from finance.calculations import Amounts
from finance.filters import FinancialRiskFilterSet, FinancialRiskMonthFilterSet
from finance.models import LEAD_LENGTH, SHORT_TEXT, FinancialRisk, FinancialRiskKind, FinancialRiskMonth
from finance.selectors import FIGURES, financial_risk_months_for, financial_risks_for, summed
from governance.api.described import Described
from governance.api.writes import (
    ChoiceInput,
    EditSerializer,
    OrganisationYearSerializer,
    ServiceWrites,
    money_input,
    text_input,
    write_responses,
)
from governance.fields import NOTE_LENGTH
from governance.permissions import acting_user

ROLE = "keep the financial risks register"


class FinancialRiskSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="register.organisation.ods_code")
    year = serializers.CharField(source="register.year.name")
    month = serializers.IntegerField(source="register.month", help_text="The register's month: 1 is April, 12 March")
    assessed_percent = serializers.SerializerMethodField(
        help_text='Assessed / total as a whole percentage ("81"); null when the total is nil')

    class Meta:
        model = FinancialRisk
        fields = [
            "id", "organisation", "year", "month", "kind", "position", "description", "total_value",
            "assessed_value", "assessed_percent", "published_percent", "in_forecast", "residual", "exec_lead",
            "process_to_manage", "commentary", "version",
        ]
        descriptions = {"kind": "risk or mitigation", "description": "The risk or mitigation",
                        "total_value": "Total value in pounds (positive for both kinds)",
                        "assessed_value": "Likelihood-weighted value in pounds",
                        "in_forecast": "The part already in the forecast, in pounds",
                        "exec_lead": "The executive lead", "process_to_manage": "How it is managed",
                        "commentary": "Commentary"}

    def get_assessed_percent(self, row: FinancialRisk) -> str | None:
        """Assessed / total as a whole percentage ("81"), null when the total is nil."""
        percent: Decimal | None = calculations.assessed_percent(row.total_value, row.assessed_value)
        return None if percent is None else str(percent)


class FinancialRiskEditSerializer(EditSerializer):
    """A risk or mitigation row as its edit page changes it; the residual is worked out (assessed - in forecast)."""

    description = text_input("The risk or mitigation", max_length=SHORT_TEXT, allow_blank=False)
    total_value = money_input("Total value in pounds (positive for both kinds)")
    assessed_value = money_input("Likelihood-weighted value in pounds")
    in_forecast = money_input("The part already in the forecast, in pounds")
    published_percent = text_input('The assessed % as the paper printed it, e.g. "81%"', max_length=10)
    exec_lead = text_input("The executive lead", max_length=LEAD_LENGTH)
    process_to_manage = text_input("How it is managed", max_length=NOTE_LENGTH)
    commentary = text_input("Commentary", max_length=NOTE_LENGTH)

    class Meta(EditSerializer.Meta):
        required_to_create = ("kind", "description", "total_value", "assessed_value", "in_forecast", "month")


class FinancialRiskCreateSerializer(OrganisationYearSerializer, FinancialRiskEditSerializer):
    """A new row after the last of its kind in a month's register (the register must have been started)."""

    month = serializers.IntegerField(min_value=1, max_value=12, help_text="The register's month: 1 is April, 12 March")
    kind = ChoiceInput(choices=FinancialRiskKind.choices, help_text='"risk" or "mitigation"')

    class Meta(FinancialRiskEditSerializer.Meta):
        creating = True

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        register = financial_risk_months_for(self.context["request"].user).filter(
            organisation=attrs["organisation"], year=attrs["year"], month=attrs["month"]).first()
        if register is None:
            raise serializers.ValidationError({"month": [
                f"M{attrs['month']} of {attrs['year'].name} has no financial risks register yet: start it first "
                "(POST /api/v1/financial-risk-months/)."]})
        return {**attrs, "register": register}


@extend_schema_view(
    list=extend_schema(description="Financial risks and mitigations of your organisations, month by month."),
    retrieve=extend_schema(description="One financial risk or mitigation of a month's register."),
    create=extend_schema(description="Add a risk or mitigation to a month's register.",
                         request=FinancialRiskCreateSerializer,
                         responses=write_responses(FinancialRiskSerializer, role=ROLE, what="row", created=True)),
    partial_update=extend_schema(
        description="Change a row: send its `version` and the fields you change.",
        request=FinancialRiskEditSerializer, responses=write_responses(FinancialRiskSerializer, role=ROLE,
                                                                       what="row")),
)
class FinancialRiskViewSet(ServiceWrites, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                           viewsets.ReadOnlyModelViewSet):
    serializer_class = FinancialRiskSerializer
    filterset_class = FinancialRiskFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # a row is changed, never replaced

    def get_queryset(self) -> QuerySet[FinancialRisk]:
        return financial_risks_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def save(values: dict[str, Any]) -> FinancialRisk:
            for name in ("organisation", "year", "month"):  # the register found from them stands for them
                values.pop(name)
            return services.financial_risk_create(actor=acting_user(request), **values)
        return self.created(request, FinancialRiskCreateSerializer, save)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, FinancialRiskEditSerializer, lambda row, version, changes: (
            services.financial_risk_update(actor=acting_user(request), row=row, expected_version=version,
                                           changes=changes)))


def _published(month: FinancialRiskMonth, prefix: str) -> Amounts | None:
    values = [getattr(month, f"published_{prefix}_{part}") for part in ("total", "assessed", "in_forecast",
                                                                        "residual")]
    return None if any(value is None for value in values) else Amounts(*values)


def _as_money(amounts: Amounts | None) -> dict[str, str] | None:
    return None if amounts is None else {name: f"{getattr(amounts, name):.2f}" for name in FIGURES}


class FinancialRiskMonthSerializer(Described, serializers.ModelSerializer):
    """A month's register totals: the sums of its rows, the paper's published totals (null if none) and the
    shortfall of mitigations against risks (negative where they fall short), in pounds."""

    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    totals = serializers.SerializerMethodField(
        help_text="risks, mitigations (the rows' sums) and shortfall (mitigations - risks), and the paper's printed "
                  "published_risks, published_mitigations, published_shortfall (null where none): each total_value, "
                  "assessed_value, in_forecast and residual in pounds")

    class Meta:
        model = FinancialRiskMonth
        fields = ["id", "organisation", "year", "month", "source", "totals"]

    def get_totals(self, month: FinancialRiskMonth) -> dict[str, Any]:
        risks, mitigations = summed(month, "risks"), summed(month, "mitigations")
        published_risks, published_mitigations = _published(month, "risks"), _published(month, "mitigations")
        published_shortfall = (calculations.shortfall(published_risks, published_mitigations)
                               if published_risks is not None and published_mitigations is not None else None)
        return {
            "risks": _as_money(risks), "mitigations": _as_money(mitigations),
            "shortfall": _as_money(calculations.shortfall(risks, mitigations)),
            "published_risks": _as_money(published_risks), "published_mitigations": _as_money(published_mitigations),
            "published_shortfall": _as_money(published_shortfall),
        }


class FinancialRiskMonthStartSerializer(OrganisationYearSerializer):
    """A month's register to start: empty, or a copy of another month's rows (that month stays as it was)."""

    month = serializers.IntegerField(min_value=1, max_value=12, help_text="The month: 1 is April, 12 March")
    copy_from = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2_147_483_647,
        help_text="The id of a month's register of the same organisation and year to copy the rows of; null: start "
                  "empty")
    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Declared here: a class attribute `source` would shadow the serializer's own (Field.source).
        fields["source"] = text_input("Where the figures come from, e.g. the paper", max_length=SHORT_TEXT)
        fields["source"].required = False
        return fields

    def validate_copy_from(self, value: int | None) -> FinancialRiskMonth | None:
        if value is None:
            return None
        found = financial_risk_months_for(self.context["request"].user).filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError(f"You have no financial risks register with id {value}.")
        return found


@extend_schema_view(
    list=extend_schema(description="Each month's financial risks register of your organisations, with its totals."),
    retrieve=extend_schema(description="One month's register totals and the shortfall of mitigations."),
    create=extend_schema(description="Start a month's register, empty or copying another month's rows forward.",
                         request=FinancialRiskMonthStartSerializer,
                         responses=write_responses(FinancialRiskMonthSerializer, role=ROLE, what="register",
                                                   created=True)),
)
class FinancialRiskMonthViewSet(ServiceWrites, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = FinancialRiskMonthSerializer
    filterset_class = FinancialRiskMonthFilterSet

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.created(request, FinancialRiskMonthStartSerializer, lambda values: (
            services.financial_risk_month_start(actor=acting_user(request), **values)))

    def get_queryset(self) -> QuerySet[FinancialRiskMonth]:
        return financial_risk_months_for(self.request.user)
