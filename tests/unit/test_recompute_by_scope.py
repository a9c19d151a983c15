"""Recompute by scope: a change of an organisation's RAG factors queues its own organisation's recompute, on commit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from governance.models import Organisation, Role
from governance.services import organisation_rag_factors_set
from schemes import services
from schemes.models import Scheme
from schemes.recompute import organisation_recompute
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def _amber_scheme(organisation: Organisation, start_year: int = 2013) -> Scheme:
    """A scheme rated Amber with plan £90,000 in its year, recomputed."""
    year = FinancialYearFactory(start_year=start_year)
    scheme = services.scheme_create(
        actor=None, organisation=organisation, year=year, programme=ProgrammeFactory(organisation=organisation),
        reference=f"A{start_year}", name="Amber", go_live=date(start_year, 7, 1), gross_saving=D("120000"),
    )
    services.panel_sitting_record(actor=None, organisation=organisation, year=year, held_on=date(start_year, 5, 1),
                                  ratings=[services.RatingInput(scheme=scheme, value="amber", resources="amber",
                                                                timescales="amber", codependencies="amber",
                                                                overall="amber")])
    return services.scheme_recompute(scheme_id=scheme.pk)


def _set(organisation: Organisation, amber: str, actor=None) -> Organisation:
    return organisation_rag_factors_set(actor=actor, organisation=organisation, green_factor=D("1"),
                                        amber_factor=D(amber), red_factor=D("0.5"))


def test_new_rag_factors_recompute_that_organisations_schemes_once_committed(
        django_capture_on_commit_callbacks) -> None:
    organisation, other = OrganisationFactory(ods_code="RAG1"), OrganisationFactory(ods_code="RAG2")
    this_year, next_year = _amber_scheme(organisation), _amber_scheme(organisation, 2014)
    elsewhere = _amber_scheme(other)
    assert this_year.most_likely == D("67500.00")  # 75% of £90,000
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _set(organisation, "0.6", actor=UserFactory(is_superuser=True))
        assert Scheme.objects.get(pk=this_year.pk).most_likely == D("67500.00")  # nothing before the commit
    assert len(callbacks) == 1
    assert Scheme.objects.get(pk=this_year.pk).most_likely == D("54000.00")  # 60%, every year of it
    assert Scheme.objects.get(pk=next_year.pk).most_likely == D("54000.00")
    assert Scheme.objects.get(pk=elsewhere.pk).figures_computed_at == elsewhere.figures_computed_at


def test_the_same_factors_or_a_change_rolled_back_queue_nothing(django_capture_on_commit_callbacks) -> None:
    organisation = OrganisationFactory(ods_code="RAG3")
    with django_capture_on_commit_callbacks() as callbacks:
        _set(organisation, "0.75")  # the factors it has
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        _set(organisation, "0.6")
        raise RuntimeError("the surrounding work failed")
    assert callbacks == []
    assert Organisation.objects.get(pk=organisation.pk).amber_factor == D("0.75")


def test_only_a_superuser_sets_rag_factors_and_only_between_0_and_1() -> None:
    organisation = OrganisationFactory(ods_code="RAG4")
    with pytest.raises(PermissionDenied):
        _set(organisation, "0.6", actor=member(organisation, Role.ADMINISTRATOR))
    with pytest.raises(ValidationError) as refused:
        _set(organisation, "1.5")
    assert "amber_factor" in refused.value.message_dict
    assert Organisation.objects.get(pk=organisation.pk).amber_factor == D("0.75")


def test_an_organisations_recompute_reads_only_its_own_schemes_a_year_at_a_time() -> None:
    organisation, other = OrganisationFactory(ods_code="RAG5"), OrganisationFactory(ods_code="RAG6")
    _amber_scheme(organisation), _amber_scheme(organisation, 2014), _amber_scheme(other)
    done = organisation_recompute(organisation_id=organisation.pk)
    assert (done.batches, done.schemes, done.schemes_written) == (2, 2, 0)
