"""Faults (issue 12): a database that cannot be reached answers 503 and leaves nothing half-written; a save made
while the broker is down lands, keeps its task in the outbox, and the task is sent when the broker is back
(docs/adr/0007-broker-outage.md). The real outage, with a Redis stopped and started, is in
tests/integration/test_live_stack.py."""

from __future__ import annotations

import importlib
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery import Celery
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerUnavailable
from rest_framework.test import APIClient

from governance import services as governance_services
from governance.models import OutboxMessage, Role
from governance.services import outbox as outbox_module
from schemes import services
from schemes.models import Scheme, SchemeMonth
from schemes.services import tracking as tracking_module
from schemes.tasks import recompute_organisation_figures, recompute_scheme_figures
from tests.factories import OrganisationFactory, SchemeFactory, UserFactory, api_key, member
from tests.unit.test_pages_tracking import tracker_post

pytestmark = pytest.mark.django_db
D = Decimal
# The module: the package re-exports the view under the module's name.
health_module = importlib.import_module("governance.views.health")


@pytest.fixture
def scheme() -> Scheme:
    organisation = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    made = SchemeFactory(organisation=organisation, reference="15b", name="GP referrals",
                         go_live=date(2013, 7, 1), gross_saving=D("602000"))
    return services.scheme_recompute(scheme_id=made.pk)


@pytest.fixture
def broker_down(monkeypatch):
    """Every send of the recompute task fails as kombu's does once its retries are spent; `.up()` ends the outage."""

    class Outage:
        def __init__(self, sending: pytest.MonkeyPatch) -> None:
            self.tries = 0
            self.up = sending.undo  # the broker is back: sends go through again

        def send(self, *args, **kwargs):
            self.tries += 1
            raise BrokerUnavailable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox_module, "_broker_failed", False)
    with pytest.MonkeyPatch.context() as sending:
        outage = Outage(sending)
        for task in (recompute_scheme_figures, recompute_organisation_figures):
            sending.setattr(task, "apply_async", outage.send)
        yield outage


# --- Database down: 503 -----------------------------------------------------------------------------------


def test_a_save_whose_database_goes_away_answers_503_in_words_and_nothing_is_half_written(
        client, scheme, monkeypatch) -> None:
    pmo = member(scheme.organisation, Role.PMO_EDITOR)
    client.force_login(pmo)

    def lost(ids):  # the connection is lost after the month's row was written, inside the service's transaction
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tracking_module, "schedule_recompute", lost)
    response = client.post(f"/schemes/{scheme.pk}/tracker/", tracker_post(scheme, a4="60000"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "<title>Service unavailable – QIPP portal</title>" in html
    assert "Sorry, the service is unavailable" in html and "it has not been saved" in html
    assert "Traceback" not in html and "OperationalError" not in html and "server closed" not in html
    assert 'class="nhsuk-header' in html and "nhsuk-frontend.min.css" in html  # the design system's page
    row = SchemeMonth.objects.get(scheme=scheme, month=4)
    assert (row.actual, row.version) == (None, 1)  # rolled back with the service's transaction
    assert not row.history.filter(actual=D("60000")).exists()
    assert not OutboxMessage.objects.exists()


def test_the_api_answers_503_with_its_one_error_body(scheme, monkeypatch) -> None:
    pmo = member(scheme.organisation, Role.PMO_EDITOR)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(pmo)}")
    monkeypatch.setattr(tracking_module, "schedule_recompute",
                        lambda ids: (_ for _ in ()).throw(InterfaceError("connection already closed")))
    month = SchemeMonth.objects.get(scheme=scheme, month=3)
    response = api.patch(f"/api/v1/scheme-months/{month.pk}/", {"version": 1, "actual": "5000"}, format="json")
    assert response.status_code == 503
    assert response.json() == {"code": "service_unavailable", "detail": (
        "The QIPP portal is not available at the moment. If you were saving a change, it has not been saved. "
        "Please try again in a few minutes.")}
    assert SchemeMonth.objects.get(pk=month.pk).actual is None


def test_a_database_lost_before_the_view_reading_the_session_and_user_answers_503(client, scheme, monkeypatch) -> None:
    client.force_login(member(scheme.organisation, Role.VIEWER))

    def lost(request):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("django.contrib.auth.get_user", lost)
    response = client.get("/schemes/")
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.content.decode()
    assert client.get("/api/v1/schemes/").json()["code"] == "service_unavailable"


def test_other_errors_are_not_dressed_up_as_an_outage(client, scheme, monkeypatch) -> None:
    client.force_login(member(scheme.organisation, Role.PMO_EDITOR))
    monkeypatch.setattr(tracking_module, "schedule_recompute", lambda ids: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        client.post(f"/schemes/{scheme.pk}/tracker/", tracker_post(scheme, a4="60000"))


# --- /health/: the database and the broker, each on its own ----------------------------------------------


def refused_broker() -> Celery:
    """The portal's Celery settings with a real broker that refuses connections (nothing listens on port 1).

    Not made the current app: the rest of the session keeps the portal's own.
    """
    app = Celery("refused", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    return app


def test_health_reports_the_database_and_the_broker_separately(client, monkeypatch) -> None:
    body = client.get("/health/").json()
    assert body == {"status": "ok", "database": "ok", "broker": "not used: tasks run in the web process",
                    "tasks_waiting": 0}
    # A real broker that refuses connections: still 200 (saves land, their tasks wait), the broker unavailable.
    monkeypatch.setattr(health_module, "current_app", refused_broker())
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["broker"] == "unavailable: OperationalError"
    assert response.json()["database"] == "ok"


def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch) -> None:
    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health_module, "connection", Down())
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable",
                               "broker": "not used: tasks run in the web process"}


