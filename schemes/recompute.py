"""The recompute service: the only writer of the figures the savings engine computes.

Its own module so the Celery task can import it while `schemes.services` imports the task (no cycle).

Set-based (issue 11): inputs are read as plain values in a few queries a chunk, the pure engine runs over
them, and only the rows whose stored values differ are written, with one statement per table a chunk
(PostgreSQL: COPY into a temporary table, then UPDATE ... FROM; elsewhere executemany of the changed rows).
`bulk_update` built a CASE expression per row and field, which cost 20-25x the database's own floor.
The single-scheme path after an edit and the nightly portfolio path share this code.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from schemes import engine
from schemes.models import DirectorAssessment, FigureOverride, Scheme, SchemeMonth, SchemeRating
from schemes.selectors import engine_figures

CHUNK = 2000  # schemes read, computed and written at once: bounds memory whatever the scope

# The stored figures compared and written, in this order (figures_computed_at is stamped apart).
FIGURE_COLUMNS = ("full_year_effect", "months_in_year", "plan_in_year", "next_year_effect", "overall_rag",
                  "most_likely", "delivery_change_months", "adjusted_months", "director_value",
                  "director_next_year", "overridden_fields")
_INPUTS = ("pk", "organisation_id", "year_id", "year__start_year", "go_live", "gross_saving", "new_investment",
           "monthly_profile", "organisation__green_factor", "organisation__amber_factor",
           "organisation__red_factor", "figures_computed_at")


@dataclass(frozen=True)
class ChunkResult:
    schemes: int
    schemes_written: int
    months_written: int


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def _lock(scheme_ids: list[int]) -> None:
    """Serialise recomputes of overlapping scopes, so none loses an update.

    PostgreSQL: a transaction-level advisory lock per organisation-year, taken in a fixed order (no
    deadlock); the second recompute reads its inputs only once the first has committed. Elsewhere row
    locks on the schemes, as before (SQLite serialises writers anyway).
    """
    if connection.vendor == "postgresql":
        scopes = sorted(set(Scheme.objects.filter(pk__in=scheme_ids).values_list("organisation_id", "year_id")))
        with connection.cursor() as cursor:
            for organisation_id, year_id in scopes:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [organisation_id, year_id])
    else:
        list(Scheme.objects.select_for_update().filter(pk__in=scheme_ids).values_list("pk", flat=True))


def _inputs_of(ids: list[int]) -> tuple[list[tuple[Any, ...]], dict[int, tuple[Any, ...]],
                                        dict[tuple[int, int], Decimal]]:
    """The chunk's engine inputs, stored figures and stored monthly plans, as plain values (six queries)."""
    schemes = list(Scheme.objects.filter(pk__in=ids).order_by("pk").values_list(*_INPUTS))
    stored = {row[0]: row[1:] for row in Scheme.objects.filter(pk__in=ids).values_list("pk", *FIGURE_COLUMNS)}
    rag: dict[int, str] = {}
    for scheme_id, overall in (SchemeRating.objects.filter(scheme_id__in=ids)
                               .order_by("scheme_id", "-sitting__held_on", "-id").values_list("scheme_id", "overall")):
        rag.setdefault(scheme_id, overall)
    change: dict[int, int] = {}
    for scheme_id, months in (DirectorAssessment.objects.filter(scheme_id__in=ids)
                              .order_by("scheme_id", "-assessed_on", "-created_at")
                              .values_list("scheme_id", "change_months")):
        change.setdefault(scheme_id, months)
    overrides: dict[int, dict[str, Decimal]] = {}
    for scheme_id, figure, value in (FigureOverride.objects.filter(scheme_id__in=ids, cleared_at__isnull=True)
                                     .values_list("scheme_id", "figure", "value")):
        overrides.setdefault(scheme_id, {})[figure] = value
    months = {(scheme_id, month): plan for scheme_id, month, plan in
              SchemeMonth.objects.filter(scheme_id__in=ids).values_list("scheme_id", "month", "plan")}
    rows = [(*row, rag.get(row[0]), change.get(row[0], 0), overrides.get(row[0], {})) for row in schemes]
    return rows, stored, months


