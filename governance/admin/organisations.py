"""Organisations, financial years, memberships (roles given through governance.services) and month statuses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from governance.admin.common import RAG_FACTORS
from governance.admin.scoped import ReadOnlyInline, ScopedAdmin, ScopedHistoryAdmin
from governance.models import FinancialYear, Membership, MonthStatus, Organisation, Role
from governance.permissions import acting_user
from governance.services import membership_check, membership_remove, membership_set, organisation_rag_factors_set


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ("user", "role")
    readonly_fields = fields


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    """Administrators see their organisations; only superusers add, rename or change one.

    The RAG factors drive every most-likely figure of the organisation's schemes: a change of them is saved by
    `organisation_rag_factors_set`, which queues the recompute of the organisation's figures once it commits.
    """

    list_display = ["name", "ods_code", "kind", *RAG_FACTORS]
    search_fields = ["name", "ods_code"]
    ordering = ("name",)
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        if not change:  # a new organisation has no schemes to recompute
            super().save_model(request, obj, form, change)
            return
        factors = {name: getattr(obj, name) for name in RAG_FACTORS}
        saved = Organisation.objects.get(pk=obj.pk)
        for name in RAG_FACTORS:  # the other fields as the form saves them; the factors through their service
            setattr(obj, name, getattr(saved, name))
        super().save_model(request, obj, form, change)
        changed = organisation_rag_factors_set(actor=acting_user(request), organisation=obj, **factors)
        for name in RAG_FACTORS:
            setattr(obj, name, getattr(changed, name))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(FinancialYear)
class FinancialYearAdmin(ScopedAdmin):
    """Shared by every organisation: superusers only."""

    list_display = ["name", "starts_on", "ends_on"]
    superuser_only = True


class MembershipForm(forms.ModelForm):
    """Checks a role as governance.services.membership_set will, so the page shows why it is refused."""

    actor: Any = None

    class Meta:
        model = Membership
        fields = ["user", "organisation", "role"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        organisation = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        role = cleaned.get("role")
        if user is not None and organisation is not None and role:
            try:
                membership_check(actor=self.actor, user=user, organisation=organisation, role=role)
            except PermissionDenied as refusal:
                self.add_error(None, str(refusal))
            except ValidationError as error:
                by_field = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
                for field, messages in by_field.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    """Roles, given through governance.services (an administrator gives roles in their organisations only,
    to people who already belong to one of them; the last administrator of an organisation stays)."""

    form = MembershipForm
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organisation__name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "user"] if obj is not None and "user" not in fields else fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the service
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.role == Role.ADMINISTRATOR and not (
            Membership.objects.filter(organisation_id=obj.organisation_id, role=Role.ADMINISTRATOR)
            .exclude(pk=obj.pk).exists()
        ):
            return False  # the last administrator of an organisation stays
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = membership_set(actor=acting_user(request), user=obj.user, organisation=obj.organisation, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        membership_remove(actor=acting_user(request), membership=obj)


@admin.register(MonthStatus)
class MonthStatusAdmin(ScopedHistoryAdmin):
    """Months are closed and reopened (with a reason) on the portal's Months page: read-only here."""

    service_owned = True
    list_display = ["organisation", "year", "month", "is_closed", "changed_by", "changed_at"]
    list_filter = ["organisation", "year", "is_closed"]
