"""API for the RAG panel's sittings (with each scheme's five ratings) and directors' assessments.

Panel members record a sitting's ratings (POST rag-sittings, all or nothing) and a director's assessment (POST
director-assessments), through the panel pages' services. Each states what the caller read: a rating carries its
scheme's `rating_token` (from /api/v1/schemes/), an assessment the id of the scheme's newest assessment; if someone
recorded one since, nothing is saved and the answer is 409 with what is there now.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.described import Described
from governance.api.writes import ChoiceInput, OrganisationYearSerializer, conflict_answered, text_input
from governance.fields import NOTE_LENGTH
from governance.permissions import acting_user
from schemes import services
from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeChoice, SchemeRecordSerializer
from schemes.api.scheme import SchemeSerializer, scheme_rows
from schemes.filters import DirectorAssessmentFilterSet, PanelSittingFilterSet
from schemes.models import DirectorAssessment, PanelSitting, Rag, SchemeRating
from schemes.selectors import director_assessments_for, panel_sittings_for


class SchemeRatingSerializer(Described, serializers.ModelSerializer):
    reference = serializers.CharField(source="scheme.reference", read_only=True, help_text="The scheme's reference")

    class Meta:
        model = SchemeRating
        fields = ["scheme", "reference", "value", "resources", "timescales", "codependencies", "overall", "comment"]
        descriptions = {"scheme": "The scheme's id (/api/v1/schemes/{id}/)",
                        "value": "Value of the scheme: green, amber or red",
                        "resources": "Resources required to deliver: green, amber or red",
                        "timescales": "Timescales / readiness of implementation: green, amber or red",
                        "codependencies": "Co-dependencies / multi-agency involvement: green, amber or red",
                        "overall": "Overall rating: sets the most likely value (Green 100%, Amber 75%, Red 50%)",
                        "comment": "The panel's comment on the scheme"}


class PanelSittingSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code", read_only=True)
    year = serializers.CharField(source="year.name", read_only=True)
    ratings = SchemeRatingSerializer(many=True, read_only=True, help_text="Each scheme's ratings at the sitting")

    class Meta:
        model = PanelSitting
        fields = ["id", "organisation", "year", "held_on", "panel", "notes", "ratings"]
        descriptions = {"held_on": "The date the panel sat", "panel": 'The panel, e.g. "RAG panel"',
                        "notes": "Notes of the sitting"}


def _rag(dimension: str) -> ChoiceInput:
    return ChoiceInput(choices=Rag.choices, help_text=f"{dimension}: green, amber or red")


class RatingInputSerializer(serializers.Serializer):
    """One scheme's five ratings at the sitting, with the scheme's rating token as the caller read it."""

    scheme = SchemeChoice(help_text="The id of the scheme rated (of the sitting's organisation and year)")
    rating_token = serializers.IntegerField(
        min_value=0, help_text="The scheme's `rating_token` as you read it (0 before any rating): if anyone rated it "
                               "since, nothing is saved (409)")
    value = _rag("Value of the scheme")
    resources = _rag("Resources required to deliver")
    timescales = _rag("Timescales / readiness of implementation")
    codependencies = _rag("Co-dependencies / multi-agency involvement")
    overall = _rag("Overall rating (sets the most likely value: Green 100%, Amber 75%, Red 50% by default)")
    comment = text_input("The panel's comment on the scheme", max_length=NOTE_LENGTH)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["comment"].required = False
        return fields


class PanelSittingRecordSerializer(OrganisationYearSerializer):
    """A dated sitting and its ratings (recording again for the same date and panel corrects them)."""

    held_on = serializers.DateField(help_text="The date the panel sat (not in the future)")
    panel = text_input('The panel, e.g. "RAG panel" or "Star Chamber"', max_length=100, allow_blank=False)
    notes = text_input("Notes of the sitting", max_length=NOTE_LENGTH)
    ratings = RatingInputSerializer(many=True, allow_empty=False, help_text="One entry per scheme rated")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["panel"].required = fields["notes"].required = False
        return fields

    def validate_ratings(self, ratings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        schemes = [rating["scheme"].pk for rating in ratings]
        if len(set(schemes)) != len(schemes):
            raise serializers.ValidationError("Rate each scheme once per sitting.")
        return ratings


class DirectorAssessmentSerializer(SchemeRecordSerializer):
    class Meta:
        model = DirectorAssessment
        fields = [*SCHEME_RECORD_FIELDS, "assessed_on", "change_months", "director", "note"]
        descriptions = {"assessed_on": "The date of the assessment",
                        "change_months": "Change in delivery in whole months: +N saves N more months this year, -N "
                                         "fewer",
                        "director": "The director", "note": "Why"}


class DirectorAssessmentRecordSerializer(serializers.Serializer):
    """A director's change in delivery for a scheme on a date (recording the same date again corrects it)."""

    scheme = SchemeChoice(help_text="The id of the scheme assessed")
    latest_assessment = serializers.IntegerField(
        min_value=0, help_text="The id of the scheme's newest assessment as you read it (0 for none): if another "
                               "was recorded since, nothing is saved (409)")
    assessed_on = serializers.DateField(help_text="The date of the assessment")
    change_months = serializers.IntegerField(
        min_value=-12, max_value=12, help_text="Change in delivery in whole months: +N saves N more months this year, "
                                               "-N fewer")
    director = text_input("The director", max_length=200)
    note = text_input("Why", max_length=NOTE_LENGTH)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["director"].required = fields["note"].required = False
        return fields


