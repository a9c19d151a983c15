from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from governance.admin import ScopedAdmin
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


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    pass


@admin.register(Programme)
class ProgrammeAdmin(ScopedHistoryAdmin):
    list_display = ["name", "organisation", "clinical_lead", "managerial_lead"]
    list_filter = ["organisation"]
    search_fields = ["name"]


class SchemeMonthInline(admin.TabularInline):
    model = SchemeMonth
    extra = 0
    readonly_fields = ["month", "plan"]
    fields = ["month", "plan", "actual", "forecast"]
    can_delete = False


class OverrideInline(admin.TabularInline):
    model = FigureOverride
    extra = 0
    fields = ["figure", "value", "reason", "created_by", "created_at", "cleared_at", "clear_reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Scheme)
class SchemeAdmin(ScopedHistoryAdmin):
    list_display = ["reference", "name", "organisation", "year", "programme", "phase", "stage", "overall_rag",
                    "plan_in_year", "most_likely", "director_value"]
    list_filter = ["organisation", "year", "phase", "stage", "overall_rag", "programme"]
    search_fields = ["reference", "name", "project_owner"]
    list_select_related = ["organisation", "year", "programme"]
    readonly_fields = [*COMPUTED_FIELDS, "version"]
    inlines = [SchemeMonthInline, OverrideInline]
    list_per_page = 50


@admin.register(PanelSitting)
class PanelSittingAdmin(ScopedAdmin):
    list_display = ["panel", "held_on", "organisation", "year"]
    list_filter = ["organisation", "panel"]


@admin.register(SchemeRating)
class SchemeRatingAdmin(ScopedHistoryAdmin):
    list_display = ["scheme", "sitting", "value", "resources", "timescales", "codependencies", "overall"]
    list_select_related = ["scheme", "sitting"]
    list_filter = ["overall", "sitting__organisation"]


@admin.register(DirectorAssessment)
class DirectorAssessmentAdmin(ScopedHistoryAdmin):
    list_display = ["scheme", "assessed_on", "change_months", "director"]
    list_select_related = ["scheme"]


@admin.register(FigureOverride)
class FigureOverrideAdmin(ScopedHistoryAdmin):
    list_display = ["scheme", "figure", "value", "reason", "created_at", "cleared_at"]
    list_select_related = ["scheme"]
    list_filter = ["figure", "scheme__organisation"]


@admin.register(StageChange)
class StageChangeAdmin(ScopedAdmin):
    list_display = ["scheme", "from_stage", "to_stage", "decision", "approver", "decided_on"]
    list_select_related = ["scheme"]


@admin.register(KeyStage)
class KeyStageAdmin(ScopedHistoryAdmin):
    list_display = ["scheme", "order", "name", "baseline_date", "current_date", "completed_on"]
    list_select_related = ["scheme"]
