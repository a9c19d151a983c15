"""gunicorn's settings for the portal: the web service of docker-compose.yml and the benchmark's load run
(benchmarks/load.py) both start it with `-c python:qipp_portal.gunicorn`.

gthread: one process per core, each with a few threads. A request mostly waits on PostgreSQL, so threads overlap
those waits; more threads than that only queue inside one process, behind its interpreter lock. Each thread keeps
its database connection between requests (CONN_MAX_AGE, qipp_portal/settings.py). GUNICORN_WORKERS and
GUNICORN_THREADS override both for a host of another size.
"""

from __future__ import annotations

import gc
import os
from typing import Any


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this container may use, not the host's
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", _cores()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 120  # the longest request (a board pack with the embedded default) well inside it
graceful_timeout = 30
keepalive = 5  # behind a proxy that reuses its connections


def post_worker_init(worker: Any) -> None:
    """Load every view, then move what the worker has loaded out of the garbage collector's sight (gc.freeze).

    A worker holds about 180,000 objects once it has served its pages. Each full collection walked all of them
    (170 ms on the 2-core build machine) inside whichever request set it off, though none of them is ever
    garbage; frozen, a collection walks only what requests have made since.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports the views and what they use, before freezing
    freeze_loaded_objects()


def freeze_loaded_objects() -> None:
    """Collect the start-up's garbage, then freeze what is left (shared with the Celery worker's processes)."""
    gc.collect()
    gc.freeze()
