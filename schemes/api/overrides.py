"""API for the figures a director overrides on a scheme: thin, scoped through the selectors.

Those who may override figures set one by hand with its reason (POST overrides) and clear it (POST
overrides/{id}/clear/), through the override pages' services, stating the scheme's `override_token` as they read it
(409 if anyone changed its overrides since).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.writes import (
    ChoiceInput,
    conflict_answered,
    money_input,
    text_input,
)
from governance.fields import NOTE_LENGTH
from governance.permissions import acting_user
from schemes import services
from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeChoice, SchemeRecordSerializer
from schemes.api.scheme import SchemeSerializer, scheme_rows
from schemes.filters import FigureOverrideFilterSet
from schemes.models import Figure, FigureOverride, Scheme
from schemes.selectors import overrides_for


class FigureOverrideSerializer(SchemeRecordSerializer):
    figure_name = serializers.CharField(source="get_figure_display", read_only=True,
                                        help_text="The figure as the pages name it")
    in_force = serializers.SerializerMethodField(help_text="True until the override is cleared")

    class Meta:
        model = FigureOverride
        fields = [*SCHEME_RECORD_FIELDS, "figure", "figure_name", "value", "reason", "in_force", "created_at",
                  "cleared_at", "clear_reason"]
        descriptions = {"figure": "The computed figure set by hand",
                        "value": "The value set, in pounds", "reason": "Why: shown wherever the figure appears",
                        "created_at": "When it was set", "cleared_at": "When it was cleared; null while in force",
                        "clear_reason": 'Why it was cleared; "" while in force'}

    def get_in_force(self, override: FigureOverride) -> bool:
        return override.cleared_at is None


OVERRIDE_TOKEN_HELP = ("The scheme's `override_token` as you read it (/api/v1/schemes/; 0 before any override): if "
                       "anyone set or cleared one of its overrides since, nothing is saved (409)")


class OverrideSetSerializer(serializers.Serializer):
    """A computed figure set by hand, with the reason shown wherever it appears."""

    scheme = SchemeChoice(help_text="The id of the scheme (one of your organisations')")
    override_token = serializers.IntegerField(min_value=0, help_text=OVERRIDE_TOKEN_HELP)
    figure = ChoiceInput(choices=Figure.choices, help_text='The figure: its code or the name the pages give it ("'
                                                           'plan_in_year" or "In-year plan")')
    value = money_input("The value to show, in pounds")
    reason = text_input("Why: shown wherever the figure appears, e.g. as published in the governing body paper",
                        max_length=NOTE_LENGTH, allow_blank=False)


class OverrideClearSerializer(serializers.Serializer):
    """The figure goes back to the formula's value; the override stays listed with the reason it was cleared."""

    override_token = serializers.IntegerField(min_value=0, help_text=OVERRIDE_TOKEN_HELP)
    reason = text_input("Why the override is cleared: kept in the history", max_length=NOTE_LENGTH,
                        allow_blank=False)


OVERRIDE_CONFLICT = OpenApiResponse(description="Someone set or cleared an override of the scheme since you read it: "
                                                "`current` is the scheme now, with its override token")
OVERRIDE_ERRORS = {
    400: OpenApiResponse(description="Bad input, or a value the service refuses: `errors` says why; nothing saved"),
    403: OpenApiResponse(description="Your role cannot override computed figures"),
}


@extend_schema_view(
    list=extend_schema(description="Figures set by hand with their reasons; cleared ones stay listed as history."),
    retrieve=extend_schema(description="One override of a computed figure, with its reason."),
    create=extend_schema(
        description="Set a computed figure by hand with the reason (replacing the figure's override in force, if "
                    "any), as the override page does; the scheme's figures are recomputed once it is saved.",
        request=OverrideSetSerializer, responses={201: FigureOverrideSerializer, **OVERRIDE_ERRORS,
                                                  409: OVERRIDE_CONFLICT}),
    clear=extend_schema(
        description="Clear an override in force, with the reason: the figure is the formula's again.",
        request=OverrideClearSerializer, responses={
            200: FigureOverrideSerializer, **OVERRIDE_ERRORS,
            404: OpenApiResponse(description="No such override in your organisations"), 409: OVERRIDE_CONFLICT}),
)
class FigureOverrideViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Figures set by hand with their reasons; cleared overrides stay listed (`active=false`) as their history."""

    serializer_class = FigureOverrideSerializer
    filterset_class = FigureOverrideFilterSet

    def get_queryset(self) -> QuerySet[FigureOverride]:
        return overrides_for(self.request.user)

    def _scheme_now(self, scheme: Scheme) -> Any:
        return SchemeSerializer(scheme_rows(self.request.user).get(pk=scheme.pk)).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = OverrideSetSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with conflict_answered(lambda: self._scheme_now(data["scheme"])):
            override = services.figure_override_set(
                actor=acting_user(request), scheme=data["scheme"], figure=data["figure"], value=data["value"],
                reason=data["reason"], expected_token=data["override_token"])
        return Response(self.get_serializer(self.get_queryset().get(pk=override.pk)).data,
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def clear(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        override = self.get_object()
        given = OverrideClearSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        if override.cleared_at is not None:
            raise serializers.ValidationError({"non_field_errors": ["This override was cleared already."]})
        with conflict_answered(lambda: self._scheme_now(override.scheme)):
            services.figure_override_clear(
                actor=acting_user(request), scheme=override.scheme, figure=override.figure,
                reason=given.validated_data["reason"], expected_token=given.validated_data["override_token"])
        return Response(self.get_serializer(self.get_queryset().get(pk=override.pk)).data)
