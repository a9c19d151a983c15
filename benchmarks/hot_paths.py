"""`manage.py benchmark --scale demo`: speed and memory of the schemes' hot paths (docs/benchmarks.md): the
savings engine, reading and checking a workbook, the recompute task, the register page and the API's list page.

Runs inside a transaction that is rolled back: it leaves the database as it found it.
Timings are medians of several runs; machines are noisy, so nothing here is asserted by tests.
"""

from __future__ import annotations

import io
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks.measure import signed_in_client
from governance.models import FinancialYear, Membership, Organisation, Role
from schemes import engine
from schemes.importers import read_workbook, workbook_check
from schemes.models import Programme, Scheme
from schemes.services import schemes_recompute


class _Rollback(Exception):
    pass


BEXLEY_APPENDIX = settings.BASE_DIR / "fixtures" / "bexley_2013_14_appendix1.xlsx"  # the demo's, fixtures/README.md
IMPORT_ROWS = 10_000  # the importer's row limit (schemes.importers.MAX_ROWS)


def synthetic_workbook(rows: int) -> bytes:
    """A workbook of `rows` schemes laid out like Bexley's appendix, with ratings, a change in delivery and,
    on every 50th row, a published plan that differs from the formula (kept as an override)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Schemes")
    sheet.append(["No", "File REF", "Transformation Headings", "Scheme Heading", "Phase", "Go 'Live' Date",
                  "(Full Year) Effect Net Saving", "Value of Scheme", "Resources Required to Deliver",
                  "Timescales / Readiness of Implementation", "Co-dependencies / multi-agency involvement",
                  "Overall Scheme Rating", "Change in Delivery (Months +/-)", "2013/14 Plan"])
    months = ["Apr-13", "May-13", "Jun-13", "Jul-13", "Aug-13", "Sep-13", "Oct-13", "Nov-13", "Dec-13", "Jan-14",
              "Feb-14", "Mar-14"]
    for i in range(rows):
        rag = ("Green", "Amber", "Red")[i % 3]
        sheet.append([i + 1, f"W{i + 1}", f"Programme {i % 12}", f"Synthetic scheme {i + 1}", 1 + i % 4,
                      months[i % 12], 100000 + i, rag, rag, rag, rag, rag, i % 5 - 2, None if i % 50 else 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measure(function: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median seconds of `function` over `repeat` runs, and its peak MiB (tracemalloc) in one more run.

    Memory is traced in a separate run: tracing slows Python down several times over.
    """
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1024 / 1024


def hot_paths(count: int, repeat: int, import_rows: int = IMPORT_ROWS) -> list[dict[str, Any]]:
    """Each measure as {"what", "seconds" (median), "peak_mib" (tracemalloc), "notes"}."""
    rows: list[tuple[str, float, float, str]] = []
    inputs = [
        engine.SchemeInputs(2013, date(2013, 1 + i % 12, 1) if i % 12 < 9 else date(2014, i % 12 - 8, 1),
                            Decimal(100000 + i), overall_rag=("green", "amber", "red")[i % 3],
                            delivery_change_months=i % 5 - 2)
        for i in range(10_000)
    ]
    seconds, mib = measure(lambda: [engine.compute(i) for i in inputs], repeat)
    rows.append(("engine: compute 10,000 schemes", seconds, mib, f"{10_000 / seconds:,.0f} schemes/s"))
    seconds, mib = measure(lambda: read_workbook(BEXLEY_APPENDIX, 2013), repeat)
    rows.append(("importer: read Bexley appendix (27 schemes)", seconds, mib, ""))
    try:
        with transaction.atomic():
            rows += _database_rows(count, repeat, import_rows)
            raise _Rollback
    except _Rollback:
        pass
    return [{"what": what, "seconds": round(seconds, 4), "peak_mib": round(mib, 1), "notes": notes}
            for what, seconds, mib, notes in rows]


def _database_rows(count: int, repeat: int, import_rows: int) -> list[tuple[str, float, float, str]]:
    organisation = Organisation.objects.create(ods_code="BENCH", name="Benchmark CCG")
    year, _ = FinancialYear.objects.get_or_create(start_year=2013)
    programme = Programme.objects.create(organisation=organisation, name="Benchmark programme")
    Scheme.objects.bulk_create(
        Scheme(organisation=organisation, year=year, programme=programme, reference=f"B{i}", name=f"Scheme {i}",
               go_live=date(2013, 4 + i % 9, 1), gross_saving=Decimal(100000 + i))
        for i in range(count)
    )
    content = synthetic_workbook(import_rows)
    # The import's check: read the file and compare it with what is saved (no transaction of its own,
    # nothing written). The probe measured 80 to 94 s for this before the import limits work.
    seconds, mib = measure(lambda: workbook_check(actor=None, organisation=organisation, year_name=year.name,
                                                  source=io.BytesIO(content)), repeat)
    checked = [(f"importer: check a {import_rows:,}-row workbook", seconds, mib,
                    f"{len(content) / 1024:,.0f} KB file, nothing saved")]
    ids = list(Scheme.objects.filter(organisation=organisation).values_list("pk", flat=True))
    # As the Celery task does after an import: one call for all the schemes of a transaction.
    seconds, mib = measure(lambda: schemes_recompute(scheme_ids=ids), 1)
    rows = [*checked, (f"recompute: {count} schemes in one task (figures + 12 months)", seconds, mib,
                           f"{seconds / count * 1000:.1f} ms/scheme")]
    user = get_user_model().objects.create_user("benchmark-user", password="x")
    Membership.objects.create(user=user, organisation=organisation, role=Role.VIEWER)
    client = signed_in_client(user, organisation.pk, year.pk)
    for label, url in (("register page", "/schemes/"), ("API list page", "/api/v1/schemes/?organisation=BENCH")):
        reset_queries()  # with DEBUG on the query log may already be full (it keeps 9,000)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url).status_code
        queried = len(queries)  # now: the requests below clear the connection's query log
        seconds, mib = measure(partial(client.get, url), repeat)
        rows.append((f"{label}: {count} schemes", seconds, mib, f"HTTP {status}, {queried} queries"))
    return rows
