"""Rows written straight to a model's table in bulk: multi-row INSERTs on PostgreSQL, executemany on SQLite.

The synthetic portfolio is a benchmark's fixture, not anyone's edit, so it bypasses the services (no history
rows, no recompute per row) and `save()`: one ORM save per row would take hours at national size. Every column
the caller leaves out gets the model field's default, so NOT NULL columns are never missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

CHUNK = 5_000  # rows a statement (PostgreSQL) or an executemany call: bounded memory at any size


def next_id(model: type[models.Model]) -> int:
    """The first free primary key: the builder assigns its own ids, to link rows without reading them back."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(model._meta.db_table)}")
        row = cursor.fetchone()
    return int(row[0]) if row else 1


def _defaults(model: type[models.Model], given: set[str]) -> dict[str, Any]:
    now = timezone.now()
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.attname in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.attname] = now
        else:
            values[field.attname] = field.get_default()
    return values


def _chunks(rows: Iterable[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def insert_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert `rows` (attname -> value, each with the same keys, "id" included) into `model`'s table; returns how
    many. Values are prepared by the model's own fields (dates, Decimals, JSON) for this database."""
    count = 0
    fields: list[models.Field[Any, Any]] = []
    defaults: dict[str, Any] = {}
    table = connection.ops.quote_name(model._meta.db_table)
    for chunk in _chunks(rows):
        if not fields:
            defaults = _defaults(model, set(chunk[0]))
            names = set(chunk[0]) | set(defaults)
            fields = [field for field in model._meta.concrete_fields if field.attname in names]
        prepared = [tuple(field.get_db_prep_save(row.get(field.attname, defaults.get(field.attname)), connection)
                          for field in fields) for row in chunk]
        columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
        marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Multi-row INSERTs: one statement a thousand rows (a statement a row is most of the time).
                for start in range(0, len(prepared), 1_000):
                    batch = prepared[start:start + 1_000]
                    cursor.execute(f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([marks] * len(batch)),
                                   [value for row in batch for value in row])
            else:  # SQLite runs executemany as one prepared statement: as fast as it gets there
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {marks}", prepared)
        count += len(chunk)
    return count


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting with our own ids, PostgreSQL's sequences must move past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def autovacuum_is_on() -> bool | None:
    """PostgreSQL's autovacuum setting (None on another database)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        row = cursor.fetchone()
    return bool(row and row[0] == "on")


def vacuum_as_autovacuum_would() -> bool:
    """VACUUM ANALYZE, where autovacuum is off and nothing holds a transaction; True if it ran.

    A live server's autovacuum clears dead rows and refreshes the planner's statistics after bulk writes. It is
    off on the build machine's PostgreSQL, where every recompute run left the monthly table with a dead row for
    each live one: the later steps then measured a bloated database no production server would have.
    """
    if autovacuum_is_on() is not False or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return True
