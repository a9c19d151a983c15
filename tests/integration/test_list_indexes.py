"""On PostgreSQL: the register's text search can use its trigram indexes (schemes migration 0004), and the admin's
paginator takes the planner's estimate for an unfiltered big table instead of counting it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.admin import lists
from governance.admin.lists import EstimatedCountPaginator
from schemes.filters import SchemeFilterSet
from schemes.models import Scheme
from tests.factories import SchemeFactory

pytestmark = pytest.mark.django_db


def plan_of(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        # A handful of rows: make the planner show which indexes can answer (no table or whole-index scans).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_registers_text_search_is_a_bitmap_or_over_the_trigram_indexes():
    SchemeFactory.create_batch(5)
    SchemeFactory(name="Tele-dermatology hub")
    search = SchemeFilterSet({"q": "dermatology"}, queryset=Scheme.objects.order_by()).qs.values("id")
    assert [row["id"] for row in search] == [Scheme.objects.get(name="Tele-dermatology hub").pk]
    plan = plan_of(*search.query.sql_with_params())
    assert "BitmapOr" in plan, plan
    for column in ("reference", "name", "description", "project_owner"):
        assert f"schemes_scheme_{column}_trgm" in plan, plan


def test_an_unfiltered_big_table_is_counted_by_the_planners_estimate(monkeypatch):
    SchemeFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE schemes_scheme")
    monkeypatch.setattr(lists, "ESTIMATE_FROM", 1)  # "big" from one row, for the test
    with CaptureQueriesContext(connection) as queries:
        assert EstimatedCountPaginator(Scheme.objects.order_by("pk"), 50).count == 3
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as queries:  # filtered: counted exactly
        assert EstimatedCountPaginator(Scheme.objects.filter(reference="none"), 50).count == 0
    assert any("COUNT(" in q["sql"].upper() for q in queries)
