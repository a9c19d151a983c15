"""One FilterSet for the scheme register page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from governance.filters import filter_of
from governance.models import FinancialYear
from schemes.models import Phase, Programme, Rag, Scheme, Stage


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
        return queryset.filter(
            Q(reference__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value)
            | Q(project_owner__icontains=value) | Q(programme__name__icontains=value)
        )
