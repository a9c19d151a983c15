"""API for the improvement plan, meetings and imports: thin, scoped through the selectors, filtered by the pages'
FilterSets (`organisation` ODS code, `year` like 2018/19).

Those who keep the improvement plan change an action (PATCH: its words, owner, RAG, status, note) and revise its due
date with a reason (POST .../due-date/), through the plan pages' services and with the version they read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance import services
from governance.api.writes import ChoiceInput, EditSerializer, ServiceWrites, text_input, version_field, write_responses
from governance.fields import NOTE_LENGTH
from governance.filters import ImportFilterSet, MeetingFilterSet, PlanActionFilterSet
from governance.formatting import format_person
from governance.models import (
    ActionRag,
    ActionStatus,
    Decision,
    ImportLink,
    ImportRecord,
    Meeting,
    PlanAction,
    RevisedDueDate,
)
from governance.permissions import acting_user
from governance.selectors import import_links, imports_for, meetings_for, plan_actions_for


class RevisedDueDateSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = RevisedDueDate
        fields = ["old_date", "new_date", "reason", "recorded_by", "recorded_at"]

    def get_recorded_by(self, revision: RevisedDueDate) -> str | None:
        user = revision.recorded_by
        return None if user is None else (user.get_full_name() or user.get_username())


class PlanActionSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="requirement.domain.organisation.ods_code")
    year = serializers.CharField(source="requirement.domain.year.name")
    domain = serializers.CharField(source="requirement.domain.name")
    requirement = serializers.IntegerField(source="requirement.number")
    reference = serializers.CharField()
    rag = serializers.CharField(source="get_rag_display")
    status = serializers.CharField(source="get_status_display")
    revised_due_dates = RevisedDueDateSerializer(many=True, read_only=True)

    class Meta:
        model = PlanAction
        fields = [
            "id", "organisation", "year", "domain", "requirement", "reference", "text", "due_date",
            "due_date_as_published", "owner", "rag", "status", "note", "revised_due_dates", "version",
        ]


class PlanActionEditSerializer(EditSerializer):
    """An action as its edit page changes it; the due date changes only by a revision with its reason."""

    text = text_input("What the action is", max_length=NOTE_LENGTH, allow_blank=False)
    owner = text_input("The governing-body owner", max_length=120)
    rag = ChoiceInput(choices=ActionRag.choices, allow_blank=True,
                      help_text='Progress: the code or the label the list shows ("on_track" or "On-Track"); "" for '
                                "none")
    status = ChoiceInput(choices=ActionStatus.choices, allow_blank=True,
                         help_text='Status: the code or the label ("open" or "Open"); "" for none')
    note = text_input("A note on progress", max_length=NOTE_LENGTH)


class DueDateRevisionSerializer(serializers.Serializer):
    """A new due date for an action and why: the old date, the new one, the reason, who and when are kept."""

    version = version_field()
    new_date = serializers.DateField(help_text="The new due date")
    reason = text_input("Why the date moves: kept in the action's history", max_length=NOTE_LENGTH,
                        allow_blank=False)


PLAN_WRITES = write_responses(PlanActionSerializer, role="keep the improvement plan", what="action")


@extend_schema_view(
    list=extend_schema(description="Improvement-plan actions of your organisations, with their revised due dates."),
    retrieve=extend_schema(description="One lettered action of the improvement plan."),
    partial_update=extend_schema(
        description="Change an action's words, owner, RAG, status or note: send its `version` and what you change.",
        request=PlanActionEditSerializer, responses=PLAN_WRITES),
    due_date=extend_schema(
        description="Move an action's due date, giving the reason (kept with the old and new dates).",
        request=DueDateRevisionSerializer, responses=PLAN_WRITES),
)
class PlanActionViewSet(ServiceWrites, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PlanActionSerializer
    filterset_class = PlanActionFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # POST only for a due date's revision

    def get_queryset(self) -> QuerySet[PlanAction]:
        return plan_actions_for(self.request.user)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, PlanActionEditSerializer, lambda plan_action, version, changes: (
            services.plan_action_update(actor=acting_user(request), action=plan_action, expected_version=version,
                                        changes=changes)))

    @action(detail=True, methods=["post"], url_path="due-date")
    def due_date(self, request: Request, pk: str | None = None) -> Response:
        return self.edited(request, DueDateRevisionSerializer, lambda plan_action, version, revision: (
            services.action_due_date_revise(actor=acting_user(request), action=plan_action, expected_version=version,
                                            **revision)))


class DecisionSerializer(serializers.ModelSerializer):
    action = serializers.SerializerMethodField()
    subject_type = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "text", "action", "subject_type", "subject_id", "subject_label", "recorded_at"]

    def get_action(self, decision: Decision) -> str | None:
        return None if decision.action is None else decision.action.reference

    def get_subject_type(self, decision: Decision) -> str | None:
        subject_type: Any = decision.subject_type
        return None if subject_type is None else f"{subject_type.app_label}.{subject_type.model}"


class MeetingSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    kind = serializers.CharField(source="get_kind_display")
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "organisation", "year", "kind", "held_on", "month_only", "title", "purpose", "decisions"]


class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet

    def get_queryset(self) -> QuerySet[Meeting]:
        return meetings_for(self.request.user).prefetch_related(
            "decisions__action__requirement", "decisions__subject_type"
        )


class ImportLinkSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField()

    class Meta:
        model = ImportLink
        fields = ["change", "subject_type", "subject_id", "label", "url"]

    def get_subject_type(self, link: ImportLink) -> str:
        subject_type: Any = link.subject_type
        return f"{subject_type.app_label}.{subject_type.model}"


class ImportRecordSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    imported_by = serializers.SerializerMethodField()
    links = ImportLinkSerializer(many=True, read_only=True)

    class Meta:
        model = ImportRecord
        fields = ["id", "organisation", "year", "kind", "file_name", "checksum", "sheet", "imported_by",
                  "imported_at", "rows_created", "rows_updated", "rows_unchanged", "warnings", "links"]

    def get_imported_by(self, record: ImportRecord) -> str:
        return format_person(record.imported_by, "the system")


class ImportRecordViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ImportRecordSerializer
    filterset_class = ImportFilterSet

    def get_queryset(self) -> QuerySet[ImportRecord]:
        return imports_for(self.request.user).prefetch_related(import_links())
