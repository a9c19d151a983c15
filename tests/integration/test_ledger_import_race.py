"""Two ledger imports creating the same new budget line at once (real PostgreSQL): one saves, the other is
refused whole with a message to check the file again. Never a server error, never half of either file."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from finance.importers import WorkbookInvalid, ledger_import
from finance.models import BudgetLine, BudgetMonth
from governance.models import ImportRecord, Role
from tests.factories import FinancialYearFactory, OrganisationFactory, member
from tests.integration.conftest import wait_for
from tests.integration.racing import TIMEOUT, Pause, Racers

pytestmark = pytest.mark.django_db(transaction=True)
LEDGER = b"Budget line,Month,Plan,Actual,Forecast\nAcute,M1,100,90,\nAcute,M2,100,,\n"


def test_the_second_of_two_imports_creating_the_same_line_is_refused_whole():
    organisation = OrganisationFactory(ods_code="LR1")
    FinancialYearFactory(start_year=2018)
    finance = member(organisation, Role.FINANCE, username="lr1-finance")

    def run() -> None:
        ledger_import(actor=finance, organisation=organisation, year_name="2018/19", source=io.BytesIO(LEDGER),
                      name="ledger.csv")

    racers = Racers()
    pause = Pause(BudgetMonth._meta.db_table)  # the first has inserted Acute (uncommitted) and is at its months
    racers.start("first", run, pause=pause)
    try:
        assert pause.locked.wait(TIMEOUT), racers.outcomes
        racers.start("second", run)
        # The second waits in PostgreSQL on the first's uncommitted line (the unique name), not merely slow.
        assert wait_for(lambda: racers.waiting_for_a_lock("second"), timeout=TIMEOUT), racers.outcomes
    finally:
        pause.release.set()
        racers.join()
    assert racers.outcomes["first"] == "done", racers.outcomes
    refused = racers.outcomes["second"]
    assert isinstance(refused, WorkbookInvalid), repr(refused)
    assert "saved by someone else while this file was being imported" in str(refused)
    line = BudgetLine.objects.get(organisation=organisation)
    assert list(line.months.values_list("month", "actual")) == [(1, Decimal("90.00")), (2, None)]
    assert ImportRecord.objects.filter(organisation=organisation).count() == 1
