"""Integration layer: real PostgreSQL, Redis and a Celery worker process.

`make integration` points DATABASE_URL and REDIS_URL at the machine's services. Without them the
layer is skipped with a clear message locally, and fails in CI (CI=true), where they must exist.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _reachable(url: str | None, default_port: int) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _missing() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "Integration tests need PostgreSQL: run them with `make integration` (sets DATABASE_URL)."
    if not _reachable(os.environ.get("DATABASE_URL"), 5432):
        return "PostgreSQL is not reachable at DATABASE_URL."
    if settings.CELERY_TASK_ALWAYS_EAGER or not _reachable(os.environ.get("REDIS_URL"), 6379):
        return "Integration tests need Redis: set REDIS_URL to a running server (`make integration`)."
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = _missing()
    for item in items:
        if "tests/integration" not in str(item.path):
            continue
        item.add_marker(pytest.mark.integration)
        if problem:
            if os.environ.get("CI") == "true":
                item.add_marker(pytest.mark.usefixtures("_fail_in_ci"))
            else:
                item.add_marker(pytest.mark.skip(reason=problem))


@pytest.fixture
def _fail_in_ci() -> None:
    pytest.fail(f"CI must run the integration layer: {_missing()}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` on the test database, consuming this run's own queue."""
    from qipp_portal.celery import app

    app.control.purge()
    test_db = settings.DATABASES["default"]["NAME"]
    database_url = urlparse(os.environ["DATABASE_URL"])._replace(path=f"/{test_db}").geturl()
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "qipp_portal.settings"}
    log = open(ROOT / ".pytest-celery-worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qipp_portal", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=INFO", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0)
        if replies:
            break
        if process.poll() is not None:
            log.close()
            pytest.fail(f"The Celery worker exited: see {ROOT / '.pytest-celery-worker.log'}")
    else:
        process.terminate()
        pytest.fail("The Celery worker did not answer a ping within 60 seconds.")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_for(condition, timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Poll until `condition()` is true; bounded in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


@pytest.fixture(autouse=True)
def _worker_idle_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let the worker finish before the test database is flushed (TRUNCATE waits on its locks)."""
    yield
    if "celery_worker_process" not in request.fixturenames:
        return
    import redis

    from qipp_portal.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis.Redis.from_url(os.environ["REDIS_URL"])

    def idle() -> bool:
        if client.llen(queue):
            return False
        active = app.control.inspect(timeout=1.0).active() or {}
        return not any(active.values())

    wait_for(idle, timeout=60, interval=0.3)
