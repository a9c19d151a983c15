"""One machine-readable error body for the whole API: {"code": ..., "detail": ..., "errors": {...}}.

`code` is stable for programs ("invalid", "conflict", "permission_denied", "not_found", ...); `detail` is
the message a person reads (the services' own words); `errors` maps fields to their messages where there
are any. A stale write is 409 Conflict with the record as it is now under "current", so the caller can
compare and retry. The setting REST_FRAMEWORK["EXCEPTION_HANDLER"] names `api_exception_handler`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from governance.services import EditConflict


class ApiConflict(Exception):
    """A stale write, carrying the current record as the API shows it (an endpoint raises it from EditConflict)."""

    def __init__(self, message: str, *, current: Any) -> None:
        super().__init__(message)
        self.current = current


def _messages(errors: Any) -> dict[str, list[str]]:
    if isinstance(errors, dict):
        return {str(key): [str(m) for m in (value if isinstance(value, list) else [value])]
                for key, value in errors.items()}
    if isinstance(errors, list):
        return {"non_field_errors": [str(m) for m in errors]}
    return {"non_field_errors": [str(errors)]}


def _joined(errors: dict[str, list[str]]) -> str:
    return " ".join(f"{message}" if field == "non_field_errors" else f"{field}: {message}"
                    for field, messages in errors.items() for message in messages)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApiConflict | EditConflict):
        body: dict[str, Any] = {"code": "conflict", "detail": str(exc)}
        if isinstance(exc, ApiConflict):
            body["current"] = exc.current
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        # A service refused the write (bad figure, closed month): its message, nothing saved.
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"code": "invalid", "detail": _joined(errors), "errors": errors},
                        status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        response.data = {"code": getattr(detail, "code", "error"), "detail": str(detail)}
    else:
        errors = _messages(data)
        response.data = {"code": "invalid", "detail": _joined(errors), "errors": errors}
    return response
