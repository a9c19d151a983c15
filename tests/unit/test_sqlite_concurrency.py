"""Concurrent saves on the embedded default (SQLite): one wins, the others answer 409, none 500.

Issue 6, section 4: 2 to 5 people saving the same scheme, key stage, override, director's assessment,
panel rating, stage or monthly tracker at the same moment. SQLite ignores select_for_update, so the settings make
every transaction take the write lock as it begins (BEGIN IMMEDIATE), wait its turn (busy timeout) and
read in WAL mode. Each round releases real threads together through a barrier, each with its own test
client, session and database connection, against a SQLite file (threads cannot share the in-memory
test database). Exactly one save per round succeeds, the rest answer 409 Conflict, nothing answers
500 "database is locked", and the stored figures are what the engine gives from the saved inputs,
recomputed after the winning save committed.
"""

from __future__ import annotations

import sqlite3
import threading
import traceback
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.models import Role
from schemes import engine, services
from schemes.models import (
    DirectorAssessment,
    FigureOverride,
    KeyStage,
    PanelSitting,
    Scheme,
    SchemeMonth,
    SchemeRating,
    Stage,
    StageChange,
)
from schemes.selectors import newest_assessment, override_token, rating_tokens, recompute_inputs
from tests.factories import OrganisationFactory, ProgrammeFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = (2, 3, 4, 5, 2, 5)  # clients racing in each round
SAVED, CONFLICT = 302, 409
FIGURES = ("full_year_effect", "months_in_year", "plan_in_year", "next_year_effect", "most_likely",
           "adjusted_months", "director_value", "director_next_year")


# --- A SQLite file for this module ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """This module's tests run on a file copy of the session's in-memory test database.

    Threads cannot share an in-memory SQLite database the way separate server processes share the
    embedded default's file. The session's database (already migrated) is copied into a temporary
    file with SQLite's backup API; the default alias points at the file for this module, and back at
    the in-memory database, untouched, afterwards.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if not isinstance(db, SQLiteDatabaseWrapper) or not db.is_in_memory_db():
        yield  # already a file (or PostgreSQL): nothing to do
        return
    path = tmp_path_factory.mktemp("sqlite") / "concurrency.sqlite3"
    with django_db_blocker.unblock():
        db.ensure_connection()
        memory_name, memory = db.settings_dict["NAME"], db.connection
        with closing(sqlite3.connect(path)) as copy:
            memory.backup(copy)
        # Detach without closing: the in-memory database lives as long as this connection is open.
        db.connection = None
        db.settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            db.close()
            db.settings_dict["NAME"] = memory_name
            db.connection = memory


# --- Racing clients ------------------------------------------------------------------------------------


@dataclass
class World:
    scheme: Scheme
    editors: list[Client]  # PMO editors: scheme, key stages, tracker, stage gates
    panel: list[Client]  # panel members: overrides, directors' assessments


@pytest.fixture
def world() -> World:
    org = OrganisationFactory(name="NHS Concurrency CCG")
    programme = ProgrammeFactory(organisation=org, name="Primary care")
    made = SchemeFactory(organisation=org, programme=programme, reference="15b", name="GP QIPP",
                         go_live=date(2013, 7, 1), gross_saving=D("602000"))
    scheme = services.scheme_recompute(scheme_id=made.pk)

    def clients(role: str) -> list[Client]:
        logged_in = []
        for _ in range(max(ROUNDS)):
            client = Client(raise_request_exception=False)  # a server error is a 500 answer, as users see it
            client.force_login(member(org, role))
            logged_in.append(client)
        return logged_in

    return World(scheme=scheme, editors=clients(Role.PMO_EDITOR), panel=clients(Role.PANEL_MEMBER))


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """Tracebacks of any exception a view raised during the test (from every thread)."""
    errors: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        errors.append(traceback.format_exc())

    got_request_exception.connect(record, weak=False)
    try:
        yield errors
    finally:
        got_request_exception.disconnect(record)


