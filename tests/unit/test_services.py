"""Scheme services: permissions, validation in the user's words, atomicity and the recompute hook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.models import Role
from schemes import services
from schemes.models import FigureOverride, Scheme
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def organisation():
    return OrganisationFactory(ods_code="SVC")


def create(organisation, **extra):
    values = {"go_live": date(2013, 7, 1), "gross_saving": D("602000"), **extra}
    return services.scheme_create(
        actor=None, organisation=organisation, year=FinancialYearFactory(start_year=2013),
        programme=ProgrammeFactory(organisation=organisation), reference=values.pop("reference", "15b"),
        name="GP QIPP", **values,
    )


def test_a_later_commit_still_recomputes_after_an_earlier_uncommitted_one(organisation,
                                                                          django_capture_on_commit_callbacks):
    scheme = create(organisation)  # its recompute is pending in the test's transaction, never run
    with django_capture_on_commit_callbacks(execute=True):
        services.director_assessment_record(actor=None, scheme=scheme, assessed_on=date(2013, 3, 14),
                                            change_months=-1)
    stored = Scheme.objects.get(pk=scheme.pk)
    assert stored.figures_computed_at is not None
    assert stored.director_value == D("401333.33")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FINANCE, Role.PANEL_MEMBER])
def test_roles_that_may_not_edit_schemes_are_refused(organisation, role):
    with pytest.raises(PermissionDenied, match="does not allow you to edit schemes"):
        services.scheme_create(
            actor=member(organisation, role), organisation=organisation, year=FinancialYearFactory(),
            programme=ProgrammeFactory(organisation=organisation), reference="X1", name="Refused",
        )
    assert not Scheme.objects.exists()


def test_a_viewer_cannot_override_or_rate(organisation):
    scheme = create(organisation)
    viewer = member(organisation, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.figure_override_set(actor=viewer, scheme=scheme, figure="most_likely", value=D("1"), reason="x")
    with pytest.raises(PermissionDenied):
        services.director_assessment_record(actor=viewer, scheme=scheme, assessed_on=date(2013, 3, 1),
                                            change_months=1)


def test_override_needs_a_reason_and_clearing_keeps_history(organisation, django_capture_on_commit_callbacks):
    scheme = create(organisation)
    panel = member(organisation, Role.PANEL_MEMBER)
    with pytest.raises(ValidationError, match="Give a reason"):
        services.figure_override_set(actor=panel, scheme=scheme, figure="most_likely", value=D("100"), reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_override_set(actor=panel, scheme=scheme, figure="plan_in_year", value=D("400000"),
                                     reason="Agreed at Star Chamber")
    stored = Scheme.objects.get(pk=scheme.pk)
    assert (stored.plan_in_year, stored.next_year_effect) == (D("400000.00"), D("202000.00"))
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_override_clear(actor=panel, scheme=scheme, figure="plan_in_year", reason="Formula agreed")
    assert Scheme.objects.get(pk=scheme.pk).plan_in_year == D("451500.00")
    kept = FigureOverride.objects.get(scheme=scheme)
    assert kept.cleared_at is not None and kept.clear_reason == "Formula agreed"


def test_investment_tbc_and_an_amount_together_are_refused(organisation):
    with pytest.raises(ValidationError, match="Leave the investment blank while it is to be confirmed"):
        create(organisation, investment_tbc=True, new_investment=D("75000"))
    assert not Scheme.objects.exists()


def test_a_monthly_profile_that_does_not_add_up_is_refused(organisation):
    with pytest.raises(ValidationError, match="adds up to"):
        create(organisation, monthly_profile=["1000"] * 12)


def test_duplicate_reference_is_refused_in_words(organisation):
    create(organisation)
    with pytest.raises(ValidationError, match="already has a scheme 15b in 2013/14"):
        create(organisation)


def test_stale_edit_is_refused_and_nothing_saved(organisation):
    scheme = create(organisation)
    services.scheme_update(actor=None, scheme=scheme, expected_version=1, changes={"name": "First"})
    with pytest.raises(services.EditConflict, match="changed by someone else"):
        services.scheme_update(actor=None, scheme=scheme, expected_version=1, changes={"name": "Second"})
    assert Scheme.objects.get(pk=scheme.pk).name == "First"


def test_panel_rating_words_are_checked(organisation):
    scheme = create(organisation)
    rating = services.RatingInput(scheme=scheme, value="green", resources="green", timescales="green",
                                  codependencies="green", overall="purple")
    with pytest.raises(ValidationError, match="rate overall as Green, Amber or Red"):
        services.panel_sitting_record(actor=None, organisation=organisation, year=scheme.year,
                                      held_on=date(2013, 1, 23), ratings=[rating])
