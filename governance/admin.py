from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from governance.models import FinancialYear, Membership, MonthStatus, Organisation


class ScopedAdmin(admin.ModelAdmin):
    """Admin lists and edits only rows of the staff user's organisations (superusers see all)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model._default_manager.for_user(request.user)  # type: ignore[attr-defined]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.related_model
        if hasattr(related._default_manager, "for_user") and hasattr(related._default_manager.get_queryset(),
                                                                      "for_user"):
            kwargs["queryset"] = related._default_manager.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "ods_code", "kind", "green_factor", "amber_factor", "red_factor"]
    search_fields = ["name", "ods_code"]
    inlines = [MembershipInline]


@admin.register(FinancialYear)
class FinancialYearAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(MonthStatus)
class MonthStatusAdmin(ScopedAdmin):
    list_display = ["organisation", "year", "month", "is_closed", "changed_by", "changed_at"]
    list_filter = ["organisation", "year", "is_closed"]
