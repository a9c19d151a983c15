"""The refusals every operation of the API can answer, documented in the OpenAPI schema with the one error body.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]), here beside the router for the
reason the pagination is: it names no app. Operations say their own refusals where they have more to say (the writes'
400, 403, 404 and 409: governance.api.writes.write_responses); this adds the ones the framework gives every endpoint
(no or an unknown token: 403; a bad filter or page on a list: 400 and 404; a record not in your organisations: 404),
and gives every refusal the error body's schema (governance/api/errors.py), so a program can rely on both and the
property test (tests/unit/test_api_properties.py) checks every answer's status and body against them.
"""

from __future__ import annotations

from typing import Any

ERROR = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The body of every refusal, the same on every endpoint",
    "properties": {
        "code": {"type": "string", "description": 'Stable, for programs: "invalid", "conflict", "permission_denied", '
                                                 '"not_authenticated", "authentication_failed", "not_found", ...'},
        "detail": {"type": "string", "description": "What went wrong, in words a person reads"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "Each field (or non_field_errors) with its messages, where the input was refused"},
        "current": {"description": "On 409 Conflict: the record (or records) as they are now, as the read API shows "
                                   "them"},
    },
    "required": ["code", "detail"],
}
SIGNED_OUT = "Not signed in: send your token (Authorization: Token <key>) or a session; an unknown token is refused"
BAD_FILTER = "A filter's value is not valid: `errors` names each filter and why"
NO_PAGE = "No such page: `page` is past the last"
NO_RECORD = "No such record in your organisations"


def document_refusals(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR] = ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            added = {"403": SIGNED_OUT}
            if "{" in path:
                added["404"] = NO_RECORD
            elif method == "get":
                added |= {"400": BAD_FILTER, "404": NO_PAGE}
            for status, description in added.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and "content" not in response:
                    response["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}}
    return result
