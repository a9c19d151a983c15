"""Backups (issue 12): scripts/backup.sh dumps the demo data, scripts/restore.sh restores it into another database,
and every table there equals the original exactly (its rows counted and hashed in order, via SQL over
information_schema), its sequences too; restoring again over a database that has changed since gives it back.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg2  # type: ignore[import-untyped]  # psycopg2-binary ships no types; Django uses it untyped too
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.integration.conftest import ROOT, wait_for_worker_idle, worker_environment

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT_TIMEOUT = 120


def database_url(name: str) -> str:
    return urlparse(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


@contextmanager
def cursor_on(name: str) -> Iterator[Any]:
    """A cursor on the database `name`, in autocommit (CREATE and DROP DATABASE need it); closed afterwards."""
    connection = psycopg2.connect(database_url(name))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def run_script(script: str, *args: str, database: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *args], cwd=ROOT, capture_output=True, text=True,
        timeout=SCRIPT_TIMEOUT, env={**worker_environment(), "DATABASE_URL": database_url(database)},
    )
    assert result.returncode == 0, result.stderr
    return result


def fingerprint(name: str) -> dict[str, tuple[int, str]]:
    """Every table of the database: (rows, md5 of its rows as text in order); every sequence: (last value, "")."""
    with cursor_on(name) as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                       "AND table_type = 'BASE TABLE' ORDER BY table_name")
        tables = [row[0] for row in cursor.fetchall()]
        found: dict[str, tuple[int, str]] = {}
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            cursor.execute(f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "  # noqa: S608 - names from information_schema
                           f"FROM {quoted} AS t")
            found[table] = cursor.fetchone()
        cursor.execute("SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'public'")
        found.update({f"sequence {name}": (value, "") for name, value in cursor.fetchall()})
    return found


@pytest.fixture
def restore_database() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{settings.DATABASES['default']['NAME']}_restore"
    with cursor_on("postgres") as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with cursor_on("postgres") as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_of_the_demo_data_restores_into_another_database_exactly(
        celery_worker_process, restore_database, tmp_path: Path) -> None:
    call_command("load_demo", allow_without_debug=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # The demo's recomputes go to the worker: the data is what it will stay once they are done (the worker is
    # asked for, whatever ran before, so the test is the same alone or after others that started it).
    assert wait_for_worker_idle()
    source = settings.DATABASES["default"]["NAME"]
    original = fingerprint(source)
    assert original["schemes_scheme"][0] > 40 and original["governance_organisation"][0] == 4  # the demo is there
    assert original["django_migrations"][0] > 0 and original["schemes_historicalscheme"][0] > 0

    dump = tmp_path / "qipp.dump"
    assert "Backed up to" in run_script("backup.sh", str(dump), database=source).stdout
    assert dump.stat().st_size > 0 and not Path(f"{dump}.partial").exists()
    run_script("restore.sh", "--yes", str(dump), database=restore_database)
    restored = fingerprint(restore_database)
    assert set(restored) == set(original)
    assert {table: restored[table] for table in original if restored[table] != original[table]} == {}

    # A database that changed since (a row lost, one added) is given back as it was backed up.
    with cursor_on(restore_database) as cursor:
        cursor.execute("DELETE FROM schemes_schememonth WHERE id = (SELECT min(id) FROM schemes_schememonth)")
        cursor.execute("UPDATE governance_organisation SET name = 'Changed' WHERE ods_code = '07N'")
    assert fingerprint(restore_database) != original
    run_script("restore.sh", "--yes", str(dump), database=restore_database)
    assert fingerprint(restore_database) == original


def test_restore_asks_before_replacing_a_database(tmp_path: Path) -> None:
    dump = tmp_path / "qipp.dump"
    dump.write_bytes(b"not restored")
    result = subprocess.run(["bash", str(ROOT / "scripts" / "restore.sh"), str(dump)], cwd=ROOT, capture_output=True,
                            text=True, timeout=SCRIPT_TIMEOUT, stdin=subprocess.DEVNULL,
                            env={**worker_environment(), "DATABASE_URL": database_url("nothing_here")})
    assert result.returncode == 2 and "pass --yes" in result.stderr
