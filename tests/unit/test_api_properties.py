"""Property-based API test: schemathesis generates requests from our own OpenAPI schema (/api/schema/) and sends them
to the WSGI app with the demo data loaded, as a PMO editor's token and a finance user's; no answer may be a server
error, have a status the operation does not document, or break the schema (the body of every documented answer,
refusals' error body included, is checked against it).

Stateful where it helps: each operation's `{id}` is drawn from the ids the list endpoints answered with (most of the
time; otherwise schemathesis' own integers, so 404s are exercised too), so PATCH, POST and DELETE reach real records
and run through the services. Bounded: a few examples per operation, derandomised (the same run every time), no
example database, in one transaction on SQLite that is rolled back at the end.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from qipp_portal.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES = 5  # per operation and user: about 40 operations x 2 users, a minute or so on SQLite
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
RECORD_PATH = re.compile(r"^(/api/v1/[a-z-]+/)\{id\}/")


def operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def known_ids(schema: Any, headers: dict[str, str]) -> dict[str, list[int]]:
    """The first page of ids of each list endpoint, as the API answers them to this user."""
    client = Client()
    found: dict[str, list[int]] = {}
    for path in {match.group(1) for operation in operations(schema) if (match := RECORD_PATH.match(operation.path))}:
        body = client.get(path, HTTP_AUTHORIZATION=headers["Authorization"]).json()
        found[path] = [row["id"] for row in body["results"]]
    return found


@dataclass(frozen=True)
class Demo:
    """What a request may name so that it reaches the demo's records: as schemathesis drew it, or one of these."""

    ids: list[int]
    organisations: list[str]
    years: list[str]
    schemes: list[int]


def realistic(client: Client, headers: dict[str, str], case: Any, picks: dict[str, Any]) -> Any:
    """Point the drawn request at real records where `picks` says so: an id the list answered with, a month of the
    year, a demo organisation, year and scheme, and the record's version as it is now (read first: the stateful
    part, so that a write can succeed and go through its service's save)."""
    if picks["id"] is not None:
        case.path_parameters = {**(case.path_parameters or {}), "id": picks["id"]}
    if "month" in (case.path_parameters or {}) and picks["month"] is not None:
        case.path_parameters = {**case.path_parameters, "month": picks["month"]}
    if not isinstance(case.body, dict):
        return case
    body = dict(case.body)
    for name in ("organisation", "year", "scheme"):
        if name in body and picks[name] is not None:
            body[name] = picks[name]
    if "version" in body and picks["current_version"] and case.path_parameters.get("id") is not None:
        record_path = RECORD_PATH.match(case.operation.path)
        if record_path:
            read = client.get(f"{record_path.group(1)}{case.path_parameters['id']}/",
                              HTTP_AUTHORIZATION=headers["Authorization"])
            if read.status_code == 200:
                record = read.json()
                month = case.path_parameters.get("month")
                if month is None:
                    body["version"] = record["version"]
                else:
                    body["version"] = next((m["version"] for m in record.get("months", []) if m["month"] == month),
                                           0)
    case.body = body
    return case


def exercise(operation: Any, headers: dict[str, str], demo: Demo, answers: Counter[tuple[str, int]]) -> None:
    client = Client()

    def maybe(values: list[Any]) -> st.SearchStrategy[Any]:
        """Mostly one of `values`, sometimes whatever schemathesis drew (None)."""
        return st.one_of(st.none(), st.sampled_from(values), st.sampled_from(values)) if values else st.none()

    picks = st.fixed_dictionaries({
        "id": maybe(demo.ids), "month": maybe(list(range(1, 13))), "organisation": maybe(demo.organisations),
        "year": maybe(demo.years), "scheme": maybe(demo.schemes), "current_version": st.booleans(),
    })
    strategy = st.tuples(operation.as_strategy(), picks).map(lambda drawn: realistic(client, headers, *drawn))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        answers[(f"{operation.method.upper()} {operation.path}", response.status_code)] += 1

    run()


def test_no_request_the_schema_allows_gets_a_server_error_or_an_answer_that_breaks_it(demo: None) -> None:
    from django.contrib.auth.models import User

    from tests.factories import api_key

    answers: Counter[tuple[str, int]] = Counter()
    for username in ("pmo", "finance"):  # between them they may write every register
        headers = {"Authorization": f"Token {api_key(User.objects.get(username=username))}"}
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers=headers)
        ids = known_ids(schema, headers)
        assert ids["/api/v1/schemes/"] and ids["/api/v1/budget-lines/"]  # the demo data is there to be reached
        for operation in operations(schema):
            match = RECORD_PATH.match(operation.path)
            exercise(operation, headers, Demo(
                ids=ids.get(match.group(1), []) if match else [], organisations=["07N", "05N", "5P5", "06H"],
                years=["2013/14", "2012/13", "2018/19"], schemes=ids["/api/v1/schemes/"]), answers)
    exercised = {operation for operation, _ in answers}
    assert len(exercised) > 40 and "PATCH /api/v1/scheme-months/{id}/" in exercised
    # The writes reached their services and some saved (the rest were refused in words: 400, 403, 404, 409).
    saved = {operation for operation, status in answers if status in (200, 201) and not operation.startswith("GET")}
    assert len(saved) >= 4, sorted(answers.items())


def test_a_percent_sign_in_a_year_filter_is_a_bad_request_not_a_server_error() -> None:
    """Found by this test: django-filter formats a validator's message with %, so the typed year went in as a param."""
    from governance.models import Role
    from tests.factories import OrganisationFactory, member

    client = Client()
    client.force_login(member(OrganisationFactory(), Role.VIEWER))
    for endpoint in ("actions", "schemes", "risks", "budget-lines", "financial-risks", "activity"):
        response = client.get(f"/api/v1/{endpoint}/", {"year": "100%"})
        assert response.status_code == 400, endpoint
        assert response.json()["errors"]["year"] == ['"100%" is not a financial year: write it like 2013/14']
