"""The administrators' Audit log page and its CSV: every recorded change, sign-in and export of the working
organisation (docs/adr/0006-audit-log.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from governance.audit import export_recorded, record_types
from governance.exports import csv_lines
from governance.filters import AuditEventFilterSet
from governance.forms import form_errors
from governance.middleware import working_of
from governance.models import AuditEvent, Organisation
from governance.permissions import Action, require
from governance.selectors import audit_events

EVENTS_A_PAGE = 50
CSV_HEADER = ["When (UTC)", "What happened", "Through", "Who", "Address", "Page or job", "Kind of record",
              "Record id", "Record", "Before", "After"]


def _filtered(request: HttpRequest, organisation: Organisation) -> tuple[AuditEventFilterSet, QuerySet[AuditEvent]]:
    require(request.user, Action.READ_AUDIT_LOG, organisation)
    events = audit_events(request.user, organisation)
    filterset = AuditEventFilterSet(request.GET or None, queryset=events, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    return filterset, filterset.qs if valid else events.none()


def _cursor(request: HttpRequest) -> int | None:
    """The id the page starts below (the "Older" link's), or None for the newest; anything else is ignored."""
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@require_safe
@login_required
def audit_log_page(request: HttpRequest) -> HttpResponse:
    """Administrators only (403 for every other role). A page is one index read below a cursor, newest first,
    with no COUNT: the same queries whether the log holds ten events or ten million."""
    organisation = working_of(request).organisation
    if organisation is None:
        return render(request, "includes/no_context_page.html")
    filterset, events = _filtered(request, organisation)
    before = _cursor(request)
    if before is not None:
        events = events.filter(pk__lt=before)
    found = list(events[:EVENTS_A_PAGE + 1])
    types = record_types()
    rows = [{"event": event, "kind": types.get(event.model, event.model), "changes": event.changes()}
            for event in found[:EVENTS_A_PAGE]]
    return render(request, "governance/audit_log.html", {
        "filterset": filterset, "rows": rows, "older": found[EVENTS_A_PAGE - 1].pk if len(found) > EVENTS_A_PAGE
        else None, "paged": before is not None,
        "errors": form_errors(filterset.form) if filterset.is_bound else [],
        "csv_query": request.GET.urlencode(),
    })


def _text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    types = record_types()
    yield CSV_HEADER
    for event in events.iterator(chunk_size=2000):
        yield [event.occurred_at.astimezone(UTC).isoformat(timespec="seconds"), event.get_action_display(),
               event.get_source_display(), event.actor_username, event.remote_address or "", event.path,
               types.get(event.model, event.model), event.object_id, event.object_repr, _text(event.before),
               _text(event.after)]


@require_safe
@login_required
def audit_log_csv(request: HttpRequest) -> HttpResponseBase:
    """The filtered log as CSV, through the one formula-safe writer; the download is itself an audit event."""
    organisation = working_of(request).organisation
    if organisation is None:
        return render(request, "includes/no_context_page.html")
    _, events = _filtered(request, organisation)
    name = f"qipp-audit-log-{organisation.ods_code}-{timezone.localdate():%Y-%m-%d}.csv"
    export_recorded(request, organisation_id=organisation.pk, what=name)
    response = StreamingHttpResponse(csv_lines(_csv_rows(events)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
