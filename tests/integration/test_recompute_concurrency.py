"""Recomputes of overlapping scopes running at the same time as edits, on PostgreSQL with the real worker.

Each recompute and edit runs in its own thread, on its own connection (tests/integration/racing.py). No update
is lost: once everything has finished, every stored figure equals a fresh engine run over the final inputs
(tests/recompute_oracle.py). And no long lock: while a portfolio recompute holds one organisation-year, edits
elsewhere save at once, and an edit of a scheme the batch wrote waits for that batch only (whole organisation-years
packed up to CHUNK schemes, schemes.recompute).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D

import pytest

from governance.models import FinancialYear, Organisation
from schemes import services
from schemes.models import Scheme
from schemes.recompute import organisation_recompute, portfolio_recompute, schemes_recompute
from schemes.recompute.reading import INPUTS_STATEMENT_START
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory
from tests.integration.conftest import wait_for
from tests.integration.racing import TIMEOUT, Pause, Racers, race_together
from tests.recompute_oracle import reference_figures, stored_figures

pytestmark = pytest.mark.django_db(transaction=True)


def _schemes(organisation: Organisation, year: FinancialYear, count: int) -> list[Scheme]:
    programme = ProgrammeFactory(organisation=organisation)
    return [services.scheme_create(
        actor=None, organisation=organisation, year=year, programme=programme, reference=f"C{n}",
        name=f"Scheme {n}", go_live=date(year.start_year, 4 + n, 1), gross_saving=D(120000 + 1200 * n),
    ) for n in range(count)]


def _settled() -> bool:
    """Whether what is stored is what the engine gives for today's inputs (the worker may still be busy)."""
    return stored_figures() == reference_figures()


def _gross_saving_edit(scheme: Scheme, amount: str) -> Callable[[], object]:
    def edit() -> object:
        current = Scheme.objects.get(pk=scheme.pk)
        return services.scheme_update(actor=None, scheme=current, expected_version=current.version,
                                      changes={"gross_saving": D(amount)})
    return edit


def _computed(schemes: list[Scheme]) -> None:
    ids = [s.pk for s in schemes]
    assert wait_for(lambda: not Scheme.objects.filter(pk__in=ids, figures_computed_at__isnull=True).exists()
                    and _settled()), "the worker did not recompute the new schemes"


def test_overlapping_recomputes_paused_and_an_edit_between_them_lose_no_update(celery_worker_process) -> None:
    """The first recompute has read its inputs and holds its organisation-year when an edit commits; the second
    (overlapping) and the edit's own are shown waiting for it; the first then writes what it read, stale, and the
    waiting ones, reading after it, put the edit's figures in."""
    organisation = OrganisationFactory(ods_code="CON1")
    first_year, second_year = FinancialYearFactory(start_year=2013), FinancialYearFactory(start_year=2014)
    schemes = [*_schemes(organisation, first_year, 3), *_schemes(organisation, second_year, 2)]
    _computed(schemes)
    edited = schemes[0]

    racers = Racers()
    pause = Pause(statement=INPUTS_STATEMENT_START)  # the first batch's one read: all its inputs read
    racers.start("organisation", lambda: organisation_recompute(organisation_id=organisation.pk), pause=pause)
    try:
        assert pause.locked.wait(TIMEOUT), racers.outcomes
        _gross_saving_edit(edited, "240000")()  # commits at once: reading takes no row lock
        racers.start("schemes", lambda: schemes_recompute(scheme_ids=[edited.pk, schemes[3].pk]))
        assert wait_for(lambda: racers.waiting_for_a_lock("schemes"), timeout=TIMEOUT), racers.outcomes
    finally:
        pause.release.set()
        racers.join()
    assert racers.outcomes == {"organisation": "done", "schemes": "done"}
    assert wait_for(_settled), "a stale write survived: an update was lost"
    assert Scheme.objects.get(pk=edited.pk).plan_in_year == D("240000.00")  # live from April: the whole year


def test_recomputes_of_overlapping_scopes_and_edits_started_at_once_lose_no_update(celery_worker_process) -> None:
    organisation, other = OrganisationFactory(ods_code="CON2"), OrganisationFactory(ods_code="CON3")
    year = FinancialYearFactory(start_year=2013)
    schemes = [*_schemes(organisation, year, 4), *_schemes(other, year, 2)]
    _computed(schemes)
    for round_ in range(4):
        race_together(racers := Racers(), {
            "portfolio": portfolio_recompute,
            "organisation": lambda: organisation_recompute(organisation_id=organisation.pk),
            "schemes": lambda: schemes_recompute(scheme_ids=[schemes[0].pk, schemes[4].pk]),
            "edit": _gross_saving_edit(schemes[round_ % 2], f"{300000 + 6000 * round_}"),
            "other edit": _gross_saving_edit(schemes[5], f"{90000 + 1200 * round_}"),
        })
        assert set(racers.outcomes.values()) == {"done"}, racers.outcomes
        assert wait_for(_settled), f"round {round_}: an update was lost"


def test_an_edit_waits_for_one_organisation_year_of_a_portfolio_recompute_at_most(celery_worker_process) -> None:
    """The portfolio recompute is paused having written the second organisation-year: edits in the organisation-
    years before and after it save at once (nothing holds their rows); one in the written organisation-year waits
    for that batch's row locks, then saves."""
    year = FinancialYearFactory(start_year=2013)
    before, paused, after = (_schemes(OrganisationFactory(ods_code=f"CON{n}"), year, 2) for n in (4, 5, 6))
    _computed([*before, *paused, *after])
    # Only the second batch has anything to write, so the first UPDATE of schemes is that batch's.
    Scheme.objects.filter(pk__in=[s.pk for s in paused]).update(plan_in_year=D("1"))

    racers = Racers()
    pause = Pause(statement="UPDATE schemes_scheme")
    racers.start("portfolio", portfolio_recompute, pause=pause)
    try:
        assert pause.locked.wait(TIMEOUT), racers.outcomes
        racers.start("edit before", _gross_saving_edit(before[0], "60000"))
        racers.start("edit after", _gross_saving_edit(after[0], "61000"))
        assert wait_for(lambda: {racers.outcomes.get("edit before"), racers.outcomes.get("edit after")} == {"done"},
                        timeout=TIMEOUT), racers.outcomes
        racers.start("edit paused", _gross_saving_edit(paused[0], "62000"))
        assert wait_for(lambda: racers.waiting_for_a_lock("edit paused"), timeout=TIMEOUT), racers.outcomes
        assert "edit paused" not in racers.outcomes
    finally:
        pause.release.set()
        racers.join()
    assert set(racers.outcomes.values()) == {"done"}, racers.outcomes
    assert wait_for(_settled), "an update was lost"
    assert [Scheme.objects.get(pk=s.pk).gross_saving for s in (before[0], after[0], paused[0])] == [
        D("60000"), D("61000"), D("62000")]
