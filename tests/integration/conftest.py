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


def worker_environment(**extra: str) -> dict[str, str]:
    """The environment of a Celery process started by a test: this run's test database, plus `extra`."""
    test_db = settings.DATABASES["default"]["NAME"]
    database_url = urlparse(os.environ["DATABASE_URL"])._replace(path=f"/{test_db}").geturl()
    return {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "qipp_portal.settings", **extra}


def start_process(name: str, command: list[str], ready: str, **extra_env: str) -> subprocess.Popen[bytes]:
    """Start `command` (this run's environment and test database, plus `extra_env`), its output in
    .pytest-`name`.log, and wait at most a minute for the log to say `ready`."""
    log_path = ROOT / f".pytest-{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - the process owns it until it exits
    process = subprocess.Popen(command, cwd=ROOT, env=worker_environment(**extra_env), stdout=log,
                               stderr=subprocess.STDOUT)
    log.close()  # the child has its own descriptor
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ready in log_path.read_text(errors="replace"):
            return process
        if process.poll() is not None:
            pytest.fail(f"{name} exited: see {log_path}")
        time.sleep(0.2)
    stop_process(process)
    pytest.fail(f"{name} was not ready within 60 seconds: see {log_path}")


def start_celery_worker(name: str, queue: str, **extra_env: str) -> subprocess.Popen[bytes]:
    """Start `celery worker` named `name` on `queue` and wait (at most a minute) until it says it is ready.

    Its log, not a ping, says so: a solo worker already busy with a task (the kill test's) answers no pings.
    """
    hostname = f"{name}@qipp-tests"
    return start_process(
        f"celery-{name}",
        [sys.executable, "-m", "celery", "-A", "qipp_portal", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=INFO", "-Q", queue, "-n", hostname, "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        f"{hostname} ready.", **extra_env)


def start_celery_beat(name: str, schedule_folder: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    """Start `celery beat` (its schedule file in `schedule_folder`) and wait, at most a minute, until it starts."""
    return start_process(
        f"celery-{name}",
        [sys.executable, "-m", "celery", "-A", "qipp_portal", "beat", "--loglevel=INFO",
         "-s", str(schedule_folder / f"{name}-schedule")],
        "beat: Starting...", **extra_env)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a process to stop (Celery's warm shutdown, gunicorn's graceful one), and kill it if it has not within
    20 seconds."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` on the test database, consuming this run's own queue."""
    from qipp_portal.celery import app

    app.control.purge()
    process = start_celery_worker("worker", settings.CELERY_TASK_DEFAULT_QUEUE)
    yield process
    stop_process(process)


def wait_for(condition, timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Poll until `condition()` is true; bounded in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def wait_for_worker_idle(timeout: float = 60) -> bool:
    """Until this run's queue is empty and the worker runs nothing (bounded in time)."""
    import redis

    from qipp_portal.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = redis.Redis.from_url(os.environ["REDIS_URL"])

    def idle() -> bool:
        if client.llen(queue):
            return False
        active = app.control.inspect(timeout=1.0).active() or {}
        return not any(active.values())

    return wait_for(idle, timeout=timeout, interval=0.3)


@pytest.fixture(autouse=True)
def _worker_idle_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let the worker finish before the test database is flushed (TRUNCATE waits on its locks)."""
    yield
    if "celery_worker_process" in request.fixturenames:
        wait_for_worker_idle()
