"""The signals that feed the log: every audited model's saves and deletes, sign-ins and sign-outs, and tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.signals import m2m_changed, post_init, post_save, pre_delete

from governance.models import AuditAction

if TYPE_CHECKING:
    from django.http import HttpRequest
from governance.audit.context import task_ended, task_started, with_request
from governance.audit.recording import (
    AUDITED_APPS,
    IGNORED_UPDATES,
    NOT_AUDITED,
    SNAPSHOT,
    as_json,
    field_values,
    record,
)


def _snapshot(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # A shallow copy of the whole __dict__ (C speed, references only): what the fields held as the row was read.
    instance.__dict__[SNAPSHOT] = instance.__dict__.copy()


def _saved(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False,
           update_fields: Any = None, **kwargs: Any) -> None:
    if raw:  # loading a fixture or a backup: not anyone's change
        return
    now = field_values(instance)
    if created:
        record(action=AuditAction.CREATE, instance=instance, after={k: as_json(v) for k, v in now.items()})
    elif update_fields is None or not set(update_fields) <= IGNORED_UPDATES:
        loaded = instance.__dict__.get(SNAPSHOT, {})
        saved = set(now) if update_fields is None else {
            getattr(sender._meta.get_field(name), "attname", name) for name in update_fields}
        names = [name for name in now if name in saved and (name not in loaded or loaded[name] != now[name])]
        if names:
            record(action=AuditAction.UPDATE, instance=instance,
                   before={name: as_json(loaded[name]) for name in names if name in loaded},
                   after={name: as_json(now[name]) for name in names})
    instance.__dict__[SNAPSHOT] = now


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Before the row goes (pre_delete), so a cascaded child still finds its parent's organisation."""
    record(action=AuditAction.DELETE, instance=instance,
           before={k: as_json(v) for k, v in field_values(instance).items()})


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
    task_prerun.connect(task_started, dispatch_uid="governance.audit.task_prerun")
    task_postrun.connect(task_ended, dispatch_uid="governance.audit.task_postrun")


def _session_event(action: str, request: HttpRequest | None, user: Any) -> None:
    if user is None:  # signing out a session that had no user
        return
    with with_request(request):
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
    with with_request(request):
        record(action=AuditAction.LOGIN_FAILED, model=get_user_model()._meta.label_lower,
               object_repr=typed[:300], actor_username=typed)
