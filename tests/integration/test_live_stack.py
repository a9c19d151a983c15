"""The deployed processes without Docker (issue 12): gunicorn serving the portal, a Celery worker and beat, on
this machine's PostgreSQL (this run's test database) and a Redis of the module's own, driven over HTTP on
127.0.0.1 as a person would: sign in, record a monthly actual through the tracker page, read the figures the
worker recomputed. Then the broker goes down (that Redis is stopped): a save still lands, its recompute waits in
the outbox, and once Redis is back the worker and beat's sweep carry it out (docs/adr/0007-broker-outage.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from governance.models import OutboxMessage, Role
from schemes.models import Scheme, SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member
from tests.integration.conftest import ROOT, start_celery_beat, start_celery_worker, stop_process, wait_for
from tests.integration.live import Browser, RedisServer, free_port, log_tail, start_gunicorn, text_of

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
PASSWORD = "correct-horse-battery"
QUEUE = "qipp-live-stack"
# Beat sends only the outbox sweep, every second, and sends it rows a second old; the nightly jobs stay
# at night (tests/integration/test_scheduled_jobs_with_worker.py runs them).
BACKGROUND_ENV = {"CELERY_QUEUE": QUEUE, "QIPP_OUTBOX_SWEEP_SCHEDULE": "1", "QIPP_OUTBOX_SWEEP_AFTER_SECONDS": "1",
                  "QIPP_NIGHTLY_RECOMPUTE_SCHEDULE": "0 4 29 2 *", "QIPP_MONTH_END_REPORT_SWEEP_SCHEDULE": "0 4 29 2 *"}


@dataclass
class Stack:
    redis: RedisServer
    folder: Path
    port: int = 0
    web: object = None
    background: list = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {**BACKGROUND_ENV, "REDIS_URL": self.redis.url}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_background(self) -> None:
        self.background = [start_celery_worker("live-worker", QUEUE, **self.env),
                           start_celery_beat("live-beat", self.folder, **self.env)]

    def stop_background(self) -> None:
        for process in self.background:
            stop_process(process)
        self.background = []

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{log_tail(ROOT / name)}" for name in (
            ".pytest-gunicorn.log", ".pytest-celery-live-worker.log", ".pytest-celery-live-beat.log"))


@pytest.fixture(scope="module")
def stack(django_db_setup) -> Iterator[Stack]:
    with tempfile.TemporaryDirectory() as folder:
        made = Stack(redis=RedisServer(free_port(6300, 6399)), folder=Path(folder))
        made.redis.start()
        made.port = free_port(8300, 8399)
        try:
            made.web = start_gunicorn(made.port, **made.env)
            made.start_background()
            yield made
        finally:
            made.stop_background()
            if made.web is not None:
                stop_process(made.web)  # type: ignore[arg-type]
            made.redis.stop()


def bexley_15b(ods_code: str) -> tuple[Scheme, str]:
    """Bexley's 15b (FYE £602,000 from Jul-13: plan in year £451,500), its figures not computed yet, and a PMO
    editor's username."""
    organisation = OrganisationFactory(ods_code=ods_code, name=f"NHS {ods_code} CCG")
    scheme = SchemeFactory(organisation=organisation, year=FinancialYearFactory(start_year=2013), reference="15b",
                           name="GP QIPP - Reduction in Referrals 5%", go_live=date(2013, 7, 1),
                           gross_saving=D("602000"))
    assert scheme.figures_computed_at is None
    pmo = member(organisation, Role.PMO_EDITOR, username=f"{ods_code.lower()}-pmo")
    # Hashed as the server's settings hash (the tests' own settings use a fast hasher gunicorn does not know).
    pmo.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    pmo.save(update_fields=["password"])
    return scheme, pmo.username


def test_signed_in_over_http_a_monthly_actual_is_saved_and_the_worker_recomputes_the_figures(stack) -> None:
    scheme, username = bexley_15b("LIV1")
    browser = Browser(stack.base)
    browser.sign_in(username, PASSWORD)
    health = browser.get("/health/").json()
    assert (health["database"], health["broker"], health["tasks_waiting"]) == ("ok", "ok", 0)

    response = browser.post_form(f"/schemes/{scheme.pk}/tracker/", {"actual_4": "48,000"})
    assert response.status_code == 200 and response.history[0].status_code == 302, response.text[:2000]
    assert "Saved M4 Jul-13 for 15b." in text_of(response.text)
    row = SchemeMonth.objects.get(scheme=scheme, month=4)
    assert (row.actual, row.version, row.updated_by.username) == (D("48000"), 1, username)  # type: ignore[union-attr]

    # The save's recompute, sent on commit, carried out by the worker.
    assert wait_for(lambda: Scheme.objects.get(pk=scheme.pk).figures_computed_at is not None, timeout=60), (
        stack.logs())
    computed = Scheme.objects.get(pk=scheme.pk)
    assert (computed.full_year_effect, computed.plan_in_year, computed.months_in_year) == (
        D("602000.00"), D("451500.00"), 9)
    assert not OutboxMessage.objects.exists()
    page = text_of(browser.get(f"/schemes/{scheme.pk}/tracker/").text)
    assert "£48,000" in page and "Monthly plan last computed at" in page
    assert "£451,500" in text_of(browser.get(f"/schemes/{scheme.pk}/").text)


def test_a_save_while_redis_is_down_lands_and_is_recomputed_once_redis_is_back(stack) -> None:
    scheme, username = bexley_15b("LIV2")
    browser = Browser(stack.base)
    browser.sign_in(username, PASSWORD)
    stack.stop_background()
    stack.redis.stop()
    try:
        health = browser.get("/health/")
        assert health.status_code == 200  # the database answers: saves still land
        assert health.json()["broker"].startswith("unavailable")

        response = browser.post_form(f"/schemes/{scheme.pk}/tracker/", {"actual_4": "48,000"})
        assert response.status_code == 200 and "Saved M4 Jul-13 for 15b." in text_of(response.text), (
            response.text[:2000])
        # The broker's part of the save is bounded (about 0.4 s against a refused port): no request hangs.
        assert response.history[0].elapsed < timedelta(seconds=5)
        assert SchemeMonth.objects.get(scheme=scheme, month=4).actual == D("48000")
        pending = OutboxMessage.objects.get()
        assert (pending.task, pending.arguments, pending.attempts) == (
            "schemes.tasks.recompute_scheme_figures", [[scheme.pk]], 1)
        assert Scheme.objects.get(pk=scheme.pk).figures_computed_at is None
        assert browser.get("/health/").json()["tasks_waiting"] == 1
    finally:
        stack.redis.start()
    stack.start_background()
    # Beat's sweep sends the kept task to the restarted Redis; the worker recomputes.
    assert wait_for(lambda: Scheme.objects.get(pk=scheme.pk).figures_computed_at is not None, timeout=60), (
        stack.logs())
    assert Scheme.objects.get(pk=scheme.pk).plan_in_year == D("451500.00")
    assert wait_for(lambda: not OutboxMessage.objects.exists(), timeout=10)
    assert browser.get("/health/").json() == {"status": "ok", "database": "ok", "broker": "ok", "tasks_waiting": 0}
