"""Read API for the improvement plan, meetings and imports: thin, scoped through the selectors, filtered by the pages'
FilterSets (`organisation` ODS code, `year` like 2018/19)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from governance.filters import ImportFilterSet, MeetingFilterSet, PlanActionFilterSet
from governance.formatting import format_person
from governance.models import Decision, ImportLink, ImportRecord, Meeting, PlanAction, RevisedDueDate
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


class PlanActionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlanActionSerializer
    filterset_class = PlanActionFilterSet

    def get_queryset(self) -> QuerySet[PlanAction]:
        return plan_actions_for(self.request.user)


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
