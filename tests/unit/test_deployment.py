"""The production stack (issue 12): the compose file, `check --deploy` with production settings, the health
endpoint and the session lifetime. Docker cannot run here, so the compose file is checked, not started."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import get_commands
from django.db import DatabaseError
from django.urls import resolve
from django.utils import timezone

from governance import middleware
from governance.models import Role
from tests.factories import OrganisationFactory, member

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "qipp.example.nhs.uk",
              "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-for-the-check-0123456789"}


def _clean_environment(**env: str) -> dict[str, str]:
    ours = ("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "QIPP_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(ours)}, **env}


def test_the_stack_has_web_worker_beat_database_and_redis_each_restarted_and_health_checked() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
        assert "healthcheck" in service and service["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] == ".env"
        assert services[name]["depends_on"] == {"db": {"condition": "service_healthy"},
                                                "redis": {"condition": "service_healthy"}}
    named = set(COMPOSE["volumes"])
    used = {volume.split(":")[0] for service in services.values() for volume in service.get("volumes", [])}
    assert used == named == {"pgdata", "redisdata", "beatschedule"}


def test_the_commands_name_modules_queues_and_urls_that_exist() -> None:
    services = COMPOSE["services"]
    web = " ".join(services["web"]["command"])
    assert "gunicorn qipp_portal.wsgi" in web
    assert {"migrate", "collectstatic"} <= set(get_commands()) and "manage.py migrate" in web
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "qipp_portal"] and command[3] == name
    worker = services["worker"]["command"]
    assert worker[worker.index("-Q") + 1] == settings.CELERY_TASK_DEFAULT_QUEUE
    assert (ROOT / "qipp_portal" / "celery.py").exists() and (ROOT / "qipp_portal" / "wsgi.py").exists()
    health = next(part for part in services["web"]["healthcheck"]["test"] if "/health/" in part)
    assert resolve(re.search(r"http://127\.0\.0\.1:8000(/health/)", health).group(1)).url_name == "health"  # type: ignore[union-attr]


def test_no_secret_is_written_in_the_compose_file_and_every_setting_of_the_example_is_read() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "SECRET_KEY" not in text and "change-me" not in text.lower()
    assert COMPOSE["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    example = (ROOT / ".env.example").read_text()
    keys = re.findall(r"^([A-Z_]+)=", example, flags=re.M)
    read = (ROOT / "qipp_portal" / "settings.py").read_text()
    for key in keys:
        assert key.startswith("POSTGRES_") or f'"{key}"' in read, f"{key} is in .env.example but no setting reads it"
    assert re.search(r"^DJANGO_SECRET_KEY=$", example, flags=re.M)  # left empty: each deployment makes its own


def test_check_deploy_with_production_settings_reports_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_clean_environment(**PRODUCTION), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_secure_http_only_and_same_site() -> None:
    script = ("import django; django.setup(); from django.conf import settings as s; "
              "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
              "s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_AGE, "
              "s.SESSION_MAX_SECONDS)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=_clean_environment(DJANGO_SETTINGS_MODULE="qipp_portal.settings", **PRODUCTION))
    assert result.stdout.split() == ["True", "True", "True", "Lax", "True", "31536000", "1800", "36000"], (
        result.stderr)


@pytest.mark.django_db
def test_health_says_ok_and_503_when_the_database_is_unreachable(client, monkeypatch) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["database"]) == ("ok", "ok")
    health_module = sys.modules["governance.views.health"]  # the module: the package re-exports the view by its name

    class Down:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health_module, "connection", Down())
    assert client.get("/health/").status_code == 503


@pytest.mark.django_db
def test_a_session_ends_after_a_working_day_however_active(client, monkeypatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])
    client.force_login(member(OrganisationFactory(), Role.VIEWER))  # the working day starts at sign-in
    assert client.get("/").status_code in (200, 302)
    now[0] += settings.SESSION_MAX_SECONDS - 60
    assert client.get("/").wsgi_request.user.is_authenticated
    now[0] += 120
    response = client.get("/schemes/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/schemes/")
    assert "signed in for a working day" in client.get(response["Location"]).content.decode()
    assert not client.get("/schemes/").wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_an_active_session_renews_its_idle_expiry_every_few_minutes_not_on_every_request(client, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])
    client.force_login(member(OrganisationFactory(), Role.VIEWER))
    client.get("/")

    def expiry():
        return Session.objects.get().expire_date

    first = expiry()
    assert abs((first - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60  # idle expiry
    now[0] += 30
    client.get("/")
    assert expiry() == first  # not saved again within RENEW_EVERY_SECONDS
    now[0] += middleware.RENEW_EVERY_SECONDS
    client.get("/")
    assert expiry() > first


def test_deployed_static_files_have_hashed_names_served_by_whitenoise(tmp_path) -> None:
    env = _clean_environment(DJANGO_STATIC_ROOT=str(tmp_path), DJANGO_SETTINGS_MODULE="qipp_portal.settings",
                             **PRODUCTION)
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stderr
    script = ("import django; django.setup(); from django.test import Client; "
              "page = Client().get('/accounts/login/', secure=True, HTTP_HOST='qipp.example.nhs.uk'); "
              "print(page.status_code); print(page.content.decode())")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    status, _, page = result.stdout.partition("\n")
    assert status == "200", result.stderr
    css = re.search(r'href="(/static/vendor/nhsuk-frontend/nhsuk-frontend\.min\.[0-9a-f]{12}\.css)"', page)
    assert css, "the stylesheet is not linked by its hashed name"
    served = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.test import Client; "
                               f"r = Client().get('{css.group(1)}', secure=True, HTTP_HOST='qipp.example.nhs.uk'); "
                               "print(r.status_code, r.headers.get('Cache-Control'))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert served.stdout.split()[0] == "200" and "max-age=315360000" in served.stdout, served.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.PMO_EDITOR])
def test_every_user_changes_their_own_password_with_the_validators_in_words(client, role) -> None:
    user = member(OrganisationFactory(), role, username="amy")
    user.set_password("Old-pass-2013!")
    user.save()
    client.login(username="amy", password="Old-pass-2013!")
    assert 'href="/accounts/password/"' in client.get("/").content.decode()
    page = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": "x",
                                              "new_password2": "x"}).content.decode()
    assert "Your old password was entered incorrectly" in page and "There is a problem" in page
    page = client.post("/accounts/password/", {"old_password": "Old-pass-2013!", "new_password1": "password",
                                              "new_password2": "password"}).content.decode()
    assert "This password is too common" in page
    response = client.post("/accounts/password/", {"old_password": "Old-pass-2013!",
                                                  "new_password1": "Bexley-QIPP-appendix-1",
                                                  "new_password2": "Bexley-QIPP-appendix-1"}, follow=True)
    assert "Your password has been changed" in response.content.decode()
    assert client.get("/schemes/").status_code == 200  # still signed in
    client.logout()
    assert not client.login(username="amy", password="Old-pass-2013!")
    assert client.login(username="amy", password="Bexley-QIPP-appendix-1")


@pytest.mark.django_db
def test_signing_out_is_a_post_not_a_link() -> None:
    from django.test import Client

    client = Client()
    client.force_login(member(OrganisationFactory(), Role.VIEWER))
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/schemes/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/schemes/").status_code == 302


def test_no_template_has_an_inline_script_or_style() -> None:
    """A content-security policy without 'unsafe-inline' must not break a page: scripts and styles are files."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in (ROOT / "templates").rglob("*.html")
             for match in inline.finditer(path.read_text())]
    assert found == []


