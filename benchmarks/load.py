"""A bounded load run: gunicorn serving the portal on 127.0.0.1 against this database, and one thread per
signed-in user sending a fixed number of requests (pages and API reads, and every fifth a write: a month's
actual through the API, each user on rows of their own so that no write meets another's 409). It stops by itself
once every request is answered; p50 / p95 and errors are reported.

Only on PostgreSQL: gunicorn's workers are other processes, and the embedded SQLite of a test run is in memory.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.utils.crypto import get_random_string

from benchmarks.measure import signed_in_client
from benchmarks.pages import page_paths
from benchmarks.portfolio import Portfolio
from benchmarks.timing import percentile
from schemes.models import Scheme, SchemeMonth

WORKERS, THREADS = 2, 16  # gthread: 2 processes (the machine's cores) x 16 threads
WRITE_EVERY = 5
TIMEOUT = 60.0


@dataclass
class _User:
    cookie: str
    csrf: str
    reads: list[str]
    months: list[list[int]]  # [id, version] of the scheme months only this user writes
    results: list[tuple[str, int, float]] = field(default_factory=list)  # (kind, status, seconds)
    failures: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _users(portfolio: Portfolio) -> list[_User]:
    users = []
    year = portfolio.latest_year
    organisations = {organisation.pk: organisation for organisation in portfolio.organisations}
    for index, user in enumerate(portfolio.users):
        membership = user.memberships.get()
        organisation = organisations[membership.organisation_id]
        client = signed_in_client(user, organisation.pk, year.pk)
        schemes = list(Scheme.objects.filter(organisation=organisation, year=year).order_by("pk")
                       .values_list("pk", flat=True))
        # Users of the same organisation take different schemes (index // organisations), M1 to M6 of it.
        scheme = schemes[(index // len(organisations)) % len(schemes)]
        months = [[pk, version] for pk, version in SchemeMonth.objects.filter(scheme_id=scheme, month__lte=6)
                  .order_by("month").values_list("pk", "version")]
        csrf = get_random_string(32)  # an unmasked CSRF secret, sent as the cookie and the header alike
        users.append(_User(cookie=f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
                                  f"; {settings.CSRF_COOKIE_NAME}={csrf}", csrf=csrf,
                           reads=list(page_paths(organisation, year, scheme).values()), months=months))
    return users


def _send(user: _User, port: int, requests: int, start: threading.Barrier) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    start.wait()
    for n in range(requests):
        write = n % WRITE_EVERY == WRITE_EVERY - 1
        headers = {"Cookie": user.cookie, "Host": "127.0.0.1"}
        if write:
            month = user.months[n % len(user.months)]
            body = json.dumps({"version": month[1], "actual": str(Decimal(1000 + n))})
            method, path, kind = "PATCH", f"/api/v1/scheme-months/{month[0]}/", "write"
            headers |= {"Content-Type": "application/json", "X-CSRFToken": user.csrf}
        else:
            body, method, kind = None, "GET", "read"
            path = user.reads[n % len(user.reads)]
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            user.failures.append(f"{method} {path}: {error!r}")
            user.results.append((kind, 0, time.perf_counter() - started))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            continue
        user.results.append((kind, status, time.perf_counter() - started))
        if status >= 300:
            user.failures.append(f"{method} {path}: HTTP {status}")
        elif write:
            month[1] = int(json.loads(content)["version"])
    conn.close()


def _serve(port: int) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    # The database this process is connected to (a test run's is not the one DATABASE_URL names).
    db = connection.settings_dict
    credentials = f"{quote(db['USER'] or '')}:{quote(str(db['PASSWORD'] or ''))}@" if db["USER"] else ""
    env |= {"DATABASE_URL": f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "DJANGO_SECURE_SSL_REDIRECT": "false", "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "qipp_portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS), "--timeout", "120",
         "--log-level", "warning"], cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/health/")
            if probe.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("gunicorn did not answer /health/ within 60 s")


def load_run(portfolio: Portfolio, requests: int) -> dict[str, Any]:
    users = len(portfolio.users)
    if connection.vendor != "postgresql":
        return {"skipped": f"on {connection.vendor}: the load run needs PostgreSQL (gunicorn's workers are other "
                           "processes)", "users": users, "requests": 0, "errors": None, "p50_ms": None,
                "p95_ms": None}
    clients = _users(portfolio)
    port = _free_port()
    server = _serve(port)
    start = threading.Barrier(len(clients))
    threads = [threading.Thread(target=_send, args=(user, port, requests, start)) for user in clients]
    started = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    seconds = time.perf_counter() - started
    results = [result for user in clients for result in user.results]
    failures = [failure for user in clients for failure in user.failures]

    def summary(kind: str | None) -> dict[str, Any]:
        times = [elapsed for k, _, elapsed in results if kind in (None, k)]
        return {"requests": len(times), "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
                "p95_ms": round(percentile(times, 0.95) * 1000, 1) if times else None,
                "max_ms": round(max(times) * 1000, 1) if times else None}

    return {"skipped": None, "users": users, **summary(None), "errors": len(failures), "error_examples": failures[:5],
            "reads": summary("read"), "writes": summary("write"), "seconds": round(seconds, 2),
            "requests_per_second": round(len(results) / seconds, 1),
            "server": f"gunicorn gthread {WORKERS} workers x {THREADS} threads, 127.0.0.1:{port}"}