# --- Broker down: the save lands, its task waits in the outbox --------------------------------------------


def test_a_save_while_the_broker_is_down_lands_and_its_recompute_waits_in_the_outbox(
        client, scheme, broker_down, django_capture_on_commit_callbacks) -> None:
    client.force_login(member(scheme.organisation, Role.PMO_EDITOR))
    computed_at = scheme.figures_computed_at
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/schemes/{scheme.pk}/tracker/", tracker_post(scheme, a4="60000"))
    assert response.status_code == 302  # the user's save succeeded
    assert "Saved M4 Jul-13 for 15b." in client.get(response["Location"]).content.decode()
    assert SchemeMonth.objects.get(scheme=scheme, month=4).actual == D("60000")
    assert broker_down.tries == 1
    pending = OutboxMessage.objects.get()
    assert (pending.task, pending.arguments, pending.attempts) == (
        "schemes.tasks.recompute_scheme_figures", [[scheme.pk]], 1)
    assert "Connection refused" in pending.last_error
    assert Scheme.objects.get(pk=scheme.pk).figures_computed_at == computed_at  # not recomputed yet
    assert client.get("/health/").json()["tasks_waiting"] == 1

    assert governance_services.outbox_sweep() == 0  # still down: kept, tried again
    assert OutboxMessage.objects.get().attempts == 1  # too young for the sweep (its send may be in flight)
    assert governance_services.outbox_sweep(older_than=timedelta(0)) == 0
    assert OutboxMessage.objects.get().attempts == 2

    broker_down.up()
    assert governance_services.outbox_sweep(older_than=timedelta(0)) == 1
    assert not OutboxMessage.objects.exists()
    assert Scheme.objects.get(pk=scheme.pk).figures_computed_at > computed_at  # the recompute ran


def test_the_next_save_that_reaches_the_broker_sends_what_was_left_behind(
        scheme, broker_down, django_capture_on_commit_callbacks) -> None:
    pmo = member(scheme.organisation, Role.PMO_EDITOR)
    other = SchemeFactory(organisation=scheme.organisation, year=scheme.year, reference="16", name="Other")
    with django_capture_on_commit_callbacks(execute=True):
        services.scheme_update(actor=pmo, scheme=scheme, expected_version=scheme.version, changes={"name": "Down"})
    assert OutboxMessage.objects.count() == 1
    broker_down.up()
    with django_capture_on_commit_callbacks(execute=True):
        services.scheme_update(actor=pmo, scheme=other, expected_version=other.version, changes={"name": "Back"})
    assert not OutboxMessage.objects.exists()  # its own task and the one kept while the broker was down
    assert Scheme.objects.get(pk=scheme.pk).figures_computed_at is not None
    assert Scheme.objects.get(pk=other.pk).figures_computed_at is not None


def test_a_save_that_rolls_back_leaves_no_task(scheme, django_capture_on_commit_callbacks) -> None:
    pmo = member(scheme.organisation, Role.PMO_EDITOR)
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        services.scheme_update(actor=pmo, scheme=scheme, expected_version=scheme.version, changes={"name": "Never"})
        assert OutboxMessage.objects.count() == 1  # written in the save's own transaction
        raise RuntimeError("the request failed after the save")
    assert callbacks == [] and not OutboxMessage.objects.exists()
    assert Scheme.objects.get(pk=scheme.pk).name == "GP referrals"


def test_a_sent_task_leaves_nothing_in_the_outbox(scheme, django_capture_on_commit_callbacks) -> None:
    pmo = member(scheme.organisation, Role.PMO_EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        services.scheme_month_update(actor=pmo, scheme=scheme, edits=[
            services.MonthEdit(month=4, expected_version=1, actual=D("1000"), forecast=None)])
    assert not OutboxMessage.objects.exists()


def test_sending_to_a_broker_that_refuses_gives_up_within_two_seconds() -> None:
    """A request never hangs on a broker that is down: the settings' publish retries and connect timeout."""
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] == 2
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable):
        refused_broker().send_task("schemes.tasks.recompute_scheme_figures", args=[[1]])
    assert time.monotonic() - started < 2


def test_a_task_that_fails_as_it_runs_eagerly_is_not_kept(scheme, monkeypatch,
                                                          django_capture_on_commit_callbacks) -> None:
    """Only a broker that cannot be reached keeps a task: an error of the task itself is raised, as without it."""
    def broken(*args, **kwargs):
        raise ValueError("a bug in the task")

    monkeypatch.setattr(recompute_scheme_figures, "apply_async", broken)
    pmo = member(scheme.organisation, Role.PMO_EDITOR)
    with pytest.raises(ValueError, match="a bug in the task"), django_capture_on_commit_callbacks(execute=True):
        services.scheme_update(actor=pmo, scheme=scheme, expected_version=scheme.version, changes={"name": "Bug"})
    assert Scheme.objects.get(pk=scheme.pk).name == "Bug"  # committed before the task ran
    assert not OutboxMessage.objects.exists()


def test_new_rag_factors_while_the_broker_is_down_keep_the_organisations_recompute(
        scheme, broker_down, django_capture_on_commit_callbacks) -> None:
    superuser = UserFactory(is_superuser=True, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        governance_services.organisation_rag_factors_set(
            actor=superuser, organisation=scheme.organisation, green_factor=D("0.95"), amber_factor=D("0.55"),
            red_factor=D("0.15"))
    pending = OutboxMessage.objects.get()  # kept with the change, which committed
    assert (pending.task, pending.arguments) == ("schemes.tasks.recompute_organisation_figures",
                                                 [scheme.organisation_id])
    broker_down.up()
    assert governance_services.outbox_sweep(older_than=timedelta(0)) == 1
    assert not OutboxMessage.objects.exists()
