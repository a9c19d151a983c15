"""The set-based recompute's oracle and data, shared by the unit (SQLite) and integration (PostgreSQL) tests.

The oracle is the engine run scheme by scheme through the selectors' `recompute_inputs` (what the recompute
did before it read plain values). The checks run on either database; the caller provides the fixtures.
"""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal as D
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schemes.models import DirectorAssessment, FigureOverride, PanelSitting, Scheme, SchemeMonth, SchemeRating
from schemes.recompute import FIGURE_COLUMNS, portfolio_recompute
from schemes.selectors import engine_figures, recompute_inputs, scheme_engine_inputs
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, SchemeFactory


def reference_figures() -> dict[int, tuple[Any, ...]]:
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


def stored_figures() -> dict[int, tuple[Any, ...]]:
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
        if n % 13 == 5:  # two figures overridden: overridden_fields is a list of both, sorted
            for figure in ("next_year_effect", "director_value"):
                FigureOverride.objects.create(scheme=scheme, figure=figure, value=D(chance.randint(0, 90_000)) / 100,
                                              reason="Agreed at panel")
        if n % 5 == 2:  # its own phasing: uneven months adding up to its plan (or, one in two, not: linear)
            plan = engine_figures(scheme_engine_inputs(Scheme.objects.get(pk=scheme.pk))).plan_in_year
            cuts = sorted(D(chance.randint(0, int(plan * 100))) / 100 for _ in range(11)) if plan > 0 else [D(0)] * 11
            months = [b - a for a, b in zip([D(0), *cuts], [*cuts, plan], strict=True)]
            if n % 10 == 7:
                months[0] += D("0.01")
            Scheme.objects.filter(pk=scheme.pk).update(monthly_profile=[str(m) for m in months])


def scramble() -> None:
    """Put something wrong in every stored figure and month, and drop some months, for a recompute to put right."""
    Scheme.objects.update(plan_in_year=D("1"), director_value=D("2"), overall_rag="", most_likely=D("0"),
                          overridden_fields=[], figures_computed_at=None)
    SchemeMonth.objects.update(plan=D("0"))
    SchemeMonth.objects.filter(month__in=[3, 12]).delete()


def check_random_portfolio() -> None:
    """Every figure and month of a scrambled random portfolio put right, as the engine gives them."""
    random_portfolio()
    scramble()
    assert portfolio_recompute().schemes == 120
    assert stored_figures() == reference_figures()
    assert not Scheme.objects.filter(figures_computed_at__isnull=True).exists()


def check_demo_data(settings: Any, capture_on_commit: Any) -> None:
    """The demo data's figures, scrambled then recomputed, as the engine gives them.

    The load's own recompute is captured, not run (so nothing is sent to a broker): the first recompute here
    creates the months, the second puts the scrambled figures right.
    """
    settings.DEBUG = True  # load_demo refuses to run without it
    with capture_on_commit(execute=False):
        call_command("load_demo", verbosity=0)
    portfolio_recompute()
    scramble()
    portfolio_recompute()
    assert stored_figures() == reference_figures()


def check_no_change_writes_nothing() -> list[dict[str, Any]]:
    """A second recompute of an unchanged portfolio writes nothing; returns the queries it made."""
    random_portfolio(seed=3, schemes=30)
    portfolio_recompute()
    before = stored_figures()
    stamps = list(Scheme.objects.order_by("pk").values_list("figures_computed_at", flat=True))
    with CaptureQueriesContext(connection) as queries:
        done = portfolio_recompute()
    assert (done.schemes, done.schemes_written, done.months_written) == (30, 0, 0)
    assert writes(queries) == []
    assert stored_figures() == before
    assert list(Scheme.objects.order_by("pk").values_list("figures_computed_at", flat=True)) == stamps
    return list(queries.captured_queries)
