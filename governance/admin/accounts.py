"""User accounts, groups and API tokens: they belong to no organisation, so they are for superusers only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models

from governance.admin.scoped import ScopedAdmin


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
try:
    from rest_framework.authtoken.admin import TokenAdmin
    from rest_framework.authtoken.models import TokenProxy
except ImportError:  # pragma: no cover - rest_framework.authtoken is installed
    pass
else:
    _superusers_only(TokenProxy, TokenAdmin)
