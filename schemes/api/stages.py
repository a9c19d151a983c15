"""API for stage moves (gateway decisions) and key stages (milestones with baseline and current dates).

Those who record gateway approvals move a scheme between stages (POST stage-moves, with the scheme's version as
they read it), through the stage page's service: one stage forward with the gateway's approvals confirmed, back
with a reason, or a refusal recorded with its reason (the scheme stays). PMO editors add key stages (POST), change
them (PATCH with the version read) and remove them (DELETE with `?version=`), through the key stage pages'
services; the removed stage stays in the change history.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.writes import (
    ChoiceInput,
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
from schemes.api.scheme import SchemeSerializer, scheme_rows
from schemes.filters import KeyStageFilterSet, StageChangeFilterSet
from schemes.models import STAGE_GATEWAYS, GatewayDecision, KeyStage, Stage, StageChange
from schemes.selectors import key_stages_for, stage_changes_for


class StageChangeSerializer(SchemeRecordSerializer):
    class Meta:
        model = StageChange
        fields = [*SCHEME_RECORD_FIELDS, "from_stage", "to_stage", "decision", "approver", "decided_on", "note"]
        descriptions = {"from_stage": "The stage the scheme was at (0 Pipeline to 5 Closure)",
                        "to_stage": "The stage the move was to",
                        "decision": "The gateway's decision: approved (the scheme moved) or not approved (it stayed)",
                        "decided_on": "The date of the decision", "note": "A note on the decision"}


GATEWAY_KEYS = {key: label for approvals in STAGE_GATEWAYS.values() for key, label in approvals}


class StageMoveSerializer(serializers.Serializer):
    """A gateway decision on a scheme, as the stage page records it."""

    scheme = SchemeChoice(help_text="The id of the scheme (one of your organisations')")
    version = version_field("The scheme's version as you read it (/api/v1/schemes/): if someone changed the scheme "
                            "since, nothing is saved and the answer is 409 with the scheme as it is now under "
                            "`current`")
    to_stage = ChoiceInput(choices=Stage.choices,
                           help_text="The stage to move to: forward one stage at a time, back any number (0 Pipeline, "
                                     "1 Initiation, 2 Planning, 3 Delivery, 4 Monitoring, 5 Closure)")
    decision = ChoiceInput(choices=GatewayDecision.choices,
                           help_text='The gateway\'s decision: "approved" moves the scheme; "not_approved" is recorded '
                                     "with its reason in `note` and the scheme stays where it is")
    approver = text_input("Who made the gateway decision (a person or group)", max_length=200, allow_blank=False)
    decided_on = serializers.DateField(help_text="The date of the decision (not in the future)")
    note = text_input("A note; required as the reason when moving back or not approved: kept in the history",
                      max_length=NOTE_LENGTH)
    confirmed = serializers.ListField(
        child=serializers.ChoiceField(choices=list(GATEWAY_KEYS.items())), required=False,
        help_text="Moving forward: the approvals of the current stage's gateway recorded, every one of them ("
                  + "; ".join(f"stage {stage}: {', '.join(key for key, _ in approvals)}"
                              for stage, approvals in STAGE_GATEWAYS.items()) + ")")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["note"].required = False
        return fields


@extend_schema_view(
    list=extend_schema(description="Every gateway decision of your organisations' schemes, approved or not."),
    retrieve=extend_schema(description="One gateway decision: the stages, the decision, who approved it and when."),
    create=extend_schema(
        description="Record a gateway decision on a scheme, as its stage page does: send the scheme's `version`.",
        request=StageMoveSerializer, responses={
            201: StageChangeSerializer,
            400: OpenApiResponse(description="Bad input, or a move the gateway rules refuse (a stage skipped, an "
                                             "approval not confirmed, no reason): `errors` says why; nothing saved"),
            403: OpenApiResponse(description="Your role cannot record gateway approvals"),
            409: OpenApiResponse(description="The scheme was changed since you read it: `current` is the scheme now, "
                                             "with its stage and version")}),
)
class StageChangeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Every gateway decision, approved or not ("not approved" leaves the scheme where it was)."""

    serializer_class = StageChangeSerializer
    filterset_class = StageChangeFilterSet

    def get_queryset(self) -> QuerySet[StageChange]:
        return stage_changes_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = StageMoveSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        scheme = data.pop("scheme")
        with conflict_answered(lambda: SchemeSerializer(scheme_rows(request.user).get(pk=scheme.pk)).data):
            change = services.scheme_stage_change(actor=acting_user(request), scheme=scheme,
                                                  expected_version=data.pop("version"), **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=change.pk)).data,
                        status=status.HTTP_201_CREATED)


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
