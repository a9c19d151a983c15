from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from governance.models import Membership, Organisation
from risks.models import Risk
from schemes.models import Scheme

ROOT = Path(__file__).resolve().parents[2]
DEVELOPER = {"DJANGO_DEBUG": "true"}  # what `make run` and the tests set


def settings_load(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh process whose environment has only `env` of ours."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
                               "settings.DEBUG)"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "qipp_portal.settings", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_no_database_or_broker_means_sqlite_and_eager_celery():
    result = settings_load(**DEVELOPER)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_debug_is_off_without_django_debug_in_the_environment():
    result = settings_load(DJANGO_SECRET_KEY="a-real-secret-key-for-this-test-only-0123456789")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "False"]
    # With nothing at all, debug is off too, so the settings refuse to start without a real key.
    result = settings_load()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_database_and_redis_urls_switch_to_postgresql_and_a_broker():
    result = settings_load(DATABASE_URL="postgres://postgres@127.0.0.1:5432/qipp", REDIS_URL="redis://127.0.0.1:6379/0",
                           **DEVELOPER)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "True"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "ture"}, "DJANGO_DEBUG must be one of"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY must be set"),
        ({**DEVELOPER, "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a URL starting with"),
        ({**DEVELOPER, "REDIS_URL": "localhost:6379"}, "REDIS_URL must be a URL starting with"),
        ({**DEVELOPER, "DATABASE_CONN_MAX_AGE": "forever", "DATABASE_URL": "postgres://h/d"}, "must be a whole number"),
    ],
)
def test_bad_settings_fail_loudly(env, message):
    result = settings_load(**env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_load_demo_is_idempotent(django_capture_on_commit_callbacks, settings):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    counts = (Organisation.objects.count(), Scheme.objects.count(), Membership.objects.count(),
              Scheme.history.count(), Risk.history.count())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    assert counts == (Organisation.objects.count(), Scheme.objects.count(), Membership.objects.count(),
                      Scheme.history.count(), Risk.history.count())
    assert {o.ods_code for o in Organisation.objects.all()} == {"07N", "05N", "5P5", "06H"}
    assert Membership.objects.filter(user__username="viewer").count() == 4


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_load_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="refuses to run with DJANGO_DEBUG off"):
        call_command("load_demo")
    assert Scheme.objects.count() == 0


@pytest.mark.django_db
def test_load_demo_prints_the_users(capsys, django_capture_on_commit_callbacks, settings):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    out = capsys.readouterr().out
    assert "pmo      password pmo-demo-2013" in out
