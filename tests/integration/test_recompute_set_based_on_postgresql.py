"""The set-based recompute's PostgreSQL paths: a few rows as arrays in one UPDATE ... FROM unnest(...), more by COPY
into a temporary table then UPDATE ... FROM (each test below runs both ways); the advisory lock.

The unit tests' checks (tests/recompute_oracle.py) run here on PostgreSQL: the engine's figures to the penny over
the demo data and a random portfolio, and a recompute that changes nothing writes nothing (no UPDATE, INSERT or
temporary table for a COPY reaches the server, and no row gets a new version: xmin unchanged). COPY's text
format gets values with quotes, backslashes, tabs, newlines and carriage returns, in text and in JSON, and
keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection

from schemes.recompute import portfolio_recompute, writing
from schemes.recompute.writing import copy_into_temporary
from tests.recompute_oracle import check_demo_data, check_no_change_writes_nothing, check_random_portfolio

pytestmark = pytest.mark.django_db

AWKWARD = ["plain", 'a "quoted" word', "it's", "back\\slash", "\\N", "tab\there", "new\nline", "carriage\rreturn",
           "both\r\nends", "\\t not a tab", "£ – ünïcode", "", "semi;colon,comma|pipe", "{\"json\": [1]}"]


@pytest.fixture(params=["arrays", "copy"])
def write_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Both ways of writing, each on every check: the test data is small, so "copy" lowers the array limit to 0.
    Yields the temporary tables created, to show which way was taken."""
    if request.param == "copy":
        monkeypatch.setattr(writing, "ARRAY_ROWS_UP_TO", 0)
    with statements_sent() as sent:
        yield sent
    temporary = [sql for sql in sent if sql.startswith("CREATE TEMPORARY TABLE")]
    assert bool(temporary) is (request.param == "copy")


def test_the_set_based_recompute_matches_the_engine_to_the_penny_on_a_random_portfolio_on_postgresql(
        write_path) -> None:
    assert connection.vendor == "postgresql"
    check_random_portfolio()


def test_the_set_based_recompute_matches_the_engine_on_the_demo_data_on_postgresql(
        settings, django_capture_on_commit_callbacks, write_path) -> None:
    check_demo_data(settings, django_capture_on_commit_callbacks)


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Every statement sent through Django's connection. COPY goes through psycopg2's copy_expert, which the
    wrapper does not see, but it only ever follows the CREATE TEMPORARY TABLE it fills, which it does."""
    sent: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield sent


def _row_versions() -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 's' || id, xmin::text FROM schemes_scheme UNION ALL "
                       "SELECT 'm' || id, xmin::text FROM schemes_schememonth ORDER BY 1")
        return [tuple(row) for row in cursor.fetchall()]


def test_a_recompute_that_changes_nothing_writes_nothing_on_postgresql() -> None:
    check_no_change_writes_nothing()
    versions = _row_versions()
    with statements_sent() as sent:
        done = portfolio_recompute()
    assert done.schemes == 30
    assert [sql for sql in sent if sql.lstrip().split()[0].upper() in {"UPDATE", "INSERT", "CREATE", "DELETE"}] == []
    assert any("pg_advisory_xact_lock" in sql for sql in sent)  # one lock per organisation-year
    assert _row_versions() == versions  # not one row rewritten, even with the same values


def test_copy_keeps_quotes_backslashes_tabs_and_newlines_in_text_and_json() -> None:
    rows: list[tuple[Any, ...]] = [(n, text, [text, {"reason": text, "n": n}], D("-1234.56"), date(2013, 4, 1),
                                   datetime(2013, 4, 1, 12, 30, tzinfo=UTC)) for n, text in enumerate(AWKWARD)]
    rows.append((len(AWKWARD), None, None, None, None, None))
    with connection.cursor() as cursor:
        copy_into_temporary(cursor, "copied", "schemes_scheme",
                            ("id", "name", "monthly_profile", "gross_saving", "go_live", "figures_computed_at"), rows)
        cursor.execute("SELECT id, name, monthly_profile::text, gross_saving, go_live, figures_computed_at "
                       "FROM copied ORDER BY id")
        back = cursor.fetchall()
        cursor.execute("DROP TABLE copied")
    assert [(n, text, None if doc is None else json.loads(doc), money, day, stamp)
            for n, text, doc, money, day, stamp in back] == [tuple(row) for row in rows]
