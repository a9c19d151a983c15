"""The portal's processes as deployed, without Docker: a Redis of a test's own, gunicorn serving the app on
127.0.0.1, and a client that signs in and saves through the pages over HTTP (CSRF and all).

Every process is started by a test and stopped in its teardown; every wait is bounded.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import ROOT, start_process, stop_process, wait_for

HTTP_TIMEOUT = 20.0


def free_port(first: int, last: int) -> int:
    """A port in first..last that nothing on 127.0.0.1 listens on."""
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port between {first} and {last}")


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class RedisServer:
    """A `redis-server` of a test's own (no persistence), which the test can stop and start again."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(lambda: listening(self.port), timeout=20):
            self.stop()
            pytest.fail(f"redis-server did not listen on {self.port} within 20 seconds")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        assert wait_for(lambda: not listening(self.port), timeout=10), "redis-server is still listening"


def start_gunicorn(port: int, **extra_env: str) -> subprocess.Popen[bytes]:
    """`gunicorn qipp_portal.wsgi` on 127.0.0.1:`port` with this run's test database; waits for /health/."""
    process = start_process(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "qipp_portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "60", "--graceful-timeout", "10", "--access-logfile", "-",
         "--no-control-socket"],  # one fixed path per user otherwise: two test runs at once would share it
        "Booting worker", **extra_env)

    def healthy() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/health/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    if not wait_for(healthy, timeout=60, interval=0.3):
        stop_process(process)
        pytest.fail(f"gunicorn did not answer /health/ within 60 seconds: see {ROOT / '.pytest-gunicorn.log'}")
    return process


class _Inputs(HTMLParser):
    """Every named <input> of a page: name -> value."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name"):
            self.values[str(named["name"])] = named.get("value") or ""


def page_inputs(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.values


@dataclass
class Browser:
    """A person at the portal over HTTP: signs in through the login page, then posts forms as the pages draw them."""

    base: str
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, timeout=HTTP_TIMEOUT)

    def post_form(self, path: str, changes: dict[str, str]) -> requests.Response:
        """The form on `path` as the page drew it (its CSRF token and hidden versions), with `changes` typed in."""
        form = page_inputs(self.get(path).text)
        assert "csrfmiddlewaretoken" in form, f"no form on {path}"
        return self.session.post(self.base + path, data={**form, **changes}, timeout=HTTP_TIMEOUT,
                                 headers={"Referer": self.base + path})

    def sign_in(self, username: str, password: str) -> None:
        response = self.post_form("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 200 and "/accounts/login/" not in response.url, response.text[:2000]


def text_of(html: str) -> str:
    """A page's words without tags (for asserting what a person reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
