"""The OpenAPI schema at /api/schema/ describes everything: every property of every schema (request and response,
nested ones too), every operation and every parameter says what it is.

The schema is the one /api/schema/ serves (drf-spectacular's generator, built once for the module: no database)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    generated: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return generated


def properties(where: str, schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property below `schema`, named by its path, through nested objects, arrays and allOf/oneOf/anyOf."""
    for name, sub in (schema.get("properties") or {}).items():
        yield f"{where}.{name}", sub
        yield from properties(f"{where}.{name}", sub)
    if isinstance(schema.get("items"), dict):
        yield from properties(f"{where}[]", schema["items"])
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key) or []:
            yield from properties(where, sub)


def test_every_property_is_described(schema: dict[str, Any]) -> None:
    found = dict(pair for name, component in schema["components"]["schemas"].items()
                 for pair in properties(name, component))
    assert len(found) > 300  # the walk reaches the registers' fields, nested ones included
    assert "Scheme.plan_in_year" in found and "ReportLine.ytd_variance" in found
    missing = sorted(name for name, sub in found.items() if not str(sub.get("description", "")).strip())
    assert missing == []


def test_every_operation_and_parameter_is_described(schema: dict[str, Any]) -> None:
    operations = [(path, method, operation) for path, item in schema["paths"].items()
                  for method, operation in item.items()]
    assert len(operations) > 40
    assert [(path, method) for path, method, operation in operations
            if not str(operation.get("description", "")).strip()] == []
    assert [(path, method, parameter["name"]) for path, method, operation in operations
            for parameter in operation.get("parameters", []) if not str(parameter.get("description", "")).strip()
            ] == []


def test_every_write_documents_its_refusals(schema: dict[str, Any]) -> None:
    """A write says what it answers when refused: bad input (400), the role (403) and, on a record, 404 and 409."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method == "get":
                continue
            answers = set(operation["responses"])
            assert {"400", "403"} <= answers, (path, method)
            if "{id}" in path:
                assert {"404", "409"} <= answers, (path, method)


def test_every_operation_documents_the_refusals_the_framework_gives_with_the_error_body(schema: dict[str, Any]) -> None:
    """No or an unknown token: 403 everywhere; a record not in your organisations: 404; a list's bad filter or page:
    400 and 404. Every refusal has the one error body (qipp_portal/api_schema.py)."""
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "detail"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            answers = operation["responses"]
            assert "403" in answers, (path, method)
            if "{id}" in path or (method == "get" and "{" not in path):
                assert "404" in answers, (path, method)
            if method == "get" and "{" not in path:
                assert "400" in answers, (path, method)
            for status, answer in answers.items():
                if int(status) >= 400:
                    body = answer["content"]["application/json"]["schema"]
                    assert body == {"$ref": "#/components/schemas/Error"}, (path, method, status)
