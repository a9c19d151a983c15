"""Writing a chunk's changed rows: one statement per table.

PostgreSQL: a few rows (an edit's recompute: one scheme, its twelve months) as arrays in one UPDATE ... FROM
unnest(...); more by COPY into a temporary table shaped like the target's columns, then one UPDATE ... FROM.
SQLite (the embedded default): one executemany UPDATE per table. New months are created with bulk_create.
`bulk_update` is not used: it builds a CASE expression per row and field, 20-25x the database's own cost.
Like the ORM's bulk writes these make no version bump and no history row: a recompute is not a user's edit.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from schemes.models import Scheme, SchemeMonth
from schemes.recompute.reading import FIGURE_COLUMNS, MONEY_COLUMNS, Changes

# COPY's text format: these characters are escaped; a backslash first, so the others' escapes stay single.
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


# Up to this many rows a table are sent as arrays in the UPDATE itself. A temporary table's CREATE, ANALYZE and DROP
# cost more than a handful of rows, and each changes the system catalogue, which every other session then reloads:
# under the load run every write's recompute did that. Above it (the whole-portfolio path) COPY is cheaper.
ARRAY_ROWS_UP_TO = 500

_MONEY_AT = tuple(n for n, name in enumerate(FIGURE_COLUMNS, start=1) if name in MONEY_COLUMNS)


def pounds(pence: int) -> str:
    """Whole pence as pounds with two decimals ("-0.05"), exactly: integer arithmetic, no float."""
    whole, penny = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}{whole}.{penny:02d}"


def _in_pounds(row: tuple[Any, ...]) -> list[Any]:
    """A scheme row (id, *FIGURE_COLUMNS) with its money in pounds (Decimal), as the database stores it."""
    values = list(row)
    for n in _MONEY_AT:
        values[n] = Decimal(values[n]).scaleb(-2)
    return values


def changes_write(changes: Changes, now: datetime) -> None:
    """Write what `chunk_changes` found, in the caller's transaction."""
    write = _write_postgresql if connection.vendor == "postgresql" else _write_portable
    write(changes.scheme_rows, changes.month_updates, now)
    if changes.month_inserts:
        SchemeMonth.objects.bulk_create(
            [SchemeMonth(scheme_id=s, month=m, plan=Decimal(p).scaleb(-2)) for s, m, p in changes.month_inserts],
            batch_size=1000)


def _write_portable(schemes: list[tuple[Any, ...]], months: list[tuple[int, int, int]], now: datetime) -> None:
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if schemes:
            assignments = ", ".join(f"{name} = %s" for name in FIGURE_COLUMNS)
            cursor.executemany(
                f"UPDATE schemes_scheme SET {assignments}, figures_computed_at = %s WHERE id = %s",
                [(*_db_values(values[1:]), stamp, values[0]) for values in map(_in_pounds, schemes)])
        if months:
            cursor.executemany("UPDATE schemes_schememonth SET plan = %s WHERE scheme_id = %s AND month = %s",
                               [(pounds(plan), scheme_id, month) for scheme_id, month, plan in months])


def _db_values(values: Sequence[Any]) -> list[Any]:
    """As Django's SQLite backend stores them: JSON as text, Decimal as its string."""
    return [json.dumps(v) if isinstance(v, list | dict) else str(v) if isinstance(v, Decimal) else v
            for v in values]


def copy_text(value: Any) -> str:
    """One value in COPY's text format: NULL as \\N, JSON as its text, everything escaped as COPY reads it."""
    if value is None:
        return r"\N"
    if isinstance(value, list | dict):
        text = json.dumps(value)
    elif isinstance(value, date | datetime):
        text = value.isoformat()
    else:
        text = str(value)
    for character, escaped in _COPY_ESCAPES:
        text = text.replace(character, escaped)
    return text


