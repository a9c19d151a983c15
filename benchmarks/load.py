"""A bounded load run: gunicorn serving the portal on 127.0.0.1 against this database, and one thread per
signed-in user sending a fixed number of requests (pages and API reads, and every fifth a write: a month's
actual through the API, each user on rows of their own so that no write meets another's 409). It stops by itself
once every request is answered; p50 / p95 and errors are reported.

Two passes on one server: **paced**, each user waiting a think time between requests (half to one and a half times
the scale's mean: 1.5-4.5 s at national scale, as someone reading a page does, though quicker than anyone reads
a register), which is how 50 signed-in users load the portal; then **closed loop**, each user sending the next
request the moment the last is answered, which measures the server's capacity (its p95 is then about users /
requests a second, whatever the pages cost).

Only on PostgreSQL: gunicorn's workers are other processes, and the embedded SQLite of a test run is in memory.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.utils.crypto import get_random_string

from benchmarks.measure import signed_in_client
from benchmarks.pages import page_paths
from benchmarks.portfolio import Portfolio
from benchmarks.timing import percentile
from qipp_portal import gunicorn as gunicorn_settings
from schemes.models import Scheme, SchemeMonth

WRITE_EVERY = 5
PACED_ACTUALS, CLOSED_LOOP_ACTUALS = 1000, 2000  # the actuals each pass writes start here (£'000)
TIMEOUT = 60.0


@dataclass
class _User:
    cookie: str
    csrf: str
    reads: list[str]
    months: list[list[int]]  # [id, version] of the scheme months only this user writes
    results: list[tuple[str, int, float]] = field(default_factory=list)  # (kind, status, seconds)
    failures: list[str] = field(default_factory=list)


class _CpuMeter:
    """CPU seconds over the run, as cores used (seconds / wall seconds): the load generator (this process's threads),
    gunicorn (its master and workers) and the whole machine (/proc/stat: PostgreSQL and anything else running)."""

    def __init__(self, server: int) -> None:
        self.server = server
        self.generator = time.process_time()
        self.gunicorn = self._tree(server)
        self.machine = self._machine()

    @staticmethod
    def _tree(pid: int) -> float:
        ticks = 0
        pids = [pid]
        while pids:
            current = pids.pop()
            try:
                fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
                pids += [int(child) for child in
                         Path(f"/proc/{current}/task/{current}/children").read_text().split()]
            except (OSError, IndexError, ValueError):
                continue
        return ticks / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _machine() -> float:
        try:
            fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except (OSError, ValueError):
            return 0.0
        return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait

    def used(self, seconds: float) -> dict[str, float | None]:
        if not seconds:
            return {"load_generator": None, "gunicorn": None, "machine": None}
        return {"load_generator": round((time.process_time() - self.generator) / seconds, 2),
                "gunicorn": round((self._tree(self.server) - self.gunicorn) / seconds, 2),
                "machine": round((self._machine() - self.machine) / seconds, 2)}


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


def _send(user: _User, port: int, requests: int, start: threading.Barrier, think: random.Random | None,
          think_seconds: float, first_actual: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    start.wait()
    for n in range(requests):
        if think is not None:  # before every request, the first too: the users do not all start at once
            time.sleep(think.uniform(0.5, 1.5) * think_seconds)
        write = n % WRITE_EVERY == WRITE_EVERY - 1
        headers = {"Cookie": user.cookie, "Host": "127.0.0.1"}
        if write:
            month = user.months[n % len(user.months)]
            body = json.dumps({"version": month[1], "actual": str(Decimal(first_actual + n))})
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


def _environment(static_root: str) -> dict[str, str]:
    """The server's environment: production settings (DEBUG off, static files collected and served by WhiteNoise,
    persistent connections), but plain HTTP on 127.0.0.1 and Celery eager as in this process."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "CELERY_BROKER_URL") and not key.startswith("DJANGO_")}
    # The database this process is connected to (a test run's is not the one DATABASE_URL names).
    db = connection.settings_dict
    credentials = f"{quote(db['USER'] or '')}:{quote(str(db['PASSWORD'] or ''))}@" if db["USER"] else ""
    return env | {
        "DATABASE_URL": f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # This process's key: the sessions it signed the users in with are signed with it.
        "DJANGO_SECRET_KEY": str(settings.SECRET_KEY), "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_HSTS_SECONDS": "0", "PYTHONUNBUFFERED": "1"}


def _serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Debug off stores static files under hashed names (WhiteNoise's manifest), so they are collected first.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=settings.BASE_DIR,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "qipp_portal.wsgi:application", "-c", "python:qipp_portal.gunicorn",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=settings.BASE_DIR, env=env,
        stdout=subprocess.DEVNULL)
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


def _pass(clients: list[_User], port: int, server: subprocess.Popen[bytes], requests: int,
          think_seconds: float | None, first_actual: int) -> dict[str, Any]:
    """One pass of every user's requests (with think time when think_seconds is given): timings, errors, cores.
    Its writes are actuals from `first_actual` up, so that each pass changes what the one before wrote."""
    for user in clients:
        user.results, user.failures = [], []
    start = threading.Barrier(len(clients))
    threads = [threading.Thread(target=_send, args=(
        user, port, requests, start, None if think_seconds is None else random.Random(index), think_seconds or 0.0,
        first_actual))
        for index, user in enumerate(clients)]
    cpu = _CpuMeter(server.pid)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    used = cpu.used(seconds)
    results = [result for user in clients for result in user.results]
    failures = [failure for user in clients for failure in user.failures]

    def summary(kind: str | None) -> dict[str, Any]:
        times = [elapsed for k, _, elapsed in results if kind in (None, k)]
        return {"requests": len(times), "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
                "p95_ms": round(percentile(times, 0.95) * 1000, 1) if times else None,
                "max_ms": round(max(times) * 1000, 1) if times else None}

    return {**summary(None), "errors": len(failures), "error_examples": failures[:5], "reads": summary("read"),
            "writes": summary("write"), "seconds": round(seconds, 2),
            "requests_per_second": round(len(results) / seconds, 1), "cpu_cores_used": used}


def load_run(portfolio: Portfolio, requests: int, think_seconds: float) -> dict[str, Any]:
    """The closed-loop pass's figures at the top (the stress case), the paced pass's under "paced"."""
    users = len(portfolio.users)
    if connection.vendor != "postgresql":
        return {"skipped": f"on {connection.vendor}: the load run needs PostgreSQL (gunicorn's workers are other "
                           "processes)", "users": users, "requests": 0, "errors": None, "p50_ms": None,
                "p95_ms": None, "paced": None}
    clients = _users(portfolio)
    port = _free_port()
    static_root = tempfile.mkdtemp(prefix="qipp-load-static-")
    try:
        server = _serve(port, _environment(static_root))
        try:
            paced = _pass(clients, port, server, requests, think_seconds, PACED_ACTUALS)
            closed_loop = _pass(clients, port, server, requests, None, CLOSED_LOOP_ACTUALS)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    return {"skipped": None, "users": users, **closed_loop,
            "paced": {"think_seconds_mean": think_seconds, **paced},
            "server": f"gunicorn {gunicorn_settings.worker_class} {gunicorn_settings.workers} workers x "
                      f"{gunicorn_settings.threads} threads (qipp_portal/gunicorn.py), DEBUG off, 127.0.0.1:{port}"}