PANEL_ERRORS = {
    400: OpenApiResponse(description="Bad input: `errors` names each field; nothing saved"),
    403: OpenApiResponse(description="Your role cannot rate schemes or record directors' assessments"),
}


@extend_schema_view(
    list=extend_schema(description="RAG panel sittings of your organisations, each with its schemes' ratings."),
    retrieve=extend_schema(description="One dated sitting with its ratings."),
    create=extend_schema(
        description="Record a sitting's ratings of many schemes at once (panel members and administrators).",
        request=PanelSittingRecordSerializer, responses={
            201: PanelSittingSerializer, **PANEL_ERRORS,
            409: OpenApiResponse(description="Someone rated these schemes since you read them: `current` lists "
                                             "them as they are now, with their rating tokens")}),
)
class PanelSittingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PanelSittingSerializer
    filterset_class = PanelSittingFilterSet

    def get_queryset(self) -> QuerySet[PanelSitting]:
        return panel_sittings_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = PanelSittingRecordSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        rows = data["ratings"]
        ratings = [services.RatingInput(
            scheme=row["scheme"], value=row["value"], resources=row["resources"], timescales=row["timescales"],
            codependencies=row["codependencies"], overall=row["overall"], comment=row.get("comment", ""),
        ) for row in rows]
        tokens = {row["scheme"].pk: row["rating_token"] for row in rows}
        with conflict_answered(lambda: SchemeSerializer(scheme_rows(request.user).filter(pk__in=tokens),
                                                        many=True).data):
            sitting = services.panel_sitting_record(
                actor=acting_user(request), organisation=data["organisation"], year=data["year"],
                held_on=data["held_on"], ratings=ratings, panel=data.get("panel", "RAG panel"),
                notes=data.get("notes", ""), seen_tokens=tokens,
            )
        return Response(PanelSittingSerializer(self.get_queryset().get(pk=sitting.pk)).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(description="Directors' assessments of your organisations' schemes, newest date first."),
    retrieve=extend_schema(description="One director's assessment."),
    create=extend_schema(
        description="Record a director's change in delivery for a scheme (panel members and administrators).",
        request=DirectorAssessmentRecordSerializer, responses={
            201: DirectorAssessmentSerializer, **PANEL_ERRORS,
            409: OpenApiResponse(description="Another assessment was recorded since: `current` is the newest")}),
)
class DirectorAssessmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A director's change in delivery (+N months earlier, -N later); the newest is the one in force."""

    serializer_class = DirectorAssessmentSerializer
    filterset_class = DirectorAssessmentFilterSet

    def get_queryset(self) -> QuerySet[DirectorAssessment]:
        return director_assessments_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = DirectorAssessmentRecordSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        scheme = data.pop("scheme")
        latest = data.pop("latest_assessment")

        def newest() -> Any:
            found = self.get_queryset().filter(scheme=scheme).order_by("-created_at", "-id").first()
            return None if found is None else DirectorAssessmentSerializer(found).data

        with conflict_answered(newest):
            # 0 says "I saw none": any assessment recorded meanwhile is then a conflict too.
            assessment = services.director_assessment_record(actor=acting_user(request), scheme=scheme,
                                                             expected_latest_id=latest, **data)
        return Response(DirectorAssessmentSerializer(self.get_queryset().get(pk=assessment.pk)).data,
                        status=status.HTTP_201_CREATED)
