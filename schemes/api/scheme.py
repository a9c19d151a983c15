"""API for schemes with their computed figures: thin, scoped through the selectors.

PMO editors create schemes (POST) and change their inputs (PATCH, with the version they read) through the
scheme page's services; the figures are recomputed once the save commits, so the answer's figures may be
the previous ones until then (`figures_computed_at` says when they were computed).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.described import Described
from governance.api.writes import (
    EditSerializer,
    OrganisationYearSerializer,
    ServiceWrites,
    money_input,
    text_input,
    write_responses,
)
from governance.fields import DESCRIPTION_LENGTH
from governance.permissions import acting_user
from schemes import services
from schemes.filters import SchemeFilterSet
from schemes.models import Phase, Scheme, SchemeType
from schemes.selectors import programmes_for, schemes_for, with_override_tokens, with_rating_tokens


def scheme_rows(user: Any) -> QuerySet[Scheme]:
    """The schemes the API lists, each with its rating and override tokens, in one query (in id order: the
    API's pages')."""
    return with_override_tokens(with_rating_tokens(schemes_for(user)))


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$", "example": "2013-07"})
class GoLiveField(serializers.Field):
    """A month as the read API writes it, "2013-07" (a full date is taken as its month); null: live all year."""

    def to_internal_value(self, data: Any) -> date:
        text = str(data).strip()
        parts = text.split("-")
        if len(parts) in (2, 3) and all(part.isdigit() for part in parts) and len(parts[0]) == 4:
            try:
                return date(int(parts[0]), int(parts[1]), 1 if len(parts) == 2 else int(parts[2])).replace(day=1)
            except ValueError:
                pass
        raise serializers.ValidationError('Write the go-live month like 2013-07 (year and month), or null.')

    def to_representation(self, value: date) -> str:
        return f"{value:%Y-%m}"


class SchemeSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    programme = serializers.CharField(source="programme.name", help_text="The programme (workstream) it belongs to")
    go_live = GoLiveField(read_only=True, allow_null=True,
                          help_text='First month the scheme saves money, e.g. "2013-07"; null: live all year')
    net_saving = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True,
                                          help_text="Gross saving less new investment, in pounds (TBC adds nothing)")
    investment = serializers.SerializerMethodField(
        help_text='New investment over a full year in pounds, "TBC" while to be confirmed, null when none recorded')
    rating_token = serializers.IntegerField(
        read_only=True, help_text="Changes whenever anyone saves a RAG rating of the scheme (0 before any): send it "
                                  "with the scheme's ratings when you record a sitting")
    override_token = serializers.IntegerField(
        read_only=True, help_text="Changes whenever anyone sets or clears an override of the scheme (0 before any): "
                                  "send it when you set or clear one")

    class Meta:
        model = Scheme
        fields = [
            "id", "organisation", "year", "reference", "name", "programme", "project_owner", "clinical_lead",
            "managerial_lead", "phase", "scheme_type", "stage", "go_live", "current_cost", "gross_saving",
            "investment", "net_saving", "stated_net_saving", "full_year_effect", "months_in_year", "plan_in_year",
            "next_year_effect", "overall_rag", "most_likely", "delivery_change_months", "adjusted_months",
            "director_value", "director_next_year", "overridden_fields", "figures_computed_at", "rating_token",
            "override_token", "version",
        ]
        descriptions = {
            "name": "The scheme's name",
            "project_owner": "Project owner", "clinical_lead": "Clinical lead", "managerial_lead": "Managerial lead",
            "phase": "Phase 1 (most complex redesign, longest lead-in) to 4 (contract renegotiation or done); null: "
                     "not set",
            "scheme_type": 'Transactional or transformational; "" when not set',
            "stage": "Lifecycle stage: 0 Pipeline, 1 Initiation, 2 Planning, 3 Delivery, 4 Monitoring, 5 Closure",
            "gross_saving": "Gross saving over a full year, in pounds",
            "full_year_effect": "Full-year effect: net saving over a full year, in pounds (or as overridden)",
            "months_in_year": "Months from go-live to March inclusive (0 to 12)",
            "plan_in_year": "In-year plan: the year's phasing added up, in pounds (or as overridden)",
            "next_year_effect": "Next-year effect: full-year effect less the in-year plan, in pounds",
            "overall_rag": 'The latest RAG panel\'s overall rating; "" before any',
            "most_likely": "Most likely: the in-year plan times the overall rating's factor, in pounds",
            "delivery_change_months": "The newest director's assessment: +N months more saving this year, -N fewer",
            "adjusted_months": "Months in year plus the director's change, kept within 0 and 12",
            "director_value": "Director's value this year, in pounds: FYE x adjusted months / 12 x the rating's factor",
            "director_next_year": "Director's value next year, in pounds: FYE x (12 - adjusted months) / 12",
            "overridden_fields": "The computed figures set by hand (see /api/v1/overrides/ for their reasons)",
            "figures_computed_at": "When the figures were last computed; null before the first recompute",
            "version": "The scheme's version, one more at each save of its inputs: send it back when you change them",
        }

    def get_investment(self, scheme: Scheme) -> str | None:
        """New investment in pounds, "TBC" while to be confirmed, or null when none is recorded."""
        if scheme.investment_tbc:
            return "TBC"
        return None if scheme.new_investment is None else f"{scheme.new_investment:.2f}"


class SchemeEditSerializer(EditSerializer):
    """A scheme's inputs as the scheme page edits them; the savings engine computes the rest."""

    programme = text_input("The programme's name, one of the organisation's programmes", max_length=200,
                           allow_blank=False)
    reference = text_input("The scheme's reference, e.g. MM1, US4 or 15b: unique in its organisation and year",
                           max_length=30, allow_blank=False)
    name = text_input("The scheme's name", max_length=300, allow_blank=False)
    project_owner = text_input("Project owner", max_length=200)
    clinical_lead = text_input("Clinical lead", max_length=200)
    managerial_lead = text_input("Managerial lead", max_length=200)
    description = text_input("What the scheme does", max_length=DESCRIPTION_LENGTH)
    kpis = text_input("The scheme's key performance indicators", max_length=DESCRIPTION_LENGTH)
    phase = serializers.ChoiceField(choices=Phase.choices, allow_null=True,
                                    help_text="Phase 1 (most complex redesign) to 4 (contract renegotiation); null: "
                                              "not set")
    scheme_type = serializers.ChoiceField(choices=SchemeType.choices, allow_blank=True,
                                          help_text='Transactional or transformational; "" for not set')
    go_live = GoLiveField(allow_null=True, help_text='First month the scheme saves money, e.g. "2013-07", within '
                                                     "the scheme's year or later; null: live for the whole year")
    current_cost = money_input("Full-year cost of the service today, in pounds; null: not recorded",
                               allow_null=True)
    gross_saving = money_input("Gross saving over a full year, in pounds")
    new_investment = money_input("New investment over a full year, in pounds; null: none recorded (or while to be "
                                 "confirmed)", allow_null=True)
    investment_tbc = serializers.BooleanField(help_text="True while the new investment is to be confirmed (TBC)")
    stated_net_saving = money_input("Net saving as a paper states it, where other than gross less investment; "
                                    "null: none", allow_null=True)

    class Meta(EditSerializer.Meta):
        required_to_create = ("programme", "reference", "name", "gross_saving")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        scheme: Scheme | None = self.context.get("record")
        organisation = attrs.get("organisation") or (scheme.organisation if scheme else None)
        year = attrs.get("year") or (scheme.year if scheme else None)
        if "programme" in attrs and organisation is not None:
            programme = programmes_for(self.context["request"].user, organisation).filter(
                name__iexact=attrs["programme"].strip()).first()
            if programme is None:
                raise serializers.ValidationError(
                    {"programme": [f"{organisation.name} has no programme called {attrs['programme'].strip()}."]})
            attrs["programme"] = programme
        # The scheme page's own check (its form's): a scheme cannot go live before its year starts.
        if attrs.get("go_live") is not None and year is not None and attrs["go_live"] < year.starts_on:
            raise serializers.ValidationError({"go_live": [f"Go-live month must fall within {year.name} or later."]})
        return attrs


