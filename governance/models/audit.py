"""The audit log (issue 12, docs/adr/0006-audit-log.md): one row for every create, update and delete, sign-in and
export, written by governance/audit.py only, and never changed or deleted by the application."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils import timezone

from governance.models.organisations import Organisation
from governance.scoping import OrganisationScopedQuerySet


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in refused"
    LOGOUT = "logout", "Signed out"
    EXPORT = "export", "Exported"
    JOB = "job", "Figures recomputed"


class AuditSource(models.TextChoices):
    WEB = "web", "Portal page"
    API = "api", "API"
    ADMIN = "admin", "Administration (admin site)"
    IMPORT = "import", "Import"
    JOB = "job", "Background job"
    COMMAND = "command", "Command or shell on the server"


class AuditLogImmutable(Exception):
    """The audit log is appended to, never changed or emptied through the application."""


class AuditEventQuerySet(OrganisationScopedQuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditLogImmutable("Audit events cannot be deleted.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise AuditLogImmutable("Audit events cannot be changed.")

    # The collector's fast path: refused too.
    def _raw_delete(self, using: Any) -> NoReturn:
        raise AuditLogImmutable("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what to which record, when, from where, and the values before and after.

    The actor and the organisation are ids without database constraints: deleting a user or an organisation
    must neither touch nor be blocked by its audit rows (the actor's username is kept as it was). `before` and
    `after` hold, for an update, only the fields that changed; a create has only `after`, a delete only `before`.
    Values are JSON: money and dates as their text; passwords and tokens are never stored.
    """

    occurred_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=12, choices=AuditAction.choices)
    source = models.CharField(max_length=8, choices=AuditSource.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    # The username when it happened; for a refused sign-in, what was typed (no account is looked up).
    actor_username = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.DO_NOTHING,
                                     db_constraint=False, related_name="+")
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField("request path or job", max_length=300, blank=True)
    model = models.CharField("record type", max_length=100, blank=True)  # app_label.model_name
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField("record", max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        indexes = [
            # The page: an organisation's events newest first, a page at a time (WHERE id < cursor).
            models.Index(fields=["organisation", "-id"], name="audit_by_organisation"),
            models.Index(fields=["organisation", "occurred_at"], name="audit_by_organisation_time"),
            models.Index(fields=["model", "object_id"], name="audit_by_record"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr or self.model} by {self.actor_username or 'nobody'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or self.pk is not None:
            raise AuditLogImmutable("Audit events cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("Audit events cannot be deleted.")

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field the event names: a create has no before, a delete no after."""
        before = self.before if isinstance(self.before, dict) else {}
        after = self.after if isinstance(self.after, dict) else {}
        return [(name, before.get(name), after.get(name)) for name in {**before, **after}]
