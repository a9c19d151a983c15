"""One FilterSet for the risk register page, its heat map's links and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from governance.filters import filter_of
from governance.models import FinancialYear
from risks.models import STAGE_LABELS, STAGES, Category, Risk
from risks.scoring import BAND_RANGES, BANDS
from schemes.models import Programme, Scheme

BAND_CHOICES = [(band, band) for band in BANDS]
STAGE_CHOICES = [(stage, STAGE_LABELS[stage]) for stage in STAGES]
ONE_TO_FIVE = [(str(n), str(n)) for n in range(1, 6)]


class RiskFilterSet(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="Organisation (ODS code)"
    )
    year = django_filters.CharFilter(
        method="filter_year", label="Financial year, e.g. 2018/19", validators=[FinancialYear.start_year_from_name]
    )
    # Which of the three scores `band`, `likelihood` and `impact` look at (the current score unless given).
    scores = django_filters.ChoiceFilter(choices=STAGE_CHOICES, method="filter_nothing", label="Score",
                                         empty_label="Current")
    band = django_filters.ChoiceFilter(choices=BAND_CHOICES, method="filter_band", label="Band")
    likelihood = django_filters.TypedChoiceFilter(choices=ONE_TO_FIVE, coerce=int, method="filter_likelihood",
                                                  label="Likelihood")
    impact = django_filters.TypedChoiceFilter(choices=ONE_TO_FIVE, coerce=int, method="filter_impact",
                                              label="Impact")
    category = django_filters.ChoiceFilter(choices=Category.choices)
    owner = django_filters.CharFilter(field_name="owner", lookup_expr="icontains", label="Owner")
    scheme = django_filters.ModelChoiceFilter(queryset=Scheme.objects.none(), label="Scheme")
    programme = django_filters.ModelChoiceFilter(queryset=Programme.objects.none(), label="Programme")
    q = django_filters.CharFilter(method="filter_text", label="Search")

    class Meta:
        model = Risk
        fields = ["organisation", "year", "scores", "band", "likelihood", "impact", "category", "owner", "scheme",
                  "programme", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.request
        if request is not None and request.user.is_authenticated:
            filter_of(self, "scheme", django_filters.ModelChoiceFilter).queryset = Scheme.objects.for_user(request.user)
            filter_of(self, "programme", django_filters.ModelChoiceFilter).queryset = Programme.objects.for_user(
                request.user)

    def stage(self) -> str:
        chosen = self.form.cleaned_data.get("scores") if hasattr(self.form, "cleaned_data") else None
        return chosen if chosen in STAGES else "current"

    def filter_nothing(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return queryset

    def filter_year(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return queryset.filter(year__start_year=FinancialYear.start_year_from_name(value))

    def filter_band(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        stage = self.stage()
        low, high = BAND_RANGES[value]
        computed = Q(**{f"{stage}_likelihood__isnull": False, f"{stage}_impact__isnull": False}) & Q(
            **{f"{stage}_product__gte": low, f"{stage}_product__lte": high}
        )
        bare = Q(**{f"{stage}_likelihood__isnull": True, f"{stage}_published_score__gte": low,
                    f"{stage}_published_score__lte": high})
        return queryset.filter(computed | bare)

    def filter_likelihood(self, queryset: QuerySet[Risk], name: str, value: int) -> QuerySet[Risk]:
        return queryset.filter(**{f"{self.stage()}_likelihood": value})

    def filter_impact(self, queryset: QuerySet[Risk], name: str, value: int) -> QuerySet[Risk]:
        return queryset.filter(**{f"{self.stage()}_impact": value})

    def filter_text(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
            | Q(owner__icontains=value) | Q(impact__icontains=value) | Q(mitigation__icontains=value)
        )
