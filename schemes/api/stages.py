"""API for stage moves (gateway decisions) and key stages (milestones with baseline and current dates).

PMO editors add key stages (POST), change them (PATCH with the version read) and remove them (DELETE with
`?version=`), through the key stage pages' services; the removed stage stays in the change history.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.writes import (
    EditSerializer,
    ServiceWrites,
    conflict_answered,
    text_input,
    version_field,
    write_responses,
)
from governance.fields import NOTE_LENGTH
from governance.permissions import acting_user
from schemes import services
from schemes.api.common import SCHEME_RECORD_FIELDS, SchemeChoice, SchemeRecordSerializer
from schemes.filters import KeyStageFilterSet, StageChangeFilterSet
from schemes.models import KeyStage, StageChange
from schemes.selectors import key_stages_for, stage_changes_for


class StageChangeSerializer(SchemeRecordSerializer):
    class Meta:
        model = StageChange
        fields = [*SCHEME_RECORD_FIELDS, "from_stage", "to_stage", "decision", "approver", "decided_on", "note"]
        descriptions = {"from_stage": "The stage the scheme was at (0 Pipeline to 5 Closure)",
                        "to_stage": "The stage the move was to",
                        "decision": "The gateway's decision: approved (the scheme moved) or not approved (it stayed)",
                        "decided_on": "The date of the decision", "note": "A note on the decision"}


@extend_schema_view(
    list=extend_schema(description="Every gateway decision of your organisations' schemes, approved or not."),
    retrieve=extend_schema(description="One gateway decision: the stages, the decision, who approved it and when."),
)
class StageChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Every gateway decision, approved or not ("not approved" leaves the scheme where it was)."""

    serializer_class = StageChangeSerializer
    filterset_class = StageChangeFilterSet

    def get_queryset(self) -> QuerySet[StageChange]:
        return stage_changes_for(self.request.user)


class KeyStageSerializer(SchemeRecordSerializer):
    class Meta:
        model = KeyStage
        fields = [*SCHEME_RECORD_FIELDS, "order", "name", "baseline_date", "current_date", "completed_on", "note",
                  "version"]
        descriptions = {"order": "Its place in the scheme's plan", "name": "The stage or milestone",
                        "baseline_date": "The date first planned; null: none", "current_date": "The date now "
                        "expected (slippage is this against the baseline); null: none",
                        "completed_on": "When it was done; null: not yet", "note": "A note on the stage"}


class KeyStageEditSerializer(EditSerializer):
    """A key stage as its page edits it; slippage is the current date against the baseline."""

    name = text_input("The stage or milestone, e.g. Business case", max_length=200, allow_blank=False)
    order = serializers.IntegerField(min_value=0, max_value=32767,
                                     help_text="Its place in the scheme's plan; a new stage goes after the last")
    baseline_date = serializers.DateField(allow_null=True, help_text="The date first planned (the baseline)")
    current_date = serializers.DateField(allow_null=True, help_text="The date now expected; a new stage starts at "
                                                                    "its baseline")
    completed_on = serializers.DateField(allow_null=True, help_text="When it was done; null: not yet")
    note = text_input("A note on the stage", max_length=NOTE_LENGTH)

    class Meta(EditSerializer.Meta):
        required_to_create = ("scheme", "name")


class KeyStageCreateSerializer(KeyStageEditSerializer):
    """A new key stage of a scheme."""

    scheme = SchemeChoice(help_text="The id of the scheme (one of your organisations')")

    class Meta(KeyStageEditSerializer.Meta):
        creating = True


class VersionQuery(serializers.Serializer):
    version = version_field()


ROLE, WHAT = "edit schemes", "key stage"


@extend_schema_view(
    list=extend_schema(description="Key stages and milestones of your organisations' schemes, in plan order."),
    retrieve=extend_schema(description="One key stage with its baseline and current dates."),
    create=extend_schema(description="Add a key stage to a scheme's plan (PMO editors and administrators).",
                         request=KeyStageCreateSerializer,
                         responses=write_responses(KeyStageSerializer, role=ROLE, what=WHAT, created=True)),
    partial_update=extend_schema(
        description="Change a key stage (a new current date, say): send its `version` and the fields you change.",
        request=KeyStageEditSerializer, responses=write_responses(KeyStageSerializer, role=ROLE, what=WHAT)),
    destroy=extend_schema(
        description="Remove a key stage from the plan; its change history keeps it.",
        parameters=[OpenApiParameter("version", int, required=True,
                                     description="The stage's version as you read it (409 if saved since)")],
        responses={**write_responses(KeyStageSerializer, role=ROLE, what=WHAT), 200: None,
                   204: OpenApiResponse(description="Removed")}),
)
class KeyStageViewSet(ServiceWrites, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    serializer_class = KeyStageSerializer
    filterset_class = KeyStageFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]  # changed, never replaced

    def get_queryset(self) -> QuerySet[KeyStage]:
        return key_stages_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.created(request, KeyStageCreateSerializer, lambda values: services.key_stage_create(
            actor=acting_user(request), **values))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, KeyStageEditSerializer, lambda key_stage, version, changes: (
            services.key_stage_update(actor=acting_user(request), key_stage=key_stage, expected_version=version,
                                      changes=changes)))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key_stage = self.get_object()
        given = VersionQuery(data=request.query_params)
        given.is_valid(raise_exception=True)
        with conflict_answered(self.read_now):
            services.key_stage_remove(actor=acting_user(request), key_stage=key_stage,
                                      expected_version=given.validated_data["version"])
        return Response(status=status.HTTP_204_NO_CONTENT)
