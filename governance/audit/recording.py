"""Writing one audit event, and what it records of a model instance (its values as JSON, its organisation)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from governance.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest
from governance.audit.context import AuditContext, current_context, with_request

AUDITED_APPS = ("governance", "schemes", "risks", "finance", "dashboards", "auth")

# Models of those apps whose writes are not audited, and why. Every other model of AUDITED_APPS is.
NOT_AUDITED: dict[str, str] = {
    "governance.auditevent": "the log itself",
    "governance.outboxmessage": "a task waiting for the broker: the save it follows is audited",
    "governance.jobrun": "the record of a background job, shown on the Background jobs page; what it changes is "
                         "audited with source job",
    "governance.importlink": "the records an import touched: each one's own event says so",
    "finance.variancereportline": "a month-end report's computed snapshot; the report itself is audited",
    "finance.variancereportsaving": "a month-end report's computed snapshot; the report itself is audited",
    "finance.variancereportscheme": "a month-end report's computed snapshot; the report itself is audited",
    "auth.permission": "written by migrations only",
}
# simple-history's copies (Historical*) are never audited: they repeat what the audited save did.

# Never stored, whatever the model: a password hash or a token (or its hash: ApiToken.key_hash) is the account itself.
SECRET_FIELDS = frozenset({"password", "key", "key_hash", "token", "secret"})
# A save of only these is not a change anyone made: sign-in stamps last_login (the sign-in event says so).
IGNORED_UPDATES = frozenset({"last_login"})

SNAPSHOT = "_audit_loaded"


def _actor(context: AuditContext) -> tuple[int | None, str]:
    actor = context.actor
    if actor is None and context.request is not None:
        actor = getattr(context.request, "user", None)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()[:150]


def as_json(value: Any) -> Any:
    """A field's value as JSON: money and dates as their text, so nothing is rounded or re-zoned."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal | datetime.date | datetime.time | datetime.timedelta | uuid.UUID):
        return value.isoformat() if isinstance(value, datetime.date | datetime.time) else str(value)
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    return str(value)


_fields_cache: dict[type, tuple[str, ...]] = {}


def _attnames(model: type[models.Model]) -> tuple[str, ...]:
    """The stored columns worth recording: not secrets, not file bytes."""
    names = _fields_cache.get(model)
    if names is None:
        names = tuple(field.attname for field in model._meta.concrete_fields
                      if field.name not in SECRET_FIELDS and not isinstance(field, models.BinaryField))
        _fields_cache[model] = names
    return names


def field_values(instance: models.Model) -> dict[str, Any]:
    loaded = instance.__dict__
    return {name: loaded[name] for name in _attnames(type(instance)) if name in loaded}


def organisation_id_of(instance: models.Model) -> int | None:
    """The organisation a record belongs to (its `organisation_scope`), or None (user accounts, years)."""
    from governance.models import Membership, Organisation

    if isinstance(instance, Organisation):
        return instance.pk
    if isinstance(instance, Membership):
        return instance.organisation_id
    path = getattr(type(instance), "organisation_scope", "organisation")
    *hops, last = path.split("__")
    value: Any = instance
    try:
        for part in hops:
            value = getattr(value, part, None)
            if value is None:
                return None
    except ObjectDoesNotExist:
        return None
    found = getattr(value, f"{last}_id", None)
    return found if isinstance(found, int) else None


def _repr(instance: models.Model) -> str:
    try:
        return str(instance)[:300]
    except ObjectDoesNotExist:  # a row whose parent went first in a cascade
        return f"{instance._meta.verbose_name} #{instance.pk}"


def record(*, action: str, instance: models.Model | None = None, organisation_id: int | None = None,
           model: str = "", object_id: str = "", object_repr: str = "", before: Any = None, after: Any = None,
           actor: Any = None, actor_username: str | None = None) -> AuditEvent:
    """Write one event in the caller's transaction, with the current context's who, where from and source."""
    context = current_context()
    actor_id, username = _actor(replace(context, actor=actor) if actor is not None else context)
    if actor_username is not None:
        username = actor_username[:150]
    if instance is not None:
        model = model or instance._meta.label_lower
        object_id = object_id or str(instance.pk or "")
        object_repr = object_repr or _repr(instance)
        if organisation_id is None:
            organisation_id = organisation_id_of(instance)
    return AuditEvent.objects.create(
        action=action, source=context.source, actor_id=actor_id, actor_username=username,
        organisation_id=organisation_id, remote_address=context.remote_address, path=context.path,
        model=model, object_id=object_id[:64], object_repr=object_repr[:300], before=before, after=after,
    )


def job_recorded(*, organisation_id: int | None, what: str, details: dict[str, Any]) -> AuditEvent:
    """One event for a set-based write that bypasses the model signals (the recompute's batch)."""
    return record(action=AuditAction.JOB, organisation_id=organisation_id, model="", object_repr=what,
                  after=as_json(details))


def export_recorded(request: HttpRequest, *, organisation_id: int | None, what: str,
                    details: dict[str, Any] | None = None) -> AuditEvent:
    """A download: which file, of which organisation, with which filters (the query string)."""
    with with_request(request):
        return record(action=AuditAction.EXPORT, organisation_id=organisation_id, object_repr=what,
                      after=as_json({"query": request.GET.urlencode()[:500], **(details or {})}))
