"""What every API list of a scheme's records shares: the scheme by id and reference, its organisation and year."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from governance.api.described import Described
from schemes.models import Scheme
from schemes.selectors import schemes_for


class SchemeRecordSerializer(Described, serializers.ModelSerializer):
    """Base for a record that belongs to one scheme; subclasses list these names first in their fields."""

    class Meta:
        descriptions = {"scheme": "The scheme's id (/api/v1/schemes/{id}/)"}

    organisation = serializers.CharField(source="scheme.organisation.ods_code", read_only=True,
                                         help_text="The scheme's organisation (ODS code)")
    year = serializers.CharField(source="scheme.year.name", read_only=True, help_text='Financial year, e.g. "2013/14"')
    reference = serializers.CharField(source="scheme.reference", read_only=True, help_text="The scheme's reference")


SCHEME_RECORD_FIELDS = ["id", "organisation", "year", "scheme", "reference"]


class SchemeChoice(serializers.PrimaryKeyRelatedField):
    """A scheme by id, among those the caller may see: anyone else's is "no such scheme", as a 404 would be."""

    default_error_messages = {"does_not_exist": "You have no scheme with id {pk_value}.",
                              "incorrect_type": "Give the scheme's id, a whole number."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Scheme.objects.none(), **kwargs)

    def get_queryset(self) -> QuerySet[Scheme]:
        return schemes_for(self.context["request"].user)
