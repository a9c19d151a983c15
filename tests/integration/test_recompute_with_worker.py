"""The recompute really happens in a Celery worker, through Redis, on PostgreSQL, after commit."""

from __future__ import annotations

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
    assert response.json()["count"] == 0  # a Shropshire member sees nothing of Bexley
    assert client.get("/api/v1/schemes/?organisation=05N").json()["count"] == 17


def test_two_simultaneous_edits_do_not_overwrite_each_other(celery_worker_process):
    organisation = OrganisationFactory(ods_code="INT2")
    scheme = services.scheme_create(
        actor=None, organisation=organisation, year=FinancialYearFactory(start_year=2013),
        programme=ProgrammeFactory(organisation=organisation), reference="A1", name="First name",
    )
    first_view = Scheme.objects.get(pk=scheme.pk)
    second_view = Scheme.objects.get(pk=scheme.pk)
    services.scheme_update(actor=None, scheme=first_view, expected_version=first_view.version,
                           changes={"name": "Alice's name"})
    with pytest.raises(services.EditConflict) as conflict:
        services.scheme_update(actor=None, scheme=second_view, expected_version=second_view.version,
                               changes={"name": "Bob's name"})
    assert conflict.value.current.name == "Alice's name"
    assert Scheme.objects.get(pk=scheme.pk).name == "Alice's name"


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
