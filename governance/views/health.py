"""`/health/`: what the container health check and a load balancer ask. Signed-in or not, it says only whether
this web process reaches its database and its broker, each on its own, as JSON: 200 while the database answers
(a broker that is down delays background work, saves still land: docs/adr/0007), 503 when it does not."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as BrokerUnavailable

from governance.services import outbox_pending

OK, UNAVAILABLE = "ok", "unavailable"


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return UNAVAILABLE
    return OK


def broker_status() -> str:
    """Whether this process can connect to the broker now (one try, within the broker's connect timeout)."""
    if current_app.conf.task_always_eager:
        return "not used: tasks run in the web process"
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except (BrokerUnavailable, OSError) as error:
        return f"{UNAVAILABLE}: {type(error).__name__}"
    return OK


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    body: dict[str, Any] = {"database": database_status(), "broker": broker_status()}
    if body["database"] == OK:
        # Tasks saves asked for that the broker has not taken yet (sent when it is back).
        body["tasks_waiting"] = outbox_pending()
    body["status"] = OK if body["database"] == OK else UNAVAILABLE
    return JsonResponse(body, status=200 if body["database"] == OK else 503)
