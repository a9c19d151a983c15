"""The set-based recompute (issue 11) gives today's engine figures to the penny, and writes only what changes.

The oracle is the engine run scheme by scheme through the selectors' `recompute_inputs` (what the recompute
did before it read plain values), over the demo data and over a seeded random portfolio.
"""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schemes.models import (
    DirectorAssessment,
    FigureOverride,
    PanelSitting,
    Scheme,
    SchemeMonth,
    SchemeRating,
)
from schemes.recompute import FIGURE_COLUMNS, organisation_year_recompute, portfolio_recompute
from schemes.selectors import engine_figures, recompute_inputs
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, SchemeFactory

pytestmark = pytest.mark.django_db


def reference_figures() -> dict[int, tuple]:
    """Every scheme's figures and monthly plan as the engine gives them, one scheme at a time."""
    schemes = list(Scheme.objects.select_related("organisation", "year").order_by("pk"))
    expected = {}
    for scheme, inputs in recompute_inputs(schemes):
        figures = engine_figures(inputs)
        expected[scheme.pk] = (
            figures.full_year_effect, figures.months_in_year, figures.plan_in_year, figures.next_year_effect,
            inputs.overall_rag or "", figures.most_likely, inputs.delivery_change_months, figures.adjusted_months,
            figures.director_value, figures.director_next_year, sorted(figures.overridden), figures.monthly_plan,
        )
    return expected


def stored_figures() -> dict[int, tuple]:
    plans: dict[int, list[D]] = {}
    for scheme_id, plan in SchemeMonth.objects.order_by("scheme_id", "month").values_list("scheme_id", "plan"):
        plans.setdefault(scheme_id, []).append(plan)
    return {row[0]: (*row[1:], tuple(plans.get(row[0], ())))
            for row in Scheme.objects.order_by("pk").values_list("pk", *FIGURE_COLUMNS)}


def writes(queries: CaptureQueriesContext, verbs: str = "UPDATE|INSERT") -> list[str]:
    """The statements that wrote (an executemany is logged as "N times: UPDATE ...")."""
    pattern = re.compile(rf"\s*(\d+ times: )?({verbs})\b", re.I)
    return [q["sql"] for q in queries.captured_queries if pattern.match(q["sql"])]


def random_portfolio(seed: int = 11, schemes: int = 120) -> None:
    chance = random.Random(seed)
    years = [FinancialYearFactory(start_year=2013), FinancialYearFactory(start_year=2014)]
    organisations = [OrganisationFactory(amber_factor=D(chance.choice(["0.75", "0.6", "0.333"])),
                                         red_factor=D(chance.choice(["0.5", "0.25", "0.1"])))
                     for _ in range(3)]
    sittings = {(o.pk, y.pk): PanelSitting.objects.create(organisation=o, year=y, held_on=date(2013, 5, 1))
                for o in organisations for y in years}
    for n in range(schemes):
        organisation, year = chance.choice(organisations), chance.choice(years)
        go_live = None if n % 7 == 0 else date(year.start_year + chance.choice([0, 0, 1]), chance.randint(1, 12), 1)
        scheme = SchemeFactory(
            organisation=organisation, year=year, reference=f"R{n}",
            programme=ProgrammeFactory(organisation=organisation),
            go_live=go_live, gross_saving=D(chance.randint(0, 3_000_000)) / 100 * chance.choice([1, 1, 1, 7]),
            new_investment=None if n % 3 else D(chance.randint(0, 500_000)) / 100,
        )
        if n % 2:
            rag = chance.choice(["green", "amber", "red"])
            SchemeRating.objects.create(sitting=sittings[organisation.pk, year.pk], scheme=scheme, value=rag,
                                        resources=rag, timescales=rag, codependencies=rag, overall=rag)
        if n % 4 == 1:
            DirectorAssessment.objects.create(scheme=scheme, assessed_on=date(2013, 6, 1),
                                              change_months=chance.randint(-12, 12))
        if n % 11 == 3:
            FigureOverride.objects.create(scheme=scheme, figure=chance.choice(["plan_in_year", "most_likely"]),
                                          value=D(chance.randint(0, 900_000)) / 100, reason="As published")


def test_the_set_based_recompute_matches_the_engine_to_the_penny_on_a_random_portfolio() -> None:
    random_portfolio()
    # Scramble what is stored, so every row has something to put right.
    Scheme.objects.update(plan_in_year=D("1"), director_value=D("2"), overall_rag="", figures_computed_at=None)
    SchemeMonth.objects.filter(month__in=[3, 12]).delete()
    assert portfolio_recompute().schemes == 120
    expected = reference_figures()
    assert stored_figures() == expected
    assert not Scheme.objects.filter(figures_computed_at__isnull=True).exists()


def test_the_set_based_recompute_matches_the_engine_on_the_demo_data(
        settings, django_capture_on_commit_callbacks) -> None:
    settings.DEBUG = True  # load_demo refuses to run without it
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    Scheme.objects.update(most_likely=D("0"), next_year_effect=D("0"))
    SchemeMonth.objects.update(plan=D("0"))
    portfolio_recompute()
    assert stored_figures() == reference_figures()


def test_a_recompute_that_changes_nothing_writes_nothing() -> None:
    random_portfolio(seed=3, schemes=30)
    portfolio_recompute()
    before = stored_figures()
    stamps = list(Scheme.objects.order_by("pk").values_list("figures_computed_at", flat=True))
    with CaptureQueriesContext(connection) as queries:
        portfolio_recompute()
    assert writes(queries) == []
    assert stored_figures() == before
    assert list(Scheme.objects.order_by("pk").values_list("figures_computed_at", flat=True)) == stamps


def test_one_changed_scheme_writes_one_scheme_row_and_its_changed_months() -> None:
    scheme = SchemeFactory(go_live=date(2013, 7, 1), gross_saving=D("120000"))
    organisation_year_recompute(organisation_id=scheme.organisation_id, year_id=scheme.year_id)
    Scheme.objects.filter(pk=scheme.pk).update(gross_saving=D("240000"))
    with CaptureQueriesContext(connection) as queries:
        assert organisation_year_recompute(organisation_id=scheme.organisation_id, year_id=scheme.year_id).schemes == 1
    assert len(writes(queries, "UPDATE")) == 2  # one for the scheme row, one for the nine changed months
    scheme.refresh_from_db()
    assert (scheme.plan_in_year, scheme.next_year_effect) == (D("180000.00"), D("60000.00"))
    assert list(SchemeMonth.objects.filter(scheme=scheme).values_list("plan", flat=True)) == (
        [D("0")] * 3 + [D("20000.00")] * 9)
