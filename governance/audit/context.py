"""Who is acting, from where and through what: the context every audit event is written in (the request,
a task, an import), set by AuditMiddleware, Celery's task signals and `audited_as`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from governance.models import AuditSource

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

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


def with_request(request: HttpRequest | None) -> contextlib.AbstractContextManager[Any]:
    if request is None or _context.get() is not None:
        return contextlib.nullcontext()
    return audit_context(request_context(request))


_task_tokens: dict[str, Any] = {}


def task_started(sender: Any = None, task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    name = getattr(task, "name", "") or ""
    _task_tokens[task_id or ""] = _context.set(AuditContext(source=AuditSource.JOB, path=name[:300]))


def task_ended(sender: Any = None, task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context: nothing of ours to undo
            _context.reset(token)
