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

from governance.audit.context import (
    AuditContext,
    AuditMiddleware,
    audit_context,
    audited_as,
    current_context,
    request_context,
    request_source,
)
from governance.audit.recording import (
    AUDITED_APPS,
    IGNORED_UPDATES,
    NOT_AUDITED,
    SECRET_FIELDS,
    export_recorded,
    job_recorded,
    organisation_id_of,
    record,
)
from governance.audit.signals import audited_models, connect, record_types

__all__ = [
    "AUDITED_APPS", "IGNORED_UPDATES", "NOT_AUDITED", "SECRET_FIELDS", "AuditContext", "AuditMiddleware",
    "audit_context", "audited_as", "audited_models", "connect", "current_context", "export_recorded", "job_recorded",
    "organisation_id_of", "record", "record_types", "request_context", "request_source",
]
