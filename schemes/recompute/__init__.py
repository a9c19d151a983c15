"""The recompute service: the only writer of the figures the savings engine computes.

Its own package so the Celery tasks can import it while `schemes.services` imports the tasks (no cycle).

Set-based (issue 11, docs/adr/0005-set-based-recompute.md): inputs are read as plain values (one statement a
chunk on PostgreSQL, `reading`), the engine runs over them in whole pence (`engine.compute_pence`, identical
to the Decimal engine to the penny), and only the rows whose stored values differ are written, with one
statement per table a chunk (`writing`). Every scope, one scheme after an edit, an organisation-year, an
organisation (its RAG factors changed) or every organisation (the nightly job), runs the same batches: whole
organisation-years, packed in order up to CHUNK schemes a transaction, so memory stays flat and an edit waits
for one batch at most.

Overlapping recomputes never lose an update: a batch takes a transaction-level advisory lock on each of its
organisation-years (PostgreSQL; SQLite serialises writers anyway), in (organisation, year) order, before it
reads, so a second recompute reads its inputs only once the first has committed, and every edit queues its
own recompute once it commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from governance.audit import job_recorded
from schemes.models import Scheme
from schemes.recompute.reading import FIGURE_COLUMNS, chunk_changes
from schemes.recompute.writing import changes_write, copy_text

CHUNK = 2000  # schemes read, computed and written at once, and at most in one batch (unless one organisation-
# year is bigger): bounds memory and how long an edit waits, whatever the portfolio's size

__all__ = [
    "CHUNK",
    "FIGURE_COLUMNS",
    "Recomputed",
    "copy_text",
    "organisation_recompute",
    "organisation_year_recompute",
    "portfolio_recompute",
    "scheme_recompute",
    "schemes_recompute",
]


@dataclass(frozen=True)
class Recomputed:
    """What a recompute did: organisation-years (batches), schemes read, and rows written."""

    batches: int = 0
    schemes: int = 0
    schemes_written: int = 0
    months_written: int = 0

    def __add__(self, other: Recomputed) -> Recomputed:
        return Recomputed(self.batches + other.batches, self.schemes + other.schemes,
                          self.schemes_written + other.schemes_written, self.months_written + other.months_written)


Key = tuple[int, int]  # (organisation id, year id)


def _lock(keys: list[Key]) -> None:
    """Wait for any other recompute of these organisation-years, and hold them off until this transaction ends.

    The two-key advisory lock space is the recompute's alone. Keys are taken in (organisation, year) order,
    every batch's and every recompute's, so recomputes of overlapping scopes never deadlock. SQLite needs
    nothing: each transaction takes the database's write lock as it begins.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # JIT off for this transaction, in the same round trip: the read's correlated estimates pass the JIT
            # threshold and compiling took 0.4-0.5 s a chunk, several times the read itself.
            # unnest returns the keys in array order, so they are locked in that order.
            cursor.execute("SELECT set_config('jit', 'off', true), pg_advisory_xact_lock(k.organisation, k.year) "
                           "FROM unnest(%s::int[], %s::int[]) AS k(organisation, year)",
                           [[o for o, _ in keys], [y for _, y in keys]])


@transaction.atomic
def _batch(keys: list[Key], scheme_ids: list[int] | None, *, stamp_all: bool) -> Recomputed:
    """Whole organisation-years (all their schemes, or those of `scheme_ids` in them), in one transaction."""
    _lock(keys)
    # Read after the lock: a recompute that held it has committed, so its writes and the inputs it saw are ours.
    where = Q()
    for organisation_id, year_id in keys:
        where |= Q(organisation_id=organisation_id, year_id=year_id)
    schemes = Scheme.objects.filter(where)
    if scheme_ids is not None:
        schemes = schemes.filter(pk__in=scheme_ids)
    rows = list(schemes.order_by("pk").values_list("pk", "organisation_id", "year_id"))
    ids = [pk for pk, _, _ in rows]
    key_of = {pk: (organisation_id, year_id) for pk, organisation_id, year_id in rows}
    written: dict[Key, list[int]] = {}  # an organisation-year's schemes and months written: its audit event
    now = timezone.now()
    done = Recomputed(batches=len(keys))
    for start in range(0, len(ids), CHUNK):
        changes = chunk_changes(ids[start:start + CHUNK], stamp_all=stamp_all)
        changes_write(changes, now)
        done += Recomputed(0, changes.schemes, len(changes.scheme_rows),
                           len(changes.month_updates) + len(changes.month_inserts))
        for row in changes.scheme_rows:
            written.setdefault(key_of[row[0]], [0, 0])[0] += 1
        for month in (*changes.month_updates, *changes.month_inserts):
            written.setdefault(key_of[month[0]], [0, 0])[1] += 1
    _audit(written)
    return done


