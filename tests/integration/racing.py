"""Racing two saves on PostgreSQL: each in its own thread, so on its own database connection.

`Racers.start` runs a service call in a thread and records what came of it ("done" or the exception).
A racer can be stopped just after it has locked a table's row, or after a given statement (`pause_after_lock`),
so a test can show the other racer blocked on that lock in PostgreSQL (`Racers.waiting_for_a_lock`) before
letting the first go on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from django.db import connection

TIMEOUT = 20.0


@dataclass(frozen=True)
class Pause:
    """Stop a racer after its first SELECT ... FOR UPDATE of `table` (or, given `statement`, its first statement
    that starts with it) until `release` is set."""

    table: str = ""
    statement: str = ""
    locked: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def matches(self, sql: str) -> bool:
        if self.statement:
            return sql.lstrip().startswith(self.statement)
        return "FOR UPDATE" in sql and f'FROM "{self.table}"' in sql


@contextmanager
def pause_after_lock(pause: Pause) -> Iterator[None]:
    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if pause.matches(sql) and not pause.locked.is_set():
            pause.locked.set()
            assert pause.release.wait(TIMEOUT), "the test never released the lock"
        return result

    with connection.execute_wrapper(wrapper):
        yield


@dataclass
class Racers:
    outcomes: dict[str, object] = field(default_factory=dict)
    backends: dict[str, int] = field(default_factory=dict)  # each racer's PostgreSQL backend (pid)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, name: str, action: Callable[[], object], *, before: threading.Barrier | None = None,
              pause: Pause | None = None) -> None:
        def target() -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.backends[name] = cursor.fetchone()[0]
                if before is not None:
                    before.wait(TIMEOUT)
                with pause_after_lock(pause) if pause else nullcontext():
                    action()
                self.outcomes[name] = "done"
            except Exception as error:  # noqa: BLE001 - the test asserts what it was
                self.outcomes[name] = error
            finally:
                connection.close()

        thread = threading.Thread(target=target, name=name)
        self.threads.append(thread)
        thread.start()

    def waiting_for_a_lock(self, name: str) -> bool:
        """Whether the racer's connection is blocked in PostgreSQL on a lock another transaction holds."""
        if name not in self.backends:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [self.backends[name]])
            row = cursor.fetchone()
        return row is not None and row[0] == "Lock"

    def join(self) -> None:
        for thread in self.threads:
            thread.join(TIMEOUT)
            assert not thread.is_alive(), f"{thread.name} is stuck"


def race_together(racers: Racers, actions: dict[str, Callable[[], object]]) -> None:
    """Start every action at the same moment (a barrier) and wait for all of them."""
    start = threading.Barrier(len(actions))
    for name, action in actions.items():
        racers.start(name, action, before=start)
    racers.join()
