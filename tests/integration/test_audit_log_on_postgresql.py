"""On PostgreSQL the database itself keeps the audit log append-only (governance migration 0010's trigger):
an UPDATE or DELETE from any client fails, the application's own writes still land, and TRUNCATE (how the
tests empty tables) still works."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from governance.models import AuditAction, AuditEvent
from tests.factories import OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_change_or_delete_an_audit_event() -> None:
    organisation = OrganisationFactory(amber_factor=Decimal("0.75"))
    organisation.amber_factor = Decimal("0.5")
    organisation.save()
    event = AuditEvent.objects.get(model="governance.organisation", action=AuditAction.UPDATE)
    assert event.before == {"amber_factor": "0.75"} and event.after == {"amber_factor": "0.5"}  # as the instance held
    for statement in ("UPDATE governance_auditevent SET object_repr = 'rewritten' WHERE id = %s",
                      "DELETE FROM governance_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).object_repr == event.object_repr


def test_deleting_users_and_organisations_leaves_the_log_and_truncate_still_empties_it() -> None:
    scheme = SchemeFactory()
    user = member(scheme.organisation, username="leaver")
    user.delete()  # cascades to the membership: each row's delete is an event, none touches an older event
    scheme.delete()
    OrganisationFactory(ods_code="GONE").delete()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, model="schemes.scheme").exists()
    assert AuditEvent.objects.filter(model="auth.user", object_repr="leaver", action=AuditAction.DELETE).exists()
    assert AuditEvent.objects.filter(model="governance.membership", action=AuditAction.DELETE).exists()
    assert AuditEvent.objects.filter(model="governance.organisation", action=AuditAction.DELETE).exists()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE governance_auditevent")
        assert not AuditEvent.objects.exists()
        transaction.set_rollback(True)
