"""User accounts, groups and API tokens: they belong to no organisation, so they are for superusers only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models
from django.http import HttpRequest

from governance.admin.scoped import ScopedAdmin
from governance.models import ApiToken
from governance.services import api_token_revoke


# Accounts, groups and API tokens belong to no organisation: superusers only (they can see everyone).
def _superusers_only(model: type[models.Model], base: type[admin.ModelAdmin]) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin_class = type(f"Portal{base.__name__}", (ScopedAdmin, base), {
        "superuser_only": True, "__module__": __name__,
        "ordering": base.ordering or ScopedAdmin.ordering,  # Django's own order (users by username)
    })
    admin.site.register(model, admin_class)


_superusers_only(get_user_model(), UserAdmin)
_superusers_only(Group, GroupAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    """Who has a token, its first characters and when it was made; never a key (the portal has none) nor its hash.
    Tokens are made on the "Your API token" page or by `manage.py api_token`: no add or change form here. Deleting
    one is revoking it, through the service."""

    superuser_only = True
    list_display = ["user", "prefix", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "prefix"]
    fields = ["user", "prefix", "created_at"]
    readonly_fields = ["user", "prefix", "created_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through the service
        return actions

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        # The admin is superusers' only (superuser_only): they may revoke anyone's, as the portal itself may. The
        # audit log names them from the request.
        api_token_revoke(actor=None, user=obj.user)


# DRF's token admin is not shown: its tokens moved, hashed, to ApiToken (governance migration 0011).
try:
    from rest_framework.authtoken.models import TokenProxy
except ImportError:  # pragma: no cover - rest_framework.authtoken is installed
    pass
else:
    if admin.site.is_registered(TokenProxy):
        admin.site.unregister(TokenProxy)
