"""The set-based recompute (issue 11) gives today's engine figures to the penny, and writes only what changes.

The oracle (tests/recompute_oracle.py) is the engine run scheme by scheme through the selectors'
`recompute_inputs`, over the demo data and over a seeded random portfolio. The same checks run on PostgreSQL
in tests/integration/test_recompute_set_based_on_postgresql.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schemes import recompute
from schemes.models import Scheme, SchemeMonth
from schemes.recompute import organisation_year_recompute, portfolio_recompute
from tests.factories import SchemeFactory
from tests.recompute_oracle import (
    check_demo_data,
    check_no_change_writes_nothing,
    check_random_portfolio,
    random_portfolio,
    writes,
)

pytestmark = pytest.mark.django_db


def test_the_set_based_recompute_matches_the_engine_to_the_penny_on_a_random_portfolio() -> None:
    check_random_portfolio()


def test_the_set_based_recompute_matches_the_engine_on_the_demo_data(
        settings, django_capture_on_commit_callbacks) -> None:
    check_demo_data(settings, django_capture_on_commit_callbacks)


def test_a_recompute_that_changes_nothing_writes_nothing() -> None:
    check_no_change_writes_nothing()


def test_one_changed_scheme_writes_one_scheme_row_and_its_changed_months() -> None:
    scheme = SchemeFactory(go_live=date(2013, 7, 1), gross_saving=D("120000"))
    organisation_year_recompute(organisation_id=scheme.organisation_id, year_id=scheme.year_id)
    Scheme.objects.filter(pk=scheme.pk).update(gross_saving=D("240000"))
    with CaptureQueriesContext(connection) as queries:
        done = organisation_year_recompute(organisation_id=scheme.organisation_id, year_id=scheme.year_id)
    assert (done.schemes, done.schemes_written, done.months_written) == (1, 1, 9)
    assert len(writes(queries, "UPDATE")) == 2  # one for the scheme row, one for the nine changed months
    scheme.refresh_from_db()
    assert (scheme.plan_in_year, scheme.next_year_effect) == (D("180000.00"), D("60000.00"))
    assert list(SchemeMonth.objects.filter(scheme=scheme).values_list("plan", flat=True)) == (
        [D("0")] * 3 + [D("20000.00")] * 9)


def test_the_queries_of_a_batch_do_not_grow_with_its_schemes(monkeypatch) -> None:
    """Five reads a chunk and one write per table, however many schemes; a bigger batch is more chunks."""
    monkeypatch.setattr(recompute, "CHUNK", 10)
    first = SchemeFactory(go_live=date(2013, 7, 1), gross_saving=D("1200"))

    def queries_of_a_fresh_recompute(count: int) -> int:
        for n in range(Scheme.objects.count(), count):
            SchemeFactory(organisation=first.organisation, year=first.year, programme=first.programme,
                          reference=f"Q{n}", go_live=date(2013, 7, 1), gross_saving=D(1200 + n))
        organisation_year_recompute(organisation_id=first.organisation_id, year_id=first.year_id)  # months exist
        Scheme.objects.update(plan_in_year=D("1"), figures_computed_at=None)
        SchemeMonth.objects.update(plan=D("0"))
        with CaptureQueriesContext(connection) as queries:
            assert organisation_year_recompute(organisation_id=first.organisation_id, year_id=first.year_id
                                               ).schemes_written == count
        return len(queries)

    one_chunk = queries_of_a_fresh_recompute(3)
    assert queries_of_a_fresh_recompute(10) == one_chunk
    assert queries_of_a_fresh_recompute(25) == one_chunk + 2 * 7  # three chunks of five reads and two writes


def test_a_portfolio_recompute_is_one_batch_per_organisation_year() -> None:
    random_portfolio(seed=5, schemes=24)  # three organisations, two years
    done = portfolio_recompute()
    assert (done.batches, done.schemes) == (6, 24)


def test_small_organisation_years_share_a_batch_of_at_most_a_chunk_and_a_big_one_is_its_own() -> None:
    sizes = [((2, 1), 700), ((1, 2), 900), ((1, 1), 1000), ((3, 1), 2500), ((3, 2), 10), ((4, 1), 1990)]
    assert recompute._batches(sizes) == [[(1, 1), (1, 2)], [(2, 1)], [(3, 1)], [(3, 2), (4, 1)]]
    assert recompute._batches([]) == []


def test_a_portfolio_recompute_of_small_organisation_years_is_few_transactions() -> None:
    random_portfolio(seed=5, schemes=24)
    with CaptureQueriesContext(connection) as queries:
        done = portfolio_recompute()
    assert (done.batches, done.schemes, done.schemes_written) == (6, 24, 24)  # six organisation-years, one batch
    assert len([q for q in queries.captured_queries if 'FROM "schemes_schemerating"' in q["sql"]]) == 1


def test_money_is_written_to_the_penny_from_whole_pence() -> None:
    from schemes.recompute.writing import pounds

    assert [pounds(p) for p in (0, 5, -5, 100, -100, 123456, -123456, 99_999_999_999_999)] == [
        "0.00", "0.05", "-0.05", "1.00", "-1.00", "1234.56", "-1234.56", "999999999999.99"]
