"""The benchmark's load run: gunicorn serving this test database on 127.0.0.1, signed-in users in threads, a
fixed number of requests, and the writes really saved (docs/performance.md has the national numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from benchmarks.bulk import autovacuum_is_on, vacuum_as_autovacuum_would
from benchmarks.load import CLOSED_LOOP_ACTUALS, WRITE_EVERY, load_run
from benchmarks.portfolio import SCALES, build_portfolio
from schemes.models import SchemeMonth

pytestmark = pytest.mark.django_db(transaction=True)


def test_load_run_answers_every_request_and_saves_every_write() -> None:
    portfolio = build_portfolio(SCALES["small"])
    requests = WRITE_EVERY  # each user: four reads, then one write (its fifth request)
    result = load_run(portfolio, requests, 0.05)
    assert result["skipped"] is None and result["users"] == len(portfolio.users)
    users = len(portfolio.users)
    for run in (result, result["paced"]):  # the closed loop's figures at the top, the paced pass's beneath
        assert run["errors"] == 0, run["error_examples"]
        assert run["requests"] == users * requests
        assert (run["reads"]["requests"], run["writes"]["requests"]) == (users * (requests - 1), users)
        assert 0 < run["p50_ms"] <= run["p95_ms"] <= run["max_ms"]
    # Users wait between requests in the paced pass only: at least their shortest think time before each.
    assert result["paced"]["seconds"] >= requests * 0.05 * 0.5 and result["paced"]["think_seconds_mean"] == 0.05
    # Each user wrote the actual of a month of a scheme of their own, through the API, in gunicorn's process, once
    # a pass: the second write met the version the first left (no 409) and its value is the one kept.
    written = SchemeMonth.objects.filter(actual=Decimal(CLOSED_LOOP_ACTUALS + requests - 1))
    assert written.count() == users
    assert len({month.scheme_id for month in written}) == users
    assert all(month.version == 3 for month in written)


def test_the_benchmark_vacuums_only_where_autovacuum_is_off_and_no_transaction_is_open() -> None:
    """The build machine's PostgreSQL runs without autovacuum: the benchmark stands in for it between steps."""
    with transaction.atomic():  # VACUUM cannot run inside a transaction: never tried there
        assert vacuum_as_autovacuum_would() is False
    assert vacuum_as_autovacuum_would() is (autovacuum_is_on() is False)