def _figures(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Decimal, ...]]:
    """The engine's stored figures (FIGURE_COLUMNS order) and monthly plan for one scheme's plain inputs."""
    (_, _, _, start_year, go_live, gross, investment, profile, green, amber, red, _, overall, change,
     overrides) = row
    inputs = engine.SchemeInputs(
        year_start=start_year, go_live=go_live, gross_saving=gross, new_investment=investment,
        overall_rag=overall or None, delivery_change_months=change,
        factors=engine.RagFactors(green, amber, red), overrides=overrides,
        monthly_profile=[Decimal(v) for v in profile] if profile else None,
    )
    figures = engine_figures(inputs)
    values = (figures.full_year_effect, figures.months_in_year, figures.plan_in_year, figures.next_year_effect,
              overall or "", figures.most_likely, change, figures.adjusted_months, figures.director_value,
              figures.director_next_year, sorted(figures.overridden))
    return values, figures.monthly_plan


def _recompute_chunk(ids: list[int], now: datetime, *, stamp_all: bool) -> ChunkResult:
    rows, stored, months = _inputs_of(ids)
    scheme_updates: list[tuple[Any, ...]] = []
    month_updates: list[tuple[int, int, Decimal]] = []
    month_inserts: list[tuple[int, int, Decimal]] = []
    for row in rows:
        values, plan = _figures(row)
        # A scheme never computed is stamped even when its defaults happen to match; so is every scheme of
        # an edit's recompute (stamp_all), whose pages say when the edit's figures were computed.
        if stamp_all or values != stored[row[0]] or row[11] is None:
            scheme_updates.append((row[0], *values))
        for index, amount in enumerate(plan, start=1):
            kept = months.get((row[0], index))
            if kept is None:
                month_inserts.append((row[0], index, amount))
            elif kept != amount:
                month_updates.append((row[0], index, amount))
    write = _write_postgresql if connection.vendor == "postgresql" else _write_portable
    write(scheme_updates, month_updates, now)
    if month_inserts:
        SchemeMonth.objects.bulk_create(
            [SchemeMonth(scheme_id=s, month=m, plan=p) for s, m, p in month_inserts], batch_size=1000)
    return ChunkResult(len(rows), len(scheme_updates), len(month_updates) + len(month_inserts))


