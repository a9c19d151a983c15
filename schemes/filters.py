"""One FilterSet per list of schemes and their records, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from governance.filters import OrganisationYearFilterSet, filter_of
from governance.models import FinancialYear
from schemes.models import (
    DirectorAssessment,
    Figure,
    FigureOverride,
    GatewayDecision,
    KeyStage,
    PanelSitting,
    Phase,
    Programme,
    Rag,
    Scheme,
    SchemeMonth,
    Stage,
    StageChange,
)


class SchemeFilterSet(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="Organisation (ODS code)"
    )
    year = django_filters.CharFilter(
        method="filter_year", label="Financial year, e.g. 2013/14", validators=[FinancialYear.start_year_from_name]
    )
    programme = django_filters.ModelChoiceFilter(queryset=Programme.objects.none(), label="Programme")
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    rag = django_filters.ChoiceFilter(field_name="overall_rag", choices=Rag.choices, label="Overall RAG")
    owner = django_filters.CharFilter(field_name="project_owner", lookup_expr="icontains", label="Project owner")
    q = django_filters.CharFilter(method="filter_text", label="Search")

    class Meta:
        model = Scheme
        fields = ["organisation", "year", "programme", "phase", "stage", "rag", "owner", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.request
        if request is not None and request.user.is_authenticated:
            filter_of(self, "programme", django_filters.ModelChoiceFilter).queryset = Programme.objects.for_user(
                request.user)

    def filter_year(self, queryset: QuerySet[Scheme], name: str, value: str) -> QuerySet[Scheme]:
        return queryset.filter(year__start_year=FinancialYear.start_year_from_name(value))

    def filter_text(self, queryset: QuerySet[Scheme], name: str, value: str) -> QuerySet[Scheme]:
        value = value.strip()
        if not value:
            return queryset
        # The programmes' ids first (a query of their own): an OR across a join cannot use the scheme's indexes,
        # while `programme_id IN (ids)` beside the trigram-indexed columns is one bitmap OR on PostgreSQL.
        programmes = list(Programme.objects.filter(name__icontains=value).values_list("pk", flat=True))
        return queryset.filter(
            Q(reference__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value)
            | Q(project_owner__icontains=value) | Q(programme_id__in=programmes)
        )


# --- The scheme's records, for the API: organisation and year through the scheme ------------------

class _SchemeRecordFilterSet(OrganisationYearFilterSet):
    organisation_path = "scheme__organisation"
    year_path = "scheme__year"

    scheme = django_filters.NumberFilter(field_name="scheme_id", label="Scheme (id)")
    reference = django_filters.CharFilter(field_name="scheme__reference", lookup_expr="iexact",
                                          label="Scheme reference, e.g. 15b", max_length=30)


class SchemeMonthFilterSet(_SchemeRecordFilterSet):
    month = django_filters.NumberFilter(field_name="month", min_value=1, max_value=12, label="Month (1 = April)")

    class Meta:
        model = SchemeMonth
        fields = ["organisation", "year", "scheme", "reference", "month"]


class PanelSittingFilterSet(OrganisationYearFilterSet):
    panel = django_filters.CharFilter(field_name="panel", lookup_expr="icontains", max_length=100,
                                      label="Panel (part of its name)")

    class Meta:
        model = PanelSitting
        fields = ["organisation", "year", "panel"]


class DirectorAssessmentFilterSet(_SchemeRecordFilterSet):
    class Meta:
        model = DirectorAssessment
        fields = ["organisation", "year", "scheme", "reference"]


class FigureOverrideFilterSet(_SchemeRecordFilterSet):
    figure = django_filters.ChoiceFilter(choices=Figure.choices)
    active = django_filters.BooleanFilter(field_name="cleared_at", lookup_expr="isnull",
                                          label="In force (not cleared)")

    class Meta:
        model = FigureOverride
        fields = ["organisation", "year", "scheme", "reference", "figure", "active"]


class StageChangeFilterSet(_SchemeRecordFilterSet):
    decision = django_filters.ChoiceFilter(choices=GatewayDecision.choices)

    class Meta:
        model = StageChange
        fields = ["organisation", "year", "scheme", "reference", "decision"]


class KeyStageFilterSet(_SchemeRecordFilterSet):
    class Meta:
        model = KeyStage
        fields = ["organisation", "year", "scheme", "reference"]
