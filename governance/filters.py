"""One FilterSet per governance list, shared by the page and the API: improvement-plan actions, meetings, imports,
background job runs, the audit log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.audit import record_types
from governance.formatting import JOB_TITLES
from governance.models import (
    ActionRag,
    ActionStatus,
    AuditAction,
    AuditEvent,
    FinancialYear,
    ImportKind,
    ImportRecord,
    JobRun,
    JobStatus,
    Meeting,
    MeetingKind,
    PlanAction,
)

TEXT_FILTER_LIMIT = 100

FilterT = TypeVar("FilterT", bound=django_filters.Filter)


def filter_of(filterset: django_filters.FilterSet, name: str, kind: type[FilterT]) -> FilterT:
    """The filterset's filter `name` as the kind of filter it is, to set what only that kind has (a queryset)."""
    found = filterset.filters[name]
    if not isinstance(found, kind):
        raise TypeError(f"{type(filterset).__name__}.{name} is a {type(found).__name__}, not a {kind.__name__}")
    return found


class OrganisationYearFilterSet(django_filters.FilterSet):
    """`organisation` (ODS code) and `year` ("2018/19") for any list: subclasses say where the model keeps them."""

    organisation_path = "organisation"

    organisation = django_filters.CharFilter(method="filter_organisation", label="Organisation (ODS code)",
                                             max_length=10)
    year = django_filters.CharFilter(
        method="filter_year", label="Financial year, e.g. 2018/19", validators=[FinancialYear.start_year_from_name]
    )

    def filter_organisation(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(**{f"{self.organisation_path}__ods_code__iexact": value.strip()})

    def filter_year(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        start = FinancialYear.start_year_from_name(value)
        return queryset.filter(**{f"{self.year_path}__start_year": start})

    year_path = "year"


class PlanActionFilterSet(OrganisationYearFilterSet):
    organisation_path = "requirement__domain__organisation"
    year_path = "requirement__domain__year"

    rag = django_filters.ChoiceFilter(choices=ActionRag.choices, label="RAG", empty_label="Any RAG")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, empty_label="Any status")
    owner = django_filters.CharFilter(field_name="owner", lookup_expr="icontains", label="Governing-body owner",
                                      max_length=TEXT_FILTER_LIMIT)
    q = django_filters.CharFilter(method="filter_text", label="Search", max_length=TEXT_FILTER_LIMIT)

    class Meta:
        model = PlanAction
        fields = ["organisation", "year", "rag", "status", "owner", "q"]

    def filter_text(self, queryset: QuerySet[PlanAction], name: str, value: str) -> QuerySet[PlanAction]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(requirement__text__icontains=value)
                               | Q(owner__icontains=value))


class MeetingFilterSet(OrganisationYearFilterSet):
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices, label="Kind of meeting",
                                        empty_label="Any kind")

    class Meta:
        model = Meeting
        fields = ["organisation", "year", "kind"]


class ImportFilterSet(OrganisationYearFilterSet):
    kind = django_filters.ChoiceFilter(choices=ImportKind.choices, label="Kind of import", empty_label="Any kind")

    class Meta:
        model = ImportRecord
        fields = ["organisation", "year", "kind"]


class JobRunFilterSet(django_filters.FilterSet):
    """The administrators' Background jobs page: by job and by how it went."""

    task = django_filters.ChoiceFilter(choices=sorted(JOB_TITLES.items(), key=lambda item: item[1]), label="Job",
                                       empty_label="Any job")
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, label="Progress", empty_label="Any progress")

    class Meta:
        model = JobRun
        fields = ["task", "status"]


def record_type_choices() -> list[tuple[str, str]]:
    return sorted(record_types().items(), key=lambda item: item[1])


def _start_of(day: date) -> datetime:
    """Midnight of a day where the portal is (Europe/London), as a moment: a range on the indexed column."""
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEventFilterSet(django_filters.FilterSet):
    """The administrators' Audit log page and its CSV: who, what, which kind of record, when, which record."""

    actor = django_filters.CharFilter(field_name="actor_username", lookup_expr="istartswith",
                                      label="Who (username, or its start)", max_length=150)
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label="What happened", empty_label="Anything")
    model = django_filters.ChoiceFilter(choices=record_type_choices, label="Kind of record",
                                        empty_label="Any kind of record")
    since = django_filters.DateFilter(method="filter_since", label="On or after (date, e.g. 31/3/2019)")
    until = django_filters.DateFilter(method="filter_until", label="On or before (date)")
    record = django_filters.CharFilter(field_name="object_repr", lookup_expr="icontains",
                                       label="Record (any part of its name)", max_length=TEXT_FILTER_LIMIT)

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "model", "since", "until", "record"]

    def filter_since(self, queryset: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return queryset.filter(occurred_at__gte=_start_of(value))

    def filter_until(self, queryset: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return queryset.filter(occurred_at__lt=_start_of(value + timedelta(days=1)))


_OrganisationYearFilterSet = OrganisationYearFilterSet  # the name it had: kept for code written against it
