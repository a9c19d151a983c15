"""What every API list of a scheme's records shares: the scheme by id and reference, its organisation and year."""

from __future__ import annotations

from rest_framework import serializers


class SchemeRecordSerializer(serializers.ModelSerializer):
    """Base for a record that belongs to one scheme; subclasses list these names first in their fields."""

    organisation = serializers.CharField(source="scheme.organisation.ods_code", read_only=True,
                                         help_text="The scheme's organisation (ODS code)")
    year = serializers.CharField(source="scheme.year.name", read_only=True, help_text='Financial year, e.g. "2013/14"')
    reference = serializers.CharField(source="scheme.reference", read_only=True, help_text="The scheme's reference")


SCHEME_RECORD_FIELDS = ["id", "organisation", "year", "scheme", "reference"]