def _write_portable(schemes: list[tuple[Any, ...]], months: list[tuple[int, int, Decimal]], now: datetime) -> None:
    """SQLite (the embedded default): one executemany UPDATE of the changed rows per table."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if schemes:
            assignments = ", ".join(f"{name} = %s" for name in FIGURE_COLUMNS)
            cursor.executemany(
                f"UPDATE schemes_scheme SET {assignments}, figures_computed_at = %s WHERE id = %s",
                [(*_db_values(row[1:]), stamp, row[0]) for row in schemes])
        if months:
            cursor.executemany(
                "UPDATE schemes_schememonth SET plan = %s, updated_at = %s WHERE scheme_id = %s AND month = %s",
                [(str(plan), stamp, scheme_id, month) for scheme_id, month, plan in months])


def _db_values(values: Sequence[Any]) -> list[Any]:
    return [json.dumps(v) if isinstance(v, list) else str(v) if isinstance(v, Decimal) else v for v in values]


def _copy(cursor: Any, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
    cursor.cursor.copy_expert(f"COPY {table} FROM STDIN", buffer)  # the psycopg2 cursor under Django's


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, list):
        return json.dumps(value).replace("\\", "\\\\")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _write_postgresql(schemes: list[tuple[Any, ...]], months: list[tuple[int, int, Decimal]],
                      now: datetime) -> None:
    """COPY the changed rows into a temporary table, then one UPDATE ... FROM per table."""
    with connection.cursor() as cursor:
        if schemes:
            _copy(cursor, "recompute_scheme",
                  "id integer, full_year_effect numeric, months_in_year smallint, plan_in_year numeric, "
                  "next_year_effect numeric, overall_rag varchar(10), most_likely numeric, "
                  "delivery_change_months smallint, adjusted_months smallint, director_value numeric, "
                  "director_next_year numeric, overridden_fields jsonb", schemes)
            assignments = ", ".join(f"{name} = r.{name}" for name in FIGURE_COLUMNS)
            cursor.execute(f"UPDATE schemes_scheme s SET {assignments}, figures_computed_at = %s "
                           "FROM recompute_scheme r WHERE s.id = r.id", [now])
            cursor.execute("DROP TABLE recompute_scheme")
        if months:
            _copy(cursor, "recompute_month", "scheme_id integer, month smallint, plan numeric", months)
            cursor.execute("UPDATE schemes_schememonth m SET plan = r.plan, updated_at = %s FROM recompute_month r "
                           "WHERE m.scheme_id = r.scheme_id AND m.month = r.month", [now])
            cursor.execute("DROP TABLE recompute_month")


def schemes_recompute_count(*, scheme_ids: Iterable[int], stamp_all: bool = False) -> ChunkResult:
    """Recompute these schemes in chunks, in the caller's transaction; returns what was read and written.

    Only the rows whose values change are written, unless `stamp_all` (an edit's recompute) also stamps
    the unchanged schemes' figures_computed_at.
    """
    ids = sorted(set(scheme_ids))
    _lock(ids)
    now = timezone.now()
    totals = ChunkResult(0, 0, 0)
    for chunk in _chunks(ids):
        done = _recompute_chunk(chunk, now, stamp_all=stamp_all)
        totals = ChunkResult(totals.schemes + done.schemes, totals.schemes_written + done.schemes_written,
                             totals.months_written + done.months_written)
    return totals


@transaction.atomic
def scheme_recompute(*, scheme_id: int) -> Scheme:
    """Run the engine on one scheme's inputs and store its figures and monthly plan. Idempotent."""
    return schemes_recompute(scheme_ids=[scheme_id])[0]


@transaction.atomic
def schemes_recompute(*, scheme_ids: Iterable[int]) -> list[Scheme]:
    """Run the engine on many schemes and store their figures and monthly plans, in a fixed number of queries
    a chunk; returns the schemes as stored.

    The path after an edit: every scheme's figures_computed_at is stamped, even where nothing changed
    (the nightly `portfolio_recompute` writes only what changed). Stored results are written with SQL, not
    save(): a recompute is not a user's edit, so it makes no version bump and no history row.
    """
    ids = sorted(set(scheme_ids))
    schemes_recompute_count(scheme_ids=ids, stamp_all=True)
    return list(Scheme.objects.select_related("organisation", "year").filter(pk__in=ids).order_by("pk"))


@dataclass(frozen=True)
class PortfolioRecompute:
    batches: int
    schemes: int


@transaction.atomic
def organisation_year_recompute(*, organisation_id: int, year_id: int) -> int:
    """Recompute every scheme of one organisation's year, in one transaction; returns how many."""
    scheme_ids = list(Scheme.objects.filter(organisation_id=organisation_id, year_id=year_id)
                      .values_list("pk", flat=True))
    return schemes_recompute_count(scheme_ids=scheme_ids).schemes


def portfolio_recompute() -> PortfolioRecompute:
    """Recompute every organisation's schemes, an organisation-year at a time (the nightly job).

    Deliberately not one transaction: each batch commits on its own, so an edit waits for one
    organisation-year's locks at most, never the whole run, and a run cut short keeps what it finished
    (running it again is safe: the engine gives the same figures).
    """
    batches = list(Scheme.objects.order_by("organisation_id", "year_id")
                   .values_list("organisation_id", "year_id").distinct())
    schemes = sum(organisation_year_recompute(organisation_id=organisation_id, year_id=year_id)
                  for organisation_id, year_id in batches)
    return PortfolioRecompute(batches=len(batches), schemes=schemes)