class SchemeCreateSerializer(OrganisationYearSerializer, SchemeEditSerializer):
    """A new scheme: its organisation and year, and its inputs (those left out are blank)."""

    class Meta(SchemeEditSerializer.Meta):
        creating = True


@extend_schema_view(
    list=extend_schema(description="Schemes with their computed figures, in the organisations you belong to."),
    retrieve=extend_schema(description="One scheme with its computed figures."),
    create=extend_schema(
        description="Add a scheme to an organisation's register for a year (PMO editors and administrators).",
        request=SchemeCreateSerializer, responses=write_responses(SchemeSerializer, role="edit schemes",
                                                                  what="scheme", created=True)),
    partial_update=extend_schema(
        description="Change a scheme's inputs: send its `version` and the fields you change.",
        request=SchemeEditSerializer, responses=write_responses(SchemeSerializer, role="edit schemes",
                                                                what="scheme")),
)
class SchemeViewSet(ServiceWrites, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SchemeSerializer
    filterset_class = SchemeFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # a scheme is changed, never replaced

    def get_queryset(self) -> QuerySet[Scheme]:
        return scheme_rows(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def save(values: dict[str, Any]) -> Scheme:
            return services.scheme_create(
                actor=acting_user(request), organisation=values.pop("organisation"), year=values.pop("year"),
                programme=values.pop("programme"), reference=values.pop("reference"), name=values.pop("name"),
                **values,
            )
        return self.created(request, SchemeCreateSerializer, save)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, SchemeEditSerializer, lambda scheme, version, changes: services.scheme_update(
            actor=acting_user(request), scheme=scheme, expected_version=version, changes=changes))
