"""What the API's write endpoints share.

A write checks the request's types with an input serializer (400 with field errors), then calls the same
service as the page, which checks the role (403), the version the caller read (409 with the record as it is
now under `current`), closed months and the figures (400), and saves all or nothing. Serializers never save.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.errors import ApiConflict
from governance.models import FinancialYear, Organisation
from governance.selectors import organisations_for
from governance.services import EditConflict

VERSION_HELP = ("The record's version as you read it; if someone saved it since, nothing is saved and the answer is "
                "409 Conflict with the record as it is now under `current`")


def version_field(help_text: str = VERSION_HELP) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=2_147_483_647, help_text=help_text)


@contextmanager
def conflict_answered(current: Callable[[], Any]) -> Iterator[None]:
    """Turn the service's EditConflict into 409 carrying `current()`: the record as the API shows it now."""
    try:
        yield
    except EditConflict as conflict:
        raise ApiConflict(str(conflict), current=current()) from conflict


def edit_of(data: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """The version the caller read and the fields they sent: a field left out is left as it is."""
    changes = dict(data)
    return changes.pop("version"), changes


class EditSerializer(serializers.Serializer):
    """A change to a record: `version` and any of the other fields (those left out are unchanged).

    A subclass whose `Meta.creating` is true makes a new record: no version, and `Meta.required_to_create`
    are the fields it must give.
    """

    version = version_field()

    class Meta:
        creating = False
        required_to_create: tuple[str, ...] = ()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        creating = getattr(self.Meta, "creating", False)
        if creating:
            fields.pop("version")
        required = set(getattr(self.Meta, "required_to_create", ())) | {"organisation", "year"}
        for name, field in fields.items():
            if name != "version":
                field.required = creating and name in required
        return fields


class OrganisationYearSerializer(serializers.Serializer):
    """Where a new record goes: one of the caller's organisations and a financial year."""

    organisation = serializers.CharField(max_length=10, help_text="The organisation's ODS code, e.g. 07N: one of "
                                                                   "your organisations")
    year = serializers.CharField(max_length=7, help_text='The financial year, e.g. "2013/14"')

    def validate_organisation(self, value: str) -> Organisation:
        found = organisations_for(self.context["request"].user).filter(ods_code__iexact=value.strip()).first()
        if found is None:
            raise serializers.ValidationError(f"You have no organisation with the ODS code {value.strip()}.")
        return found

    def validate_year(self, value: str) -> FinancialYear:
        try:
            start = FinancialYear.start_year_from_name(value)
        except DjangoValidationError as error:  # the model's own words: "write it like 2013/14"
            raise serializers.ValidationError(error.messages) from None
        year = FinancialYear.objects.filter(start_year=start).first()
        if year is None:
            raise serializers.ValidationError(f"The portal has no financial year {value.strip()}.")
        return year


def money_input(help_text: str, *, allow_null: bool = False) -> serializers.DecimalField:
    """Pounds as a plain decimal string ("11000.50"): no £, no commas, at most two decimal places."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=allow_null, help_text=help_text)


def text_input(help_text: str, *, max_length: int, allow_blank: bool = True) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=allow_blank, help_text=help_text)


class ChoiceInput(serializers.ChoiceField):
    """A choice by its code ("on_track") or by the label the read API shows ("On-Track"), so what was read can be
    sent back as it is."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            by_label = {str(label).casefold(): code for code, label in self.choices.items()}
            data = by_label.get(data.strip().casefold(), data)
        return super().to_internal_value(data)


def write_responses(read: Any, *, role: str, what: str, created: bool = False) -> dict[int, Any]:
    """The answers a write documents: the record as the read API shows it, then 400, 403, 404 and 409."""
    answers: dict[int, Any] = {
        201 if created else 200: read,
        400: OpenApiResponse(description="Bad input: `errors` names each field and why; nothing saved"),
        403: OpenApiResponse(description=f"Your role cannot {role}"),
    }
    if not created:
        answers[404] = OpenApiResponse(description=f"No such {what} in your organisations")
        answers[409] = OpenApiResponse(description=f"Saved by someone else since you read it: `current` is the "
                                                   f"{what} now")
    return answers


class ServiceWrites(viewsets.GenericViewSet):
    """A viewset whose writes go through a service: `created` and `edited` answer with the read serializer."""

    def read_now(self, **lookup: Any) -> Any:
        """The record as the read API shows it now: this request's (by the URL's id), or the one `lookup` finds."""
        record = self.get_queryset().get(**lookup) if lookup else self.get_object()
        return self.get_serializer(record).data

    def created(self, request: Request, given: type[serializers.Serializer],
                save: Callable[[dict[str, Any]], models.Model]) -> Response:
        """Check the input's types, `save` it through the service, answer 201 with the new record."""
        checked = given(data=request.data, context=self.get_serializer_context())
        checked.is_valid(raise_exception=True)
        record = save(dict(checked.validated_data))
        return Response(self.read_now(pk=record.pk), status=status.HTTP_201_CREATED)

    def edited(self, request: Request, given: type[serializers.Serializer],
               save: Callable[[Any, int, dict[str, Any]], object], **context: Any) -> Response:
        """Change the URL's record (another organisation's is 404): `save(record, version, changes)` through the
        service; a stale version is 409 with the record as it is now."""
        record = self.get_object()
        checked = given(data=request.data, context={**self.get_serializer_context(), "record": record, **context})
        checked.is_valid(raise_exception=True)
        version, changes = edit_of(checked.validated_data)
        with conflict_answered(self.read_now):
            save(record, version, changes)
        return Response(self.read_now())


def month_number(month: str) -> int:
    """The URL's month of the year (1 is April, 12 March); any other number is no such month: 404."""
    number = int(month)
    if not 1 <= number <= 12:
        raise NotFound("A year has months 1 (April) to 12 (March).")
    return number


def month_values(months: Iterable[Any], number: int, changes: Mapping[str, Any], names: Iterable[str]) -> dict[str,
                                                                                                               Any]:
    """A month's figures as the caller leaves them: those sent, the rest as saved (None for a month not recorded).

    The plan has no "not known": a month not yet recorded needs it."""
    saved = next((row for row in months if row.month == number), None)
    values = {name: changes[name] if name in changes else getattr(saved, name, None) for name in names}
    if values.get("plan", 0) is None:
        raise serializers.ValidationError({"plan": [f"Enter the plan for M{number}: the month has none yet."]})
    return values
