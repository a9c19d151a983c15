"""The recompute really happens in a Celery worker, through Redis, on PostgreSQL, after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from rest_framework.test import APIClient

from governance.models import Organisation, Role
from schemes import services
from schemes.models import Scheme
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member
from tests.integration.conftest import wait_for
from tests.integration.racing import TIMEOUT, Pause, Racers, race_together

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_scheme_created_is_recomputed_by_the_worker(celery_worker_process):
    organisation = OrganisationFactory(ods_code="INT1")
    year = FinancialYearFactory(start_year=2013)
    programme = ProgrammeFactory(organisation=organisation, name="Planned care")
    scheme = services.scheme_create(
        actor=None, organisation=organisation, year=year, programme=programme, reference="15b",
        name="GP QIPP - Reduction in Referrals 5%", go_live=date(2013, 7, 1), gross_saving=D("602000"),
    )
    assert wait_for(lambda: Scheme.objects.get(pk=scheme.pk).figures_computed_at is not None), (
        "the worker did not recompute the scheme"
    )
    stored = Scheme.objects.get(pk=scheme.pk)
    assert stored.plan_in_year == D("451500.00")
    assert stored.next_year_effect == D("150500.00")
    assert stored.months.count() == 12

    computed_at = stored.figures_computed_at
    services.director_assessment_record(actor=None, scheme=stored, assessed_on=date(2013, 3, 14), change_months=-1)
    assert wait_for(lambda: Scheme.objects.get(pk=scheme.pk).figures_computed_at != computed_at)
    assert Scheme.objects.get(pk=scheme.pk).director_value == D("401333.33")


def test_load_demo_on_postgresql_gives_the_paper_figures(celery_worker_process, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    bexley = Scheme.objects.filter(organisation__ods_code="07N")
    assert wait_for(lambda: not bexley.filter(figures_computed_at__isnull=True).exists(), timeout=60)
    # The worker may still be finishing the last batch: wait until the override is applied.
    assert wait_for(lambda: bexley.get(reference="15a").director_value == D("141000.00"), timeout=30)
    sums = bexley.aggregate(plan=Sum("plan_in_year"), likely=Sum("most_likely"), nxt=Sum("director_next_year"))
    assert abs(sums["plan"] - D("11576188")) <= 2
    assert abs(sums["likely"] - D("10425159")) <= 2
    assert abs(sums["nxt"] - D("5390489")) <= 2

    client = APIClient()
    client.force_authenticate(member(Organisation.objects.get(ods_code="05N"), Role.VIEWER, username="sv"))
    response = client.get("/api/v1/schemes/?organisation=07N")
    assert len(response.json()["results"]) == 0  # a Shropshire member sees nothing of Bexley
    assert len(client.get("/api/v1/schemes/?organisation=05N").json()["results"]) == 17


def _scheme_to_edit(ods_code: str) -> Scheme:
    organisation = OrganisationFactory(ods_code=ods_code)
    return services.scheme_create(
        actor=None, organisation=organisation, year=FinancialYearFactory(start_year=2013),
        programme=ProgrammeFactory(organisation=organisation), reference="A1", name="First name",
    )


def _rename(scheme: Scheme, expected_version: int, name: str) -> Callable[[], Scheme]:
    return lambda: services.scheme_update(actor=None, scheme=scheme, expected_version=expected_version,
                                          changes={"name": name})


def test_two_simultaneous_edits_do_not_overwrite_each_other(celery_worker_process):
    """Alice's save holds the scheme's row lock; Bob's, from the same version, waits for it, then is refused."""
    scheme = _scheme_to_edit("INT2")
    racers, pause = Racers(), Pause(Scheme._meta.db_table)
    racers.start("alice", _rename(scheme, scheme.version, "Alice's name"), pause=pause)
    try:
        assert pause.locked.wait(TIMEOUT), racers.outcomes
        racers.start("bob", _rename(scheme, scheme.version, "Bob's name"))
        assert wait_for(lambda: racers.waiting_for_a_lock("bob"), timeout=TIMEOUT), racers.outcomes
    finally:
        pause.release.set()
        racers.join()
    assert racers.outcomes["alice"] == "done"
    conflict = racers.outcomes["bob"]
    assert isinstance(conflict, services.EditConflict), repr(conflict)
    assert conflict.current.name == "Alice's name"  # Bob is shown what Alice saved
    stored = Scheme.objects.get(pk=scheme.pk)
    assert (stored.name, stored.version) == ("Alice's name", scheme.version + 1)


def test_two_edits_started_together_save_one_and_refuse_the_other(celery_worker_process):
    for round_ in range(5):
        scheme = _scheme_to_edit(f"INE{round_}")
        racers = Racers()
        race_together(racers, {name: _rename(scheme, scheme.version, f"{name}'s name") for name in ("alice", "bob")})
        winners = [name for name, result in racers.outcomes.items() if result == "done"]
        assert len(winners) == 1, racers.outcomes
        (loser,) = {"alice", "bob"} - set(winners)
        conflict = racers.outcomes[loser]
        assert isinstance(conflict, services.EditConflict), racers.outcomes
        stored = Scheme.objects.get(pk=scheme.pk)
        assert (stored.name, stored.version) == (f"{winners[0]}'s name", scheme.version + 1)
        assert conflict.current.name == stored.name  # the loser is shown what the winner saved


def test_services_called_outside_a_transaction_lock_and_commit_on_postgresql(celery_worker_process):
    """Views call services with no surrounding transaction: each must open its own (select_for_update needs one)."""
    organisation = OrganisationFactory(ods_code="INT3")
    scheme = services.scheme_create(
        actor=None, organisation=organisation, year=FinancialYearFactory(start_year=2013),
        programme=ProgrammeFactory(organisation=organisation), reference="B1", name="Locks",
        go_live=date(2013, 4, 1), gross_saving=D("120000"),
    )
    from schemes.selectors import override_token

    services.figure_override_set(actor=None, scheme=scheme, figure="most_likely", value=D("100000"),
                                 reason="Agreed at panel", expected_token=override_token(scheme))
    services.figure_override_clear(actor=None, scheme=scheme, figure="most_likely", reason="Formula agreed",
                                   expected_token=override_token(scheme))
    services.director_assessment_record(actor=None, scheme=scheme, assessed_on=date(2013, 3, 14), change_months=-1,
                                        expected_latest_id=0)
    assert wait_for(lambda: Scheme.objects.get(pk=scheme.pk).director_value == D("110000.00"))
