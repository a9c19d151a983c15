"""The audit log's one writer (docs/adr/0006-audit-log.md): every create, update and delete of the project's
records and of user accounts, sign-ins, refused sign-ins, sign-outs, exports and the recompute's batches.

Changes are caught by model signals, so no service, admin page, import or job can write around the log: any
`save()` or `delete()` of an audited model records an event in the same transaction (rolled back with it).
Writes that bypass signals on purpose say so here: the recompute's set-based UPDATE ... FROM records one
summary event a batch (`job_recorded`); the other bulk writes are of models in NOT_AUDITED.

Who, from where and how ("source") come from the context the request, task or import sets (`audit_context`):
AuditMiddleware for pages, the API and the admin; Celery's task signals for background jobs; `audited_as`
around an import. Outside all of those (a management command, the shell) the source is "command".

The values before a change are the ones the instance was loaded with (a snapshot taken as it is read, no
query), so an update costs one INSERT and records only the fields that changed.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import logging
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_init, post_save, pre_delete

from governance.models import AuditAction, AuditEvent, AuditSource

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

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

# Never stored, whatever the model: a password hash or a token is the account itself.
SECRET_FIELDS = frozenset({"password", "key", "token", "secret"})
# A save of only these is not a change anyone made: sign-in stamps last_login (the sign-in event says so).
IGNORED_UPDATES = frozenset({"last_login"})

SNAPSHOT = "_audit_loaded"


@dataclass(frozen=True)
class AuditContext:
    """Who is acting and through what. `request` gives the signed-in user when an event is written (the API
    authenticates its token inside the view, after the middleware has run)."""

    source: str
    request: HttpRequest | None = None
    actor: Any = None
    remote_address: str | None = None
    path: str = ""


_context: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current_context() -> AuditContext:
    return _context.get() or AuditContext(source=AuditSource.COMMAND)


@contextlib.contextmanager
def audit_context(context: AuditContext) -> Iterator[AuditContext]:
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


@contextlib.contextmanager
def audited_as(source: str, *, actor: Any = None, path: str | None = None) -> Iterator[AuditContext]:
    """Within the block, events have this source (an import, a job) and, if given, actor; where from stays."""
    outer = current_context()
    context = replace(outer, source=source, actor=actor if actor is not None else outer.actor,
                      path=outer.path if path is None else path[:300])
    with audit_context(context) as entered:
        yield entered


def request_source(path: str) -> str:
    if path.startswith("/admin/"):
        return AuditSource.ADMIN
    if path.startswith("/api/"):
        return AuditSource.API
    return AuditSource.WEB


def request_context(request: HttpRequest) -> AuditContext:
    return AuditContext(source=request_source(request.path), request=request,
                        remote_address=request.META.get("REMOTE_ADDR") or None, path=request.path[:300])


class AuditMiddleware:
    """Every write a request makes is recorded as that request's: its user, address, path and source."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(request_context(request)):
            return self.get_response(request)


def _actor(context: AuditContext) -> tuple[int | None, str]:
    actor = context.actor
    if actor is None and context.request is not None:
        actor = getattr(context.request, "user", None)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()[:150]


def _json(value: Any) -> Any:
    """A field's value as JSON: money and dates as their text, so nothing is rounded or re-zoned."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal | datetime.date | datetime.time | datetime.timedelta | uuid.UUID):
        return value.isoformat() if isinstance(value, datetime.date | datetime.time) else str(value)
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
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


def _values(instance: models.Model) -> dict[str, Any]:
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


# --- model signals ----------------------------------------------------------------------------------------

def _snapshot(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # A shallow copy of the whole __dict__ (C speed, references only): what the fields held as the row was read.
    instance.__dict__[SNAPSHOT] = instance.__dict__.copy()


def _saved(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False,
           update_fields: Any = None, **kwargs: Any) -> None:
    if raw:  # loading a fixture or a backup: not anyone's change
        return
    now = _values(instance)
    if created:
        record(action=AuditAction.CREATE, instance=instance, after={k: _json(v) for k, v in now.items()})
    elif update_fields is None or not set(update_fields) <= IGNORED_UPDATES:
        loaded = instance.__dict__.get(SNAPSHOT, {})
        saved = set(now) if update_fields is None else {
            getattr(sender._meta.get_field(name), "attname", name) for name in update_fields}
        names = [name for name in now if name in saved and (name not in loaded or loaded[name] != now[name])]
        if names:
            record(action=AuditAction.UPDATE, instance=instance,
                   before={name: _json(loaded[name]) for name in names if name in loaded},
                   after={name: _json(now[name]) for name in names})
    instance.__dict__[SNAPSHOT] = now


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Before the row goes (pre_delete), so a cascaded child still finds its parent's organisation."""
    record(action=AuditAction.DELETE, instance=instance, before={k: _json(v) for k, v in _values(instance).items()})


