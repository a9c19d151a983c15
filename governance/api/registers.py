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
from governance.api.described import Described
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


class RevisedDueDateSerializer(Described, serializers.ModelSerializer):
    recorded_by = serializers.SerializerMethodField(help_text="Who recorded the new date; null for the system")

    class Meta:
        model = RevisedDueDate
        fields = ["old_date", "new_date", "reason", "recorded_by", "recorded_at"]
        descriptions = {"old_date": "The due date before; null if there was none", "new_date": "The new due date",
                        "reason": "Why the date moved", "recorded_at": "When the new date was recorded"}

    def get_recorded_by(self, revision: RevisedDueDate) -> str | None:
        user = revision.recorded_by
        return None if user is None else (user.get_full_name() or user.get_username())


class PlanActionSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="requirement.domain.organisation.ods_code")
    year = serializers.CharField(source="requirement.domain.year.name")
    domain = serializers.CharField(source="requirement.domain.name", help_text="The domain, e.g. Leadership")
    requirement = serializers.IntegerField(source="requirement.number", help_text="The numbered requirement")
    reference = serializers.CharField(help_text="The action's reference: requirement and letter, e.g. 2c")
    rag = serializers.CharField(source="get_rag_display",
                                help_text='Progress as the plan shows it: Complete, On-Track, Delayed, Reset Date, Not '
                                          'Started; "" for none')
    status = serializers.CharField(source="get_status_display",
                                   help_text='Open, Closed, Live or Not Started; "" for none')
    revised_due_dates = RevisedDueDateSerializer(many=True, read_only=True,
                                                 help_text="Every move of the due date, with its reason")

    class Meta:
        model = PlanAction
        fields = [
            "id", "organisation", "year", "domain", "requirement", "reference", "text", "due_date",
            "due_date_as_published", "owner", "rag", "status", "note", "revised_due_dates", "version",
        ]
        descriptions = {"text": "What the action is", "due_date": "When it is due now; null where none",
                        "due_date_as_published": 'The due date as the paper printed it (e.g. "End of Q3")',
                        "owner": "The governing-body owner", "note": "A note on progress"}


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
    def due_date(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        return self.edited(request, DueDateRevisionSerializer, lambda plan_action, version, revision: (
            services.action_due_date_revise(actor=acting_user(request), action=plan_action, expected_version=version,
                                            **revision)))


class DecisionSerializer(Described, serializers.ModelSerializer):
    action = serializers.SerializerMethodField(
        help_text="The reference of the improvement-plan action it is about (e.g. 2c); null otherwise")
    subject_type = serializers.SerializerMethodField(
        help_text='What else it is about, as app.model (e.g. "schemes.scheme"); null when about an action or nothing')

    class Meta:
        model = Decision
        fields = ["id", "text", "action", "subject_type", "subject_id", "subject_label", "recorded_at"]
        descriptions = {"text": "What was decided", "subject_id": "The id of the record it is about; null for none",
                        "subject_label": "The record it is about, as it was named then",
                        "recorded_at": "When the decision was recorded"}

    def get_action(self, decision: Decision) -> str | None:
        return None if decision.action is None else decision.action.reference

    def get_subject_type(self, decision: Decision) -> str | None:
        subject_type: Any = decision.subject_type
        return None if subject_type is None else f"{subject_type.app_label}.{subject_type.model}"


class MeetingSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    kind = serializers.CharField(source="get_kind_display",
                                 help_text="The kind of meeting, e.g. RAG panel, Star Chamber, Governing body")
    decisions = DecisionSerializer(many=True, read_only=True, help_text="What the meeting decided")

    class Meta:
        model = Meeting
        fields = ["id", "organisation", "year", "kind", "held_on", "month_only", "title", "purpose", "decisions"]
        descriptions = {"held_on": "The date held (the 1st when only the month is known)",
                        "month_only": "True when the calendar names only the month",
                        "title": "The meeting's title", "purpose": "What the meeting is for"}


@extend_schema_view(
    list=extend_schema(description="Meetings of your organisations (panels, Star Chambers, the governing body), "
                                   "each with its decisions."),
    retrieve=extend_schema(description="One dated meeting with its decisions."),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet

    def get_queryset(self) -> QuerySet[Meeting]:
        return meetings_for(self.request.user).prefetch_related(
            "decisions__action__requirement", "decisions__subject_type"
        )


class ImportLinkSerializer(Described, serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField(help_text='The kind of record as app.model, e.g. "schemes.scheme"')

    class Meta:
        model = ImportLink
        fields = ["change", "subject_type", "subject_id", "label", "url"]
        descriptions = {"change": "What the import did to the record: created, updated or unchanged",
                        "subject_id": "The record's id", "label": "The record as it was named then",
                        "url": 'The record\'s page in the portal; "" where it has none'}

    def get_subject_type(self, link: ImportLink) -> str:
        subject_type: Any = link.subject_type
        return f"{subject_type.app_label}.{subject_type.model}"


class ImportRecordSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name")
    imported_by = serializers.SerializerMethodField(help_text='Who imported it ("the system" for a command)')
    links = ImportLinkSerializer(many=True, read_only=True, help_text="Each record the import touched")

    class Meta:
        model = ImportRecord
        fields = ["id", "organisation", "year", "kind", "file_name", "checksum", "sheet", "imported_by",
                  "imported_at", "rows_created", "rows_updated", "rows_unchanged", "warnings", "links"]
        descriptions = {"kind": "What was imported: schemes (a workbook), risks or ledger actuals",
                        "file_name": "The file's name as uploaded", "checksum": "The file's SHA-256, in hex",
                        "sheet": 'The sheet read; "" for a CSV', "imported_at": "When it was imported",
                        "rows_created": "Records it created", "rows_updated": "Records it changed",
                        "rows_unchanged": "Records it found unchanged",
                        "warnings": "What the import noticed but did not refuse, in words"}

    def get_imported_by(self, record: ImportRecord) -> str:
        return format_person(record.imported_by, "the system")


@extend_schema_view(
    list=extend_schema(description="Every saved import of your organisations: who, when, the file and its "
                                   "SHA-256, counts, warnings and the records it touched."),
    retrieve=extend_schema(description="One saved import with the records it touched."),
)
class ImportRecordViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ImportRecordSerializer
    filterset_class = ImportFilterSet

    def get_queryset(self) -> QuerySet[ImportRecord]:
        return imports_for(self.request.user).prefetch_related(import_links())
