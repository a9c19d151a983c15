"""Every field of the API says what it is, in the schema at /api/schema/ (tests/unit/test_api_schema.py walks it).

A serializer that mixes in `Described` lists its fields' words in `Meta.descriptions`; the names every register shares
(`id`, `organisation`, `year`, `version`) have their words here. A field's own help_text (or its model field's) wins.
The list endpoints' pages say what `count`, `next`, `previous` and `results` are (qipp_portal/api_pagination.py).
"""

from __future__ import annotations

from rest_framework import serializers

SHARED = {
    "id": "The record's id: its address is the list's followed by the id",
    "organisation": "The organisation's ODS code, e.g. 07N",
    "year": 'The financial year, e.g. "2013/14"',
    "version": "The record's version, one more at each save: send it back when you change the record (409 if "
               "someone saved it since)",
}

# The figures of a month-end variance report's rows: pounds as decimal strings, % to one decimal.
VARIANCE_FIGURES = {
    "ytd_plan": "Year-to-date plan, in pounds",
    "ytd_actual": "Year-to-date actual, in pounds",
    "ytd_variance": "Year-to-date variance in pounds (spend: plan - actual; savings: actual - plan); negative is "
                    "adverse",
    "ytd_variance_pct": "Year-to-date variance as a % of the plan, to one decimal; null where the plan is nil",
    "forecast_plan": "Full-year plan, in pounds",
    "forecast_actual": "Forecast outturn for the year, in pounds",
    "forecast_variance": "Forecast variance in pounds; negative is adverse",
    "forecast_variance_pct": "Forecast variance as a % of the full-year plan, to one decimal; null where the plan "
                             "is nil",
}


class Described(serializers.Serializer):
    """Mix in before the serializer class: fields without words take them from the `Meta.descriptions` of the class
    and its bases (the nearest wins), then SHARED."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        words = dict(SHARED)
        for klass in reversed(type(self).__mro__):
            words |= getattr(vars(klass).get("Meta"), "descriptions", {})
        for name, field in fields.items():
            if not field.help_text and name in words:
                field.help_text = words[name]
        return fields