def _m2m(sender: type[models.Model], instance: models.Model, action: str, reverse: bool, model: type[models.Model],
         pk_set: set[Any] | None, **kwargs: Any) -> None:
    """A user's groups and permissions, a group's permissions: what was added, removed or cleared."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    relation = sender._meta.model_name
    change = {"relation": relation, action.removeprefix("post_"): sorted(str(pk) for pk in pk_set or [])}
    record(action=AuditAction.UPDATE, instance=instance, after=change)


def audited_models() -> list[type[models.Model]]:
    """Every model whose writes are recorded: the project's apps and auth's accounts, less NOT_AUDITED."""
    found = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in AUDITED_APPS or label in NOT_AUDITED:
            continue
        if model._meta.proxy or not model._meta.managed or model.__name__.startswith("Historical"):
            continue
        found.append(model)
    return found


def record_types() -> dict[str, str]:
    """Each audited model's label ("schemes.scheme") and its name for people ("Scheme")."""
    return {model._meta.label_lower: str(model._meta.verbose_name).capitalize() for model in audited_models()}


def connect() -> None:
    """Called once from GovernanceConfig.ready, when every app's models are loaded."""
    for model in audited_models():
        uid = f"governance.audit.{model._meta.label_lower}"
        post_init.connect(_snapshot, sender=model, dispatch_uid=f"{uid}.init")
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}.save")
        pre_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}.delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(_m2m, sender=field.remote_field.through, dispatch_uid=f"{uid}.{field.name}")
    from celery.signals import task_postrun, task_prerun
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(_signed_in, dispatch_uid="governance.audit.login")
    user_logged_out.connect(_signed_out, dispatch_uid="governance.audit.logout")
    user_login_failed.connect(_sign_in_refused, dispatch_uid="governance.audit.login_failed")
    task_prerun.connect(_task_started, dispatch_uid="governance.audit.task_prerun")
    task_postrun.connect(_task_ended, dispatch_uid="governance.audit.task_postrun")


# --- sign-ins, jobs, exports ------------------------------------------------------------------------------

def _with_request(request: HttpRequest | None) -> contextlib.AbstractContextManager[Any]:
    if request is None or _context.get() is not None:
        return contextlib.nullcontext()
    return audit_context(request_context(request))


def _session_event(action: str, request: HttpRequest | None, user: Any) -> None:
    if user is None:  # signing out a session that had no user
        return
    with _with_request(request):
        record(action=action, model=get_user_model()._meta.label_lower, object_id=str(user.pk),
               object_repr=user.get_username(), actor=user)


def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _session_event(AuditAction.LOGIN, request, user)


def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _session_event(AuditAction.LOGOUT, request, user)


def _sign_in_refused(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                     **kwargs: Any) -> None:
    """Only what was typed as the username: no account is looked up, so the log says nothing of whether one
    exists (and the password typed, which Django has already masked, is not kept)."""
    typed = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    with _with_request(request):
        record(action=AuditAction.LOGIN_FAILED, model=get_user_model()._meta.label_lower,
               object_repr=typed[:300], actor_username=typed)


_task_tokens: dict[str, Any] = {}


def _task_started(sender: Any = None, task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    name = getattr(task, "name", "") or ""
    _task_tokens[task_id or ""] = _context.set(AuditContext(source=AuditSource.JOB, path=name[:300]))


def _task_ended(sender: Any = None, task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context: nothing of ours to undo
            _context.reset(token)


def job_recorded(*, organisation_id: int | None, what: str, details: dict[str, Any]) -> AuditEvent:
    """One event for a set-based write that bypasses the model signals (the recompute's batch)."""
    return record(action=AuditAction.JOB, organisation_id=organisation_id, model="", object_repr=what,
                  after=_json(details))


def export_recorded(request: HttpRequest, *, organisation_id: int | None, what: str,
                    details: dict[str, Any] | None = None) -> AuditEvent:
    """A download: which file, of which organisation, with which filters (the query string)."""
    with _with_request(request):
        return record(action=AuditAction.EXPORT, organisation_id=organisation_id, object_repr=what,
                      after=_json({"query": request.GET.urlencode()[:500], **(details or {})}))
