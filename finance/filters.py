"""One FilterSet per list, shared by its page and the API: financial risks and mitigations, budget lines, activity,
month-end variance reports."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from finance.models import (
    ActivityLine,
    BudgetLine,
    BudgetLineKind,
    FinancialRisk,
    FinancialRiskKind,
    FinancialRiskMonth,
    VarianceReport,
)
from governance.filters import TEXT_FILTER_LIMIT, OrganisationYearFilterSet
from governance.models import FinancialYear


class FinancialRiskFilterSet(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="register__organisation__ods_code", lookup_expr="iexact", label="Organisation (ODS code)"
    )
    year = django_filters.CharFilter(
        method="filter_year", label="Financial year, e.g. 2018/19", validators=[FinancialYear.start_year_from_name]
    )
    month = django_filters.NumberFilter(field_name="register__month", label="Month (1 is April, 12 March)",
                                        min_value=1, max_value=12)
    kind = django_filters.ChoiceFilter(choices=FinancialRiskKind.choices, label="Risk or mitigation")
    q = django_filters.CharFilter(method="filter_text", label="Search", max_length=100)

    class Meta:
        model = FinancialRisk
        fields = ["organisation", "year", "month", "kind", "q"]

    def filter_year(self, queryset: QuerySet[FinancialRisk], name: str, value: str) -> QuerySet[FinancialRisk]:
        return queryset.filter(register__year__start_year=FinancialYear.start_year_from_name(value))

    def filter_text(self, queryset: QuerySet[FinancialRisk], name: str, value: str) -> QuerySet[FinancialRisk]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(description__icontains=value) | Q(exec_lead__icontains=value)
            | Q(process_to_manage__icontains=value) | Q(commentary__icontains=value)
        )


class FinancialRiskMonthFilterSet(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="Organisation (ODS code)"
    )
    year = django_filters.CharFilter(
        method="filter_year", label="Financial year, e.g. 2018/19", validators=[FinancialYear.start_year_from_name]
    )
    month = django_filters.NumberFilter(field_name="month", label="Month (1 is April, 12 March)", min_value=1,
                                        max_value=12)

    class Meta:
        model = FinancialRiskMonth
        fields = ["organisation", "year", "month"]

    def filter_year(
        self, queryset: QuerySet[FinancialRiskMonth], name: str, value: str
    ) -> QuerySet[FinancialRiskMonth]:
        return queryset.filter(year__start_year=FinancialYear.start_year_from_name(value))


class BudgetLineFilterSet(django_filters.FilterSet):
    """The budget lines: the budget page (which narrows the lines listed, never the totals) and the API."""

    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="Organisation (ODS code)"
    )
    year = django_filters.CharFilter(
        method="filter_year", label="Financial year, e.g. 2018/19", validators=[FinancialYear.start_year_from_name]
    )
    kind = django_filters.ChoiceFilter(choices=BudgetLineKind.choices, label="Allocation or spend line")
    q = django_filters.CharFilter(method="filter_text", label="Search", max_length=100)
    # Not a filter: the month the YTD and forecast figures are worked out at (validated here, read by the API).
    month = django_filters.NumberFilter(method="figures_at", label="Figures as at month (1 is April, 12 March)",
                                        min_value=1, max_value=12)

    class Meta:
        model = BudgetLine
        fields = ["organisation", "year", "kind", "q", "month"]

    def figures_at(self, queryset: QuerySet[BudgetLine], name: str, value: int) -> QuerySet[BudgetLine]:
        return queryset

    def filter_year(self, queryset: QuerySet[BudgetLine], name: str, value: str) -> QuerySet[BudgetLine]:
        return queryset.filter(year__start_year=FinancialYear.start_year_from_name(value))

    def filter_text(self, queryset: QuerySet[BudgetLine], name: str, value: str) -> QuerySet[BudgetLine]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(section__icontains=value) | Q(commentary__icontains=value))
class ActivityLineFilterSet(OrganisationYearFilterSet):
    """Activity plan lines: the activity page and /api/v1/activity/ (organisation = ODS code, year = "2018/19")."""

    q = django_filters.CharFilter(method="filter_text", label="Code or title", max_length=TEXT_FILTER_LIMIT)

    class Meta:
        model = ActivityLine
        fields = ["organisation", "year", "q"]

    def filter_text(self, queryset: QuerySet[ActivityLine], name: str, value: str) -> QuerySet[ActivityLine]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))


class VarianceReportFilterSet(OrganisationYearFilterSet):
    month = django_filters.NumberFilter(field_name="month", label="Month (1 is April, 12 March)", min_value=1,
                                        max_value=12)
    current = django_filters.BooleanFilter(field_name="is_current", label="Current issues only")

    class Meta:
        model = VarianceReport
        fields = ["organisation", "year", "month", "current"]
