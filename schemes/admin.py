"""Schemes in the admin: read-only. Every write goes through the portal's pages and schemes.services
(versions, month close, recompute, history attribution); the admin is a scoped window on the data.
Programmes and their targets, which have no portal page yet, are kept here through their services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from governance.admin import ReadOnlyInline, ScopedAdmin, ScopedHistoryAdmin
from governance.permissions import acting_user
from schemes.models import (
    COMPUTED_FIELDS,
    DirectorAssessment,
    FigureOverride,
    KeyStage,
    PanelSitting,
    Programme,
    ProgrammeTarget,
    Scheme,
    SchemeMonth,
    SchemeRating,
    StageChange,
)
from schemes.services import programme_remove, programme_save, programme_target_remove, programme_target_set


@admin.register(Programme)
class ProgrammeAdmin(ScopedHistoryAdmin):
    """Programmes are named here by their organisation's administrators (no portal page yet), through
    schemes.services (the role check, lengths, one name an organisation; a programme with schemes is kept)."""

    list_display = ["name", "organisation", "clinical_lead", "managerial_lead"]
    list_filter = ["organisation"]
    search_fields = ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # Its schemes, targets and risks are its organisation's: a programme never moves to another.
        return [*fields, "organisation"] if obj is not None and "organisation" not in fields else fields

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the service
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        programme_save(actor=acting_user(request), programme=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        programme_remove(actor=acting_user(request), programme=obj)


@admin.register(ProgrammeTarget)
class ProgrammeTargetAdmin(ScopedAdmin):
    """A programme's planned saving for a year, set by its organisation's administrators through
    schemes.services (the role check, the money and length checks)."""

    list_display = ["programme", "year", "planned_saving", "source"]
    list_filter = ["programme__organisation", "year"]
    search_fields = ["programme__name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # The service keys a target by programme and year: changing either would make another target.
        return [*fields, *(name for name in ("programme", "year") if name not in fields)] if obj is not None \
            else fields

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the service
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = programme_target_set(actor=acting_user(request), programme=obj.programme, year=obj.year,
                                     planned_saving=obj.planned_saving, source=obj.source)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        programme_target_remove(actor=acting_user(request), target=obj)


class SchemeMonthInline(ReadOnlyInline):
    model = SchemeMonth
    fields = ("month", "plan", "actual", "forecast", "updated_by")
    readonly_fields = fields


class OverrideInline(ReadOnlyInline):
    model = FigureOverride
    fields = ("figure", "value", "reason", "created_by", "created_at", "cleared_at", "clear_reason")
    readonly_fields = fields


@admin.register(Scheme)
class SchemeAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["reference", "name", "organisation", "year", "programme", "phase", "stage", "overall_rag",
                    "plan_in_year", "most_likely", "director_value"]
    list_filter = ["organisation", "year", "phase", "stage", "overall_rag", "programme"]
    # The unique index (organisation, year, reference) gives this order without a sort, and it is total (no
    # pk added); searches: references by their start, names and owners by any part (trigram-indexed on PostgreSQL).
    ordering = ("organisation_id", "year_id", "reference")
    search_fields = ["^reference", "name", "project_owner"]
    list_select_related = ["organisation", "year", "programme"]
    readonly_fields = [*COMPUTED_FIELDS, "version"]
    inlines = [SchemeMonthInline, OverrideInline]
    list_per_page = 50


@admin.register(PanelSitting)
class PanelSittingAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["panel", "held_on", "organisation", "year"]
    list_filter = ["organisation", "panel"]


@admin.register(SchemeRating)
class SchemeRatingAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["scheme", "sitting", "value", "resources", "timescales", "codependencies", "overall"]
    list_select_related = ["scheme", "sitting"]
    list_filter = ["overall", "sitting__organisation"]


@admin.register(DirectorAssessment)
class DirectorAssessmentAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["scheme", "assessed_on", "change_months", "director"]
    list_select_related = ["scheme"]


@admin.register(FigureOverride)
class FigureOverrideAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["scheme", "figure", "value", "reason", "created_at", "cleared_at"]
    list_select_related = ["scheme"]
    list_filter = ["figure", "scheme__organisation"]


@admin.register(StageChange)
class StageChangeAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["scheme", "from_stage", "to_stage", "decision", "approver", "decided_on"]
    list_select_related = ["scheme"]


@admin.register(KeyStage)
class KeyStageAdmin(ScopedHistoryAdmin):
    service_owned = True
    list_display = ["scheme", "order", "name", "baseline_date", "current_date", "completed_on"]
    list_select_related = ["scheme"]
