"""Closing a month and saving figures in it never interleave (real PostgreSQL row locks).

Two threads, each on its own database connection, call the real services: finance's `month_close` and a
PMO editor's `schemes.services.scheme_month_update` for the same month. Whichever takes the month's lock
first wins; the other waits for it. Either the save lands before the close, or it is refused with the
closed-month message and nothing is saved: never both, never neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from governance.models import FinancialYear, MonthStatus, Organisation, Role
from governance.permissions import Actor
from governance.services import month_close
from schemes import services
from schemes.models import Scheme, SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member
from tests.integration.conftest import wait_for
from tests.integration.racing import TIMEOUT, Pause, Racers, race_together

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
ACTUAL = D("9000")
CLOSED_MESSAGE = "M1 Apr-13 is closed, so its actual and forecast cannot be changed. Nothing has been saved."


@dataclass
class Month:
    organisation: Organisation
    year: FinancialYear
    scheme: Scheme
    pmo: Actor
    finance: Actor

    def save(self) -> None:
        version = SchemeMonth.objects.get(scheme=self.scheme, month=1).version
        services.scheme_month_update(actor=self.pmo, scheme=self.scheme, edits=[
            services.MonthEdit(month=1, expected_version=version, actual=ACTUAL, forecast=None)
        ])

    def close(self) -> None:
        month_close(actor=self.finance, organisation=self.organisation, year=self.year, month=1)


def open_month(ods_code: str) -> Month:
    """An organisation with one scheme whose months the worker has computed (M1 at version 1), M1 open."""
    organisation = OrganisationFactory(ods_code=ods_code)
    year = FinancialYearFactory(start_year=2013)
    scheme = services.scheme_create(
        actor=None, organisation=organisation, year=year, programme=ProgrammeFactory(organisation=organisation),
        reference="R1", name="Race", go_live=date(2013, 4, 1), gross_saving=D("120000"),
    )
    assert wait_for(lambda: SchemeMonth.objects.filter(scheme=scheme, month=1).exists()), "no recompute"
    # M1's status row exists (open), as it does once anyone has saved in the month: the race is for its lock.
    MonthStatus.objects.create(organisation=organisation, year=year, month=1)
    return Month(organisation, year, Scheme.objects.get(pk=scheme.pk),
                 member(organisation, Role.PMO_EDITOR, username=f"{ods_code}-pmo"),
                 member(organisation, Role.FINANCE, username=f"{ods_code}-finance"))


def outcome(month: Month, racers: Racers) -> str:
    """The two outcomes allowed, and nothing else; returns which one happened."""
    assert racers.outcomes["close"] == "done", racers.outcomes
    status = MonthStatus.objects.get(organisation=month.organisation, year=month.year, month=1)
    assert status.is_closed
    m1 = SchemeMonth.objects.get(scheme=month.scheme, month=1)
    if racers.outcomes["save"] == "done":
        # The save landed, and before the close: its history row is older than the close.
        assert (m1.actual, m1.version) == (ACTUAL, 2)
        assert m1.history.latest().history_date < status.changed_at
        return "save then close"
    error = racers.outcomes["save"]
    assert isinstance(error, ValidationError), repr(error)
    assert CLOSED_MESSAGE in " ".join(error.messages)
    assert (m1.actual, m1.version) == (None, 1)  # nothing of the refused save was written
    assert not m1.history.filter(actual=ACTUAL).exists()
    return "close then refused save"


def test_a_close_waits_for_a_save_in_progress_and_the_save_lands_first(celery_worker_process):
    month, racers = open_month("RAC1"), Racers()
    pause = Pause(MonthStatus._meta.db_table)
    racers.start("save", month.save, pause=pause)
    try:
        assert pause.locked.wait(TIMEOUT), racers.outcomes  # the save holds M1's lock, half-way through
        racers.start("close", month.close)
        # The close is blocked on the month's lock in PostgreSQL, not merely slow.
        assert wait_for(lambda: racers.waiting_for_a_lock("close"), timeout=TIMEOUT), racers.outcomes
        assert racers.outcomes == {}
    finally:
        pause.release.set()
        racers.join()
    assert outcome(month, racers) == "save then close"
    with pytest.raises(ValidationError, match="M1 Apr-13 is closed"):  # and later saves are refused
        month.save()


def test_a_save_waits_for_a_close_in_progress_and_is_then_refused(celery_worker_process):
    month, racers = open_month("RAC2"), Racers()
    pause = Pause(MonthStatus._meta.db_table)
    racers.start("close", month.close, pause=pause)
    try:
        assert pause.locked.wait(TIMEOUT), racers.outcomes  # the close holds M1's lock, not yet committed
        racers.start("save", month.save)
        assert wait_for(lambda: racers.waiting_for_a_lock("save"), timeout=TIMEOUT), racers.outcomes
        assert racers.outcomes == {}
    finally:
        pause.release.set()
        racers.join()
    assert outcome(month, racers) == "close then refused save"


def test_a_close_and_a_save_started_together_give_one_of_the_two_outcomes(celery_worker_process):
    """Free races, both threads released at once: whichever wins, the result is one of the two allowed."""
    for round_ in range(6):
        month, racers = open_month(f"RF{round_}"), Racers()
        race_together(racers, {"save": month.save, "close": month.close})
        outcome(month, racers)