def _audit(written: dict[Key, list[int]]) -> None:
    """The set-based writes bypass the model signals: one audit event an organisation-year that changed, not one
    a row (docs/adr/0006-audit-log.md)."""
    for (organisation_id, year_id), (schemes, months) in sorted(written.items()):
        job_recorded(organisation_id=organisation_id,
                     what=f"{schemes} schemes' figures and {months} months' plans recomputed",
                     details={"year_id": year_id, "schemes_written": schemes, "months_written": months})


def _batches(sizes: list[tuple[Key, int]]) -> list[list[Key]]:
    """Consecutive organisation-years, in order, packed into batches of at most CHUNK schemes (an organisation-
    year bigger than that is a batch of its own): a transaction each. Small organisation-years share one, since
    a transaction's own cost (lock, reads, commit) would otherwise outweigh their few schemes' work."""
    batches: list[list[Key]] = []
    size = 0
    for key, count in sorted(sizes):
        if batches and size + count <= CHUNK:
            batches[-1].append(key)
            size += count
        else:
            batches.append([key])
            size = count
    return batches


def _recompute(schemes: Iterable[int] | None = None, *, organisation_id: int | None = None,
               stamp_all: bool = False) -> Recomputed:
    """Every scope's recompute: the organisation-years of `schemes` (or of the organisation, or all), in order.

    Deliberately not one transaction: each batch commits on its own (unless the caller holds one), so an edit
    waits for one batch at most (at most CHUNK schemes), never the whole run, and a run cut short keeps what it
    finished (running it again is safe: the engine gives the same figures).
    """
    scope = Scheme.objects.order_by()  # no default ordering: its columns would join the GROUP BY
    if organisation_id is not None:
        scope = scope.filter(organisation_id=organisation_id)
    chosen: dict[Key, list[int]] = {}
    if schemes is None:
        sizes = [((o, y), n) for o, y, n in
                 scope.values_list("organisation_id", "year_id").annotate(n=Count("pk")).values_list(
                     "organisation_id", "year_id", "n")]
    else:
        for batch_organisation, year_id, pk in scope.filter(pk__in=set(schemes)).values_list(
                "organisation_id", "year_id", "pk"):
            chosen.setdefault((batch_organisation, year_id), []).append(pk)
        sizes = [(key, len(ids)) for key, ids in chosen.items()]
    done = Recomputed()
    for keys in _batches(sizes):
        ids = None if schemes is None else [pk for key in keys for pk in chosen[key]]
        done += _batch(keys, ids, stamp_all=stamp_all)
    return done


def schemes_recompute(*, scheme_ids: Iterable[int]) -> list[Scheme]:
    """Recompute these schemes (the task after an edit), an organisation-year a transaction; returns them as
    stored. Every one is stamped as computed now, even where nothing changed: its page says when the edit's
    figures were computed. Schemes deleted meanwhile are skipped.
    """
    ids = sorted(set(scheme_ids))
    _recompute(ids, stamp_all=True)
    return list(Scheme.objects.select_related("organisation", "year").filter(pk__in=ids).order_by("pk"))


def scheme_recompute(*, scheme_id: int) -> Scheme:
    """Run the engine on one scheme's inputs and store its figures and monthly plan. Idempotent."""
    return schemes_recompute(scheme_ids=[scheme_id])[0]


def organisation_year_recompute(*, organisation_id: int, year_id: int) -> Recomputed:
    """Recompute every scheme of one organisation's year, in one transaction, writing only what changed."""
    return _batch([(organisation_id, year_id)], None, stamp_all=False)


def organisation_recompute(*, organisation_id: int) -> Recomputed:
    """Recompute every scheme of one organisation (its RAG factors changed), a year a transaction."""
    return _recompute(organisation_id=organisation_id)


def portfolio_recompute() -> Recomputed:
    """Recompute every organisation's schemes (the nightly job), an organisation-year a transaction."""
    return _recompute()