def copy_into_temporary(cursor: Any, table: str, like: str, columns: Sequence[str],
                        rows: Iterable[Sequence[Any]], *, lines: Iterable[str] | None = None) -> None:
    """Create the temporary `table` with `like`'s types for `columns` (dropped at commit), COPY `rows` in and
    analyse it. `lines` may give the rows already in COPY's text format instead (each ending in a newline)."""
    names = ", ".join(columns)
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS SELECT {names} FROM {like} WITH NO DATA")
    if lines is None:
        lines = ("\t".join(copy_text(value) for value in row) + "\n" for row in rows)
    buffer = io.StringIO("".join(lines))
    cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)  # psycopg2's cursor, under Django's
    # A temporary table has no statistics: unanalysed, the planner guessed its size and hash-joined it against
    # a scan of the whole target table, every batch (quadratic over a portfolio); analysed, it uses the index.
    cursor.execute(f"ANALYZE {table}")


def _scheme_lines(schemes: list[tuple[Any, ...]]) -> Iterable[str]:
    """Scheme rows in COPY's text format: ids, months and money need no escaping; the rating and JSON do."""
    for (pk, fye, months, plan, next_year, rag, most_likely, change, adjusted, director_value, director_next_year,
         overridden) in schemes:
        yield (f"{pk}\t{pounds(fye)}\t{months}\t{pounds(plan)}\t{pounds(next_year)}\t{copy_text(rag)}\t"
               f"{pounds(most_likely)}\t{change}\t{adjusted}\t{pounds(director_value)}\t"
               f"{pounds(director_next_year)}\t{copy_text(overridden)}\n")


def update_from_arrays(cursor: Any, model: type[Any], keys: Sequence[str], columns: Sequence[str],
                       rows: Sequence[Sequence[Any]], *, also: str = "", also_params: Sequence[Any] = ()) -> None:
    """One UPDATE of `model`'s table setting `columns` from `rows` (keys first, then columns, in that order), the
    rows sent as one typed array a column; `also` adds assignments of its own (with `also_params`)."""
    names = (*keys, *columns)
    types = [model._meta.get_field(name).db_type(connection) for name in names]
    arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
    assignments = ", ".join(f"{name} = r.{name}" for name in columns)
    matches = " AND ".join(f"t.{name} = r.{name}" for name in keys)
    values = [[_array_value(row[n]) for row in rows] for n in range(len(names))]
    cursor.execute(f"UPDATE {model._meta.db_table} t SET {assignments}{also} "
                   f"FROM unnest({arrays}) AS r({', '.join(names)}) WHERE {matches}", [*also_params, *values])


def _array_value(value: Any) -> Any:
    # JSON goes as its text (cast to jsonb with the array); psycopg2 would send a list as an array of its own.
    return json.dumps(value) if isinstance(value, list | dict) else value


def _write_postgresql(schemes: list[tuple[Any, ...]], months: list[tuple[int, int, int]], now: datetime) -> None:
    with connection.cursor() as cursor:
        if schemes and len(schemes) <= ARRAY_ROWS_UP_TO:
            update_from_arrays(cursor, Scheme, ("id",), FIGURE_COLUMNS, [_in_pounds(row) for row in schemes],
                               also=", figures_computed_at = %s", also_params=[now])
        elif schemes:
            copy_into_temporary(cursor, "recompute_scheme", "schemes_scheme", ("id", *FIGURE_COLUMNS), (),
                                lines=_scheme_lines(schemes))
            assignments = ", ".join(f"{name} = r.{name}" for name in FIGURE_COLUMNS)
            cursor.execute(f"UPDATE schemes_scheme s SET {assignments}, figures_computed_at = %s "
                           "FROM recompute_scheme r WHERE s.id = r.id", [now])
            cursor.execute("DROP TABLE recompute_scheme")
        if months and len(months) <= ARRAY_ROWS_UP_TO:
            update_from_arrays(cursor, SchemeMonth, ("scheme_id", "month"), ("plan",),
                               [(scheme_id, month, Decimal(plan).scaleb(-2)) for scheme_id, month, plan in months])
        elif months:
            copy_into_temporary(cursor, "recompute_month", "schemes_schememonth", ("scheme_id", "month", "plan"), (),
                                lines=(f"{scheme_id}\t{month}\t{pounds(plan)}\n" for scheme_id, month, plan in months))
            cursor.execute("UPDATE schemes_schememonth m SET plan = r.plan FROM recompute_month r "
                           "WHERE m.scheme_id = r.scheme_id AND m.month = r.month")
            cursor.execute("DROP TABLE recompute_month")
