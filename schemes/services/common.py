"""What every schemes service shares: the edit conflict, the role check, the versioned update and the
recompute of stored figures once a transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from governance.models import Organisation
from governance.permissions import Action, require
from governance.services import (
    EditConflict,  # one conflict for every app: the pages and the API answer 409
    task_send_on_commit,
)
from schemes.tasks import recompute_organisation_figures, recompute_scheme_figures

if TYPE_CHECKING:
    from governance.permissions import Actor


def check_role(actor: Actor | None, action: Action, organisation: Organisation) -> None:
    if actor is not None:
        require(actor, action, organisation)


def recorded_by(actor: Actor | None) -> Actor | None:
    """The user to store as having recorded something (None for the system)."""
    return actor if actor is not None and actor.is_authenticated else None


def versioned_update(
    *, actor: Actor | None, queryset: Any, pk: int, expected_version: int | None, changes: Mapping[str, Any],
    allowed: Iterable[str], validate: Any, conflict: Any,
) -> tuple[Any, bool]:
    """Apply a user's edit to a versioned record, refusing it if someone saved since they read it.

    Returns the record and whether anything changed (an edit that changes nothing is not a new version).
    """
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    current = queryset.get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(conflict(current), current=current)
    actual_changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not actual_changes:
        return current, False
    for key, value in actual_changes.items():
        setattr(current, key, value)
    validate(current)
    current.version += 1
    current._history_user = actor
    current.save()
    return current, True


def schedule_recompute(scheme_ids: Iterable[int]) -> None:
    """Recompute these schemes' figures once the current transaction commits (never from uncommitted data).

    Inside `recompute_batch()` the ids join the batch's one task; otherwise each call sends its own.
    A rolled-back transaction sends nothing; a broker that is down when it commits leaves the task in the
    outbox, sent when the broker is back (governance.services.task_send_on_commit, docs/adr/0007).
    """
    ids = set(scheme_ids)
    if not ids:
        return
    batch = _recompute_batch.get()
    if batch is not None:
        batch |= ids
        return
    task_send_on_commit(task=recompute_scheme_figures, args=[sorted(ids)])


def organisation_recompute_schedule(*, organisation_id: int, **signal: Any) -> None:
    """Recompute every figure of an organisation's schemes: its RAG factors changed (governance's
    `rag_factors_changed`, sent inside that change's transaction). The task is sent once it commits, so it
    reads the new factors (through the outbox: a broker that is down then delays it, docs/adr/0007)."""
    task_send_on_commit(task=recompute_organisation_figures, args=[organisation_id])


_recompute_batch: ContextVar[set[int] | None] = ContextVar("recompute_batch", default=None)


@contextmanager
def recompute_batch() -> Iterator[None]:
    """Collect every scheme scheduled inside the block into one recompute task, sent on commit.

    For writes of many schemes in one transaction (an import, the demo loader): one task, not hundreds.
    If the block raises, nothing is sent. Nested batches join the outermost one.
    """
    if _recompute_batch.get() is not None:
        yield
        return
    ids: set[int] = set()
    token = _recompute_batch.set(ids)
    try:
        yield
    finally:
        _recompute_batch.reset(token)
    if ids:
        task_send_on_commit(task=recompute_scheme_figures, args=[sorted(ids)])
