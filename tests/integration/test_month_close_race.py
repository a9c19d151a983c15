"""Closing a month and saving figures in it never interleave (real PostgreSQL row locks)."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from governance.models import MonthStatus, Role
from governance.services import month_close, month_statuses_lock
from schemes import services
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_closing_a_month_waits_for_a_save_in_progress_then_later_saves_are_refused():
    organisation = OrganisationFactory(ods_code="RACE")
    year = FinancialYearFactory(start_year=2013)
    scheme = services.scheme_create(
        actor=None, organisation=organisation, year=year, programme=ProgrammeFactory(organisation=organisation),
        reference="R1", name="Race", go_live=date(2013, 4, 1), gross_saving=Decimal("120000"),
    )
    finance = member(organisation, Role.FINANCE, username="race-finance")
    events: list[str] = []
    saving, release = threading.Event(), threading.Event()

    def pmo_save() -> None:
        try:
            with transaction.atomic():
                month_statuses_lock(organisation=organisation, year=year, months=[1])
                saving.set()
                release.wait(10)
                events.append("save committed")
        finally:
            connection.close()

    def finance_close() -> None:
        try:
            saving.wait(10)
            month_close(actor=finance, organisation=organisation, year=year, month=1)
            events.append("month closed")
        finally:
            connection.close()

    threads = [threading.Thread(target=pmo_save), threading.Thread(target=finance_close)]
    for thread in threads:
        thread.start()
    assert saving.wait(10)
    time.sleep(1.0)
    assert events == []  # the close is waiting for the save's lock
    release.set()
    for thread in threads:
        thread.join(20)
    assert events == ["save committed", "month closed"]
    assert MonthStatus.objects.get(organisation=organisation, year=year, month=1).is_closed

    with pytest.raises(ValidationError, match="M1 Apr-13 is closed"):
        services.scheme_month_update(actor=None, scheme=scheme, edits=[
            services.MonthEdit(month=1, expected_version=1, actual=Decimal("9000"), forecast=None)
        ])
