import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qipp_portal.settings")

app = Celery("qipp_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_loaded_objects(**signal: Any) -> None:
    # As in gunicorn's workers (qipp_portal/gunicorn.py): what a worker process starts with is never garbage, so
    # full collections need not walk it inside every job.
    from qipp_portal.gunicorn import freeze_loaded_objects

    freeze_loaded_objects()
