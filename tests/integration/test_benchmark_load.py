"""The benchmark's load run: gunicorn serving this test database on 127.0.0.1, signed-in users in threads, a
fixed number of requests, and the writes really saved (docs/performance.md has the national numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from benchmarks.load import WRITE_EVERY, load_run
from benchmarks.portfolio import SCALES, build_portfolio
from schemes.models import SchemeMonth

pytestmark = pytest.mark.django_db(transaction=True)


def test_load_run_answers_every_request_and_saves_every_write() -> None:
    portfolio = build_portfolio(SCALES["small"])
    requests = WRITE_EVERY  # each user: four reads, then one write (its fifth request)
    result = load_run(portfolio, requests)
    assert result["skipped"] is None
    assert result["errors"] == 0, result["error_examples"]
    users = len(portfolio.users)
    assert (result["users"], result["requests"]) == (users, users * requests)
    assert (result["reads"]["requests"], result["writes"]["requests"]) == (users * (requests - 1), users)
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    # Each user wrote the actual of a month of a scheme of their own, through the API, in gunicorn's process.
    written = SchemeMonth.objects.filter(actual=Decimal(1000 + requests - 1))
    assert written.count() == users
    assert len({month.scheme_id for month in written}) == users
    assert all(month.version == 2 for month in written)
