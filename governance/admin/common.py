"""What the admin's modules share: whose rows a staff user administers, and how a row names its organisation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from governance.models import FinancialYear, Organisation, Role
from governance.scoping import OrganisationScopedQuerySet
from governance.selectors import membership_candidates

ADMIN_ROLES = (Role.ADMINISTRATOR,)
# Who did something is recorded by the service that did it, never typed in.
ATTRIBUTION_FIELDS = ("created_by", "recorded_by", "changed_by", "updated_by", "cleared_by", "imported_by")
RAG_FACTORS = ("green_factor", "amber_factor", "red_factor")


def is_scoped(model: type[models.Model]) -> bool:
    """Whether rows of `model` belong to an organisation (its queryset has `for_user`)."""
    return isinstance(model._default_manager.get_queryset(), OrganisationScopedQuerySet)


def scope_path(model: type[models.Model]) -> str:
    return getattr(model, "organisation_scope", "organisation")


def organisation_id_of(obj: models.Model) -> int | None:
    """The organisation a row (or a historical version of it) belongs to, by its `organisation_scope`."""
    path = scope_path(type(obj))
    if not path:
        return obj.pk
    *hops, last = path.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)  # a missing related row raises AttributeError: None
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def administered_organisation_ids(request: HttpRequest) -> frozenset[int]:
    """Organisations where the signed-in user is an administrator (once per request)."""
    cached = getattr(request, "_qipp_administered", None)
    if cached is None:
        organisations = Organisation.objects.for_user(request.user, roles=ADMIN_ROLES)
        cached = frozenset(organisations.values_list("pk", flat=True))
        request._qipp_administered = cached  # type: ignore[attr-defined]  # a per-request cache
    return cached


def admin_choices(model: type[models.Model], request: HttpRequest) -> QuerySet[Any] | None:
    """What a select of `model` may offer the user (None: the default, everything)."""
    user = request.user
    if user.is_superuser:
        return None
    if is_scoped(model):
        # A scoped model's manager is an OrganisationScopedQuerySet's; mypy sees a model of any kind.
        return model._default_manager.for_user(user, roles=ADMIN_ROLES)  # type: ignore[attr-defined]
    if model is get_user_model():
        return membership_candidates(user)
    if model is FinancialYear:
        return None  # shared reference data: every organisation plans in the same years
    return model._default_manager.none()