def test_the_web_service_runs_gunicorn_threaded_with_a_worker_per_core() -> None:
    from qipp_portal import gunicorn

    web = " ".join(COMPOSE["services"]["web"]["command"])
    assert "gunicorn qipp_portal.wsgi -c python:qipp_portal.gunicorn" in web and "--workers" not in web
    assert gunicorn.worker_class == "gthread" and gunicorn.threads >= 2
    assert gunicorn.workers == len(os.sched_getaffinity(0)) or "GUNICORN_WORKERS" in os.environ


@pytest.mark.parametrize("process", ["gunicorn worker", "celery worker process"])
def test_a_worker_freezes_what_it_has_loaded_so_collections_skip_it(process: str) -> None:
    from qipp_portal import celery, gunicorn

    assert gc.get_freeze_count() == 0
    try:
        if process == "gunicorn worker":
            gunicorn.post_worker_init(object())
        else:
            celery.worker_process_init.send(sender=None)  # as Celery's pool sends it in each new process
        # Every object loaded so far (the URLconf's views among them) is frozen: a full collection skips them.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_database_connections_persist_and_are_checked_before_reuse() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "db = settings.DATABASES['default']; print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])"],
        cwd=ROOT, capture_output=True, text=True, check=False, env=_clean_environment(
            **PRODUCTION, DJANGO_SETTINGS_MODULE="qipp_portal.settings",
            DATABASE_URL="postgres://qipp:secret@db:5432/qipp"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]
