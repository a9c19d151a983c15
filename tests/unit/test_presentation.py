"""Engine inputs are built in one place (schemes.selectors.engine_inputs) and the scheme page's workings use it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from schemes import engine, presentation, selectors, services
from schemes.models import Rag
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal

# FYE 120,000 live from Jul-13: 9 months in 2013/14, an in-year plan of 90,000 phased unevenly.
PROFILE = ["0", "0", "0", "5000", "5000", "10000", "10000", "10000", "10000", "10000", "10000", "20000"]


@pytest.fixture
def scheme(run_on_commit):
    organisation = OrganisationFactory(ods_code="PRS")
    return run_on_commit(
        services.scheme_create, actor=None, organisation=organisation, year=FinancialYearFactory(start_year=2013),
        programme=ProgrammeFactory(organisation=organisation), reference="P1", name="Phased",
        go_live=date(2013, 7, 1), gross_saving=D("120000"), monthly_profile=PROFILE,
    )


def test_a_schemes_inputs_and_the_same_plain_values_are_the_same_inputs(scheme):
    from_scheme = selectors.engine_inputs(scheme, overall_rag=Rag.AMBER, delivery_change_months=-2)
    plain = selectors.engine_inputs(
        year_start=2013, go_live=date(2013, 7, 1), gross_saving=D("120000"), new_investment=None,
        monthly_profile=PROFILE, factors=engine.RagFactors(), overall_rag=Rag.AMBER, delivery_change_months=-2,
    )
    assert from_scheme == plain
    assert from_scheme.monthly_profile == [D(v) for v in PROFILE]  # the profile is never left out


def test_an_unrated_scheme_counts_as_not_rated_whichever_way_it_is_built(scheme):
    assert selectors.engine_inputs(scheme, overall_rag="").overall_rag is None
    assert selectors.engine_inputs(scheme).overall_rag is None


def test_the_workings_of_an_overridden_plan_use_the_scheme_inputs_with_its_profile(scheme, run_on_commit):
    # The profile adds up to the formula's plan, not to the overridden one: the stored figures fall back to
    # linear phasing, and so does the formula shown for each overridden figure.
    for figure, value in (("plan_in_year", D("80000")), ("most_likely", D("1000"))):
        run_on_commit(services.figure_override_set, actor=None, scheme=scheme, figure=figure, value=value,
                      reason="as published")
    page = selectors.scheme_for_page(UserFactory(is_superuser=True), scheme.pk)  # as the scheme page reads it
    workings = {w.figure: w for w in presentation.figure_workings(page)}
    assert workings["plan_in_year"].value == D("80000")
    assert workings["plan_in_year"].formula_value == D("90000.00")  # FYE x 9 / 12, profile or not
    assert workings["most_likely"].value == D("1000")
    assert workings["most_likely"].formula_value == D("80000.00")  # the overridden plan x 100% (not rated)
    assert workings["full_year_effect"].formula_value is None

