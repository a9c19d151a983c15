"""Twenty clients saving one scheme's month and fields at once, on real PostgreSQL row locks (issue 12, Faults).

Each client, in a thread with its own database connection, does what the tracker and edit pages do three times
over: read the month's and the scheme's versions, then save its own figures and name with them
(`scheme_month_update`, `scheme_update`). Every save either lands or is refused with EditConflict (the page's
409); none fails otherwise. What is left is exactly the accepted saves in order: versions with no gap and no
repeat, the history holding each accepted save in turn, and the last one's values on the record. Meanwhile the
worker recomputes after each accepted save.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from governance.models import Role
from governance.services import EditConflict
from schemes import services
from schemes.models import Scheme, SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member
from tests.integration.conftest import wait_for
from tests.integration.racing import Racers, race_together

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
CLIENTS = 20
ROUNDS = 3
MONTH = 4


@dataclass
class Ledger:
    """What each client was told: the version each accepted save made, with its values; refusals counted."""

    months: list[tuple[int, Decimal]] = field(default_factory=list)
    fields: list[tuple[int, str]] = field(default_factory=list)
    refused_months: int = 0
    refused_fields: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attempt(self, what: str, save: Callable[..., tuple[int, Any]], *args: Any) -> None:
        """Run one save of `what` ("months" or "fields"): keep the version and value it made, or count its 409."""
        try:
            made = save(*args)
        except EditConflict:
            with self.lock:
                setattr(self, f"refused_{what}", getattr(self, f"refused_{what}") + 1)
        else:
            with self.lock:
                getattr(self, what).append(made)


def test_twenty_clients_saving_one_schemes_month_and_fields_at_once_leave_exactly_the_accepted_saves(
        celery_worker_process) -> None:
    organisation = OrganisationFactory(ods_code="CON1")
    scheme = services.scheme_create(
        actor=None, organisation=organisation, year=FinancialYearFactory(start_year=2013),
        programme=ProgrammeFactory(organisation=organisation), reference="C1", name="Contended",
        go_live=date(2013, 7, 1), gross_saving=D("120000"),
    )
    assert wait_for(lambda: SchemeMonth.objects.filter(scheme=scheme, month=MONTH).exists()), "no recompute"
    pmo = member(organisation, Role.PMO_EDITOR, username="con1-pmo")
    first_month = SchemeMonth.objects.get(scheme=scheme, month=MONTH)
    first_scheme = Scheme.objects.get(pk=scheme.pk)
    ledger = Ledger()

    def save_month(mine: Scheme, version: int, actual: Decimal) -> tuple[int, Decimal]:
        [row] = services.scheme_month_update(actor=pmo, scheme=mine, edits=[
            services.MonthEdit(month=MONTH, expected_version=version, actual=actual, forecast=actual)])
        return row.version, actual

    def save_name(mine: Scheme, name: str) -> tuple[int, str]:
        return services.scheme_update(actor=pmo, scheme=mine, expected_version=mine.version,
                                      changes={"name": name}).version, name

    def client(number: int) -> None:
        for round_ in range(ROUNDS):
            actual = D(1000 * (number + 1) + round_)
            # Read as the tracker page is drawn, then save with the version read.
            mine = Scheme.objects.select_related("organisation", "year").get(pk=scheme.pk)
            version = SchemeMonth.objects.get(scheme=scheme, month=MONTH).version
            ledger.attempt("months", save_month, mine, version, actual)
            mine = Scheme.objects.select_related("organisation", "year").get(pk=scheme.pk)
            ledger.attempt("fields", save_name, mine, f"Client {number} round {round_}")

    racers = Racers()
    race_together(racers, {f"client {n}": partial(client, n) for n in range(CLIENTS)})
    assert racers.outcomes == {f"client {n}": "done" for n in range(CLIENTS)}  # nothing but lands or 409s

    for accepted, refused in ((ledger.months, ledger.refused_months), (ledger.fields, ledger.refused_fields)):
        assert len(accepted) + refused == CLIENTS * ROUNDS
        assert len(accepted) >= 2 and refused >= 1, (len(accepted), refused)  # a real contest

    # The month: one version per accepted save, in order, the last one's figures kept; its history is those saves.
    months = sorted(ledger.months)
    assert [version for version, _ in months] == list(
        range(first_month.version + 1, first_month.version + len(months) + 1))
    final = SchemeMonth.objects.get(pk=first_month.pk)
    assert (final.version, final.actual, final.forecast) == (first_month.version + len(months), months[-1][1],
                                                             months[-1][1])
    history = list(final.history.filter(version__gt=first_month.version).order_by("history_date", "history_id")
                   .values_list("version", "actual"))
    assert history == months

    # The scheme's fields likewise; the worker's recomputes made no version of their own.
    fields = sorted(ledger.fields)
    assert [version for version, _ in fields] == list(
        range(first_scheme.version + 1, first_scheme.version + len(fields) + 1))
    final_scheme = Scheme.objects.get(pk=scheme.pk)
    assert (final_scheme.version, final_scheme.name) == (first_scheme.version + len(fields), fields[-1][1])
    scheme_history = list(final_scheme.history.filter(version__gt=first_scheme.version)
                          .order_by("history_date", "history_id").values_list("version", "name"))
    assert scheme_history == fields