def race(clients: list[Client], url: str, forms: list[dict[str, Any]]) -> list[Any]:
    """POST forms[i] with clients[i], all released at once; returns each status code (or exception)."""
    barrier = threading.Barrier(len(forms))
    results: list[Any] = [None] * len(forms)

    def post(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = clients[index].post(url, forms[index]).status_code
        except BaseException as error:  # kept, and reported by the caller's assertion
            results[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=post, args=(i,), name=f"client-{i}") for i in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a client never finished"
    return results


def one_saved_rest_conflict(results: list[Any], errors: list[str]) -> int:
    """Exactly one save per round, the others 409 and no 500; returns the winner's index."""
    assert not errors, "\n".join(errors)
    assert all(isinstance(r, int) for r in results), results
    assert sorted(results) == [SAVED] + [CONFLICT] * (len(results) - 1), results
    return results.index(SAVED)


def assert_figures_recomputed(scheme: Scheme, since: Any) -> Scheme:
    """The stored figures are the engine's from the saved inputs, recomputed after `since`."""
    scheme = Scheme.objects.select_related("organisation", "year").get(pk=scheme.pk)
    [(_, inputs)] = recompute_inputs([scheme])
    expected = engine.compute(inputs)
    assert {name: getattr(scheme, name) for name in FIGURES} == {name: getattr(expected, name) for name in FIGURES}
    assert scheme.figures_computed_at is not None and scheme.figures_computed_at >= since
    plan = list(SchemeMonth.objects.filter(scheme=scheme).order_by("month").values_list("plan", flat=True))
    assert plan == list(expected.monthly_plan)
    return scheme


# --- The six saves ---------------------------------------------------------------------------------------


def test_concurrent_scheme_edits_save_once_and_the_rest_get_409(world, server_errors) -> None:
    url = reverse("schemes:edit", args=[world.scheme.pk])
    for number, n in enumerate(ROUNDS):
        scheme = Scheme.objects.get(pk=world.scheme.pk)
        forms: list[dict[str, Any]] = [{
            "programme": scheme.programme_id, "reference": scheme.reference, "name": f"GP QIPP {number}-{i}",
            "project_owner": "", "clinical_lead": "", "managerial_lead": "", "description": "", "kpis": "",
            "phase": "", "scheme_type": "", "go_live_month": "7", "go_live_year": "2013", "current_cost": "",
            "gross_saving": str(600000 + 1000 * number + i), "new_investment": "", "stated_net_saving": "",
            "version": scheme.version,
        } for i in range(n)]
        started = timezone.now()
        winner = one_saved_rest_conflict(race(world.editors, url, forms), server_errors)
        saved = assert_figures_recomputed(scheme, started)
        assert saved.version == scheme.version + 1
        assert (saved.name, saved.gross_saving) == (forms[winner]["name"], D(forms[winner]["gross_saving"]))
        assert saved.full_year_effect == D(forms[winner]["gross_saving"])
    assert Scheme.history.filter(id=world.scheme.pk).count() == 1 + len(ROUNDS)  # created, then one per round


def test_concurrent_key_stage_edits_save_once_and_the_rest_get_409(world, server_errors) -> None:
    stage = services.key_stage_create(actor=None, scheme=world.scheme, name="Scoping", baseline_date=date(2013, 7, 1))
    url = reverse("schemes:key-stage-edit", args=[world.scheme.pk, stage.pk])
    for number, n in enumerate(ROUNDS):
        stage.refresh_from_db()
        forms = [{"name": "Scoping", "baseline_date": "2013-07-01", "current_date": f"2013-08-{1 + number * 5 + i:02d}",
                  "order": stage.order, "note": f"client {i}", "version": stage.version} for i in range(n)]
        winner = one_saved_rest_conflict(race(world.editors, url, forms), server_errors)
        saved = KeyStage.objects.get(pk=stage.pk)
        assert saved.version == stage.version + 1
        assert saved.current_date is not None
        assert (saved.current_date.isoformat(), saved.note) == (forms[winner]["current_date"], forms[winner]["note"])
    assert KeyStage.history.filter(id=stage.pk).count() == 1 + len(ROUNDS)


def test_concurrent_figure_overrides_save_once_and_the_rest_get_409(world, server_errors) -> None:
    url = reverse("schemes:override", args=[world.scheme.pk])
    for number, n in enumerate(ROUNDS):
        scheme = Scheme.objects.get(pk=world.scheme.pk)
        seen = override_token(scheme)
        forms: list[dict[str, Any]] = [{"figure": "most_likely", "value": str(300000 + 1000 * number + i),
                                        "reason": f"Panel view {i}", "seen": seen} for i in range(n)]
        started = timezone.now()
        winner = one_saved_rest_conflict(race(world.panel, url, forms), server_errors)
        active = FigureOverride.objects.get(scheme=scheme, figure="most_likely", cleared_at__isnull=True)
        assert (active.value, active.reason) == (D(forms[winner]["value"]), forms[winner]["reason"])
        saved = assert_figures_recomputed(scheme, started)
        assert saved.most_likely == D(forms[winner]["value"])
        assert override_token(saved) != seen
    assert FigureOverride.objects.filter(scheme=world.scheme).count() == len(ROUNDS)  # each round's winner


def test_concurrent_directors_assessments_save_once_and_the_rest_get_409(world, server_errors) -> None:
    url = reverse("schemes:director", args=[world.scheme.pk])
    for number, n in enumerate(ROUNDS):
        latest = newest_assessment(world.scheme)  # its id is the page's edit token
        forms = [{"assessed_on": f"{1 + number:02d}/03/2013", "change_months": str(i - 2), "director": f"Director {i}",
                  "note": "", "seen": latest.pk if latest else 0, "save": "1"} for i in range(n)]
        started = timezone.now()
        winner = one_saved_rest_conflict(race(world.panel, url, forms), server_errors)
        newest = newest_assessment(world.scheme)
        assert newest is not None
        assert (newest.change_months, newest.director) == (winner - 2, f"Director {winner}")
        saved = assert_figures_recomputed(world.scheme, started)
        assert saved.delivery_change_months == winner - 2
    assert DirectorAssessment.objects.filter(scheme=world.scheme).count() == len(ROUNDS)


def test_concurrent_panel_ratings_save_once_and_the_rest_get_409(world, server_errors) -> None:
    url = reverse("schemes:panel-new")
    scheme = world.scheme
    for number, n in enumerate(ROUNDS):
        seen = rating_tokens([scheme.pk]).get(scheme.pk, 0)  # every page drawn before anyone saves
        forms = []
        for i in range(n):
            form: dict[str, Any] = {"held_on": f"2013-04-{1 + number:02d}", "panel": "RAG panel",
                                    "notes": f"Panel member {i}", "scheme": [scheme.pk], f"r{scheme.pk}-seen": seen}
            for dimension in ("value", "resources", "timescales", "codependencies"):
                form[f"r{scheme.pk}-{dimension}"] = "green"
            form[f"r{scheme.pk}-overall"] = ("green", "amber", "red")[i % 3]
            forms.append(form)
        started = timezone.now()
        winner = one_saved_rest_conflict(race(world.panel, url, forms), server_errors)
        sitting = PanelSitting.objects.get(held_on=date(2013, 4, 1 + number))
        assert sitting.notes == forms[winner]["notes"]
        overall = forms[winner][f"r{scheme.pk}-overall"]
        assert SchemeRating.objects.get(sitting=sitting, scheme=scheme).overall == overall
        saved = assert_figures_recomputed(scheme, started)
        assert saved.overall_rag == overall
        assert rating_tokens([scheme.pk])[scheme.pk] != seen
    assert SchemeRating.objects.filter(scheme=scheme).count() == len(ROUNDS)  # each round's winner only


def test_concurrent_stage_changes_save_once_and_the_rest_get_409(world, server_errors) -> None:
    url = reverse("schemes:stage", args=[world.scheme.pk])
    for n in ROUNDS:
        scheme = Scheme.objects.get(pk=world.scheme.pk)
        move: dict[str, Any]
        if scheme.stage == Stage.PIPELINE:  # forward, with the gateway's approvals; then back, with a reason
            move = {"to_stage": "1", "confirmed": ["finance_review", "management_executive_review"], "note": ""}
        else:
            move = {"to_stage": "0", "note": "Finance review withdrawn"}
        forms = [{**move, "decision": "approved", "approver": f"Management executive {i}",
                  "decided_on": "2013-02-01", "version": str(scheme.version)} for i in range(n)]
        winner = one_saved_rest_conflict(race(world.editors, url, forms), server_errors)
        saved = Scheme.objects.get(pk=scheme.pk)
        assert (saved.stage, saved.version) == (int(move["to_stage"]), scheme.version + 1)
        latest = StageChange.objects.filter(scheme=scheme).order_by("-pk").first()
        assert latest is not None and latest.approver == forms[winner]["approver"]
    assert StageChange.objects.filter(scheme=world.scheme).count() == len(ROUNDS)


def test_a_stage_page_drawn_before_the_scheme_moved_answers_409_not_a_form_error(world) -> None:
    """A loser of the race above may read the scheme after the winner moved it: the choices it posted
    (stage 1, stage 0's approvals) no longer fit the page, which is a conflict, not the user's mistake."""
    scheme = world.scheme
    stale = {"to_stage": "1", "confirmed": ["finance_review", "management_executive_review"], "decision": "approved",
             "approver": "Management executive", "decided_on": "2013-02-01", "note": "", "version": str(scheme.version)}
    services.scheme_stage_change(actor=None, scheme=scheme, expected_version=scheme.version, to_stage=1,
                                 approver="ME", decided_on=date(2013, 2, 1), decision="approved",
                                 confirmed=["finance_review", "management_executive_review"])
    response = world.editors[0].post(reverse("schemes:stage", args=[scheme.pk]), stale)
    assert response.status_code == CONFLICT
    assert "was changed by someone else (it is now at stage 1 Initiation)" in response.content.decode()
    assert response.context["form"].data["version"] == str(scheme.version + 1)  # saving again is deliberate
    assert StageChange.objects.filter(scheme=scheme).count() == 1
    assert Scheme.objects.get(pk=scheme.pk).stage == Stage.INITIATION


def test_concurrent_monthly_tracker_saves_save_once_and_the_rest_get_409(world, server_errors) -> None:
    url = reverse("schemes:scheme-tracker", args=[world.scheme.pk])
    for number, n in enumerate(ROUNDS):
        row = SchemeMonth.objects.get(scheme=world.scheme, month=4)
        drawn = "" if row.actual is None else f"{row.actual:.0f}"
        forms = [{"version_4": str(row.version), "actual_4": str(40000 + 100 * number + i), "actual_4_initial": drawn,
                  "forecast_4": "", "forecast_4_initial": ""} for i in range(n)]
        started = timezone.now()
        winner = one_saved_rest_conflict(race(world.editors, url, forms), server_errors)
        saved = SchemeMonth.objects.get(pk=row.pk)
        assert (saved.actual, saved.version) == (D(forms[winner]["actual_4"]), row.version + 1)
        assert_figures_recomputed(world.scheme, started)
    assert SchemeMonth.history.filter(scheme_id=world.scheme.pk, month=4).count() == len(ROUNDS)


def test_the_embedded_default_waits_its_turn_in_wal_mode() -> None:
    db = connections[DEFAULT_DB_ALIAS]
    if not isinstance(db, SQLiteDatabaseWrapper):
        pytest.skip("The embedded default's settings: SQLite only.")
    with db.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
    assert db.transaction_mode == "IMMEDIATE"  # type: ignore[attr-defined]  # Django 5.1+; not in django-stubs yet
