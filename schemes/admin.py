"""Schemes in the admin: read-only. Every write goes through the portal's pages and schemes.services
(versions, month close, recompute, history attribution); the admin is a scoped window on the data."""

from django.contrib import admin

from governance.admin import ReadOnlyInline, ScopedAdmin, ScopedHistoryAdmin
from schemes.models import (
    COMPUTED_FIELDS,
    DirectorAssessment,
    FigureOverride,
    KeyStage,
    PanelSitting,
    Programme,
    Scheme,
    SchemeMonth,
    SchemeRating,
    StageChange,
)


@admin.register(Programme)
class ProgrammeAdmin(ScopedHistoryAdmin):
    """Programmes are named here by their organisation's administrators (no portal page yet)."""

    list_display = ["name", "organisation", "clinical_lead", "managerial_lead"]
    list_filter = ["organisation"]
    search_fields = ["name"]


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
