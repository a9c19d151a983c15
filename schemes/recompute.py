"""The recompute service: the only writer of the figures the savings engine computes.

Its own module so the Celery task can import it while `schemes.services` imports the task (no cycle).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from schemes.models import COMPUTED_FIELDS, Scheme, SchemeMonth
from schemes.selectors import engine_figures, recompute_inputs


@transaction.atomic
def scheme_recompute(*, scheme_id: int) -> Scheme:
    """Run the engine on one scheme's inputs and store its figures and monthly plan. Idempotent."""
    return schemes_recompute(scheme_ids=[scheme_id])[0]


@transaction.atomic
def schemes_recompute(*, scheme_ids: Iterable[int]) -> list[Scheme]:
    """Run the engine on many schemes and store their figures and monthly plans, in a fixed number of queries.

    Idempotent. Stored results are written with bulk_update, not save(): a recompute is not a user's
    edit, so it makes no version bump and no history row.
    """
    now = timezone.now()
    recomputed: list[Scheme] = []
    plans: dict[int, tuple[Decimal, ...]] = {}
    # Lock the schemes first: an edit committing meanwhile waits, then triggers its own recompute.
    schemes = list(
        Scheme.objects.select_for_update(of=("self",)).select_related("organisation", "year")
        .filter(pk__in=set(scheme_ids)).order_by("pk")
    )
    for scheme, inputs in recompute_inputs(schemes):
        figures = engine_figures(inputs)
        scheme.full_year_effect = figures.full_year_effect
        scheme.months_in_year = figures.months_in_year
        scheme.plan_in_year = figures.plan_in_year
        scheme.next_year_effect = figures.next_year_effect
        scheme.overall_rag = inputs.overall_rag or ""
        scheme.most_likely = figures.most_likely
        scheme.delivery_change_months = inputs.delivery_change_months
        scheme.adjusted_months = figures.adjusted_months
        scheme.director_value = figures.director_value
        scheme.director_next_year = figures.director_next_year
        scheme.overridden_fields = sorted(figures.overridden)
        scheme.figures_computed_at = now
        plans[scheme.pk] = figures.monthly_plan
        recomputed.append(scheme)
    Scheme.objects.bulk_update(recomputed, COMPUTED_FIELDS, batch_size=200)
    existing = {(m.scheme_id, m.month): m for m in SchemeMonth.objects.filter(scheme_id__in=plans)}
    to_create, to_update = [], []
    for scheme_id, monthly in plans.items():
        for index, plan in enumerate(monthly, start=1):
            row = existing.get((scheme_id, index))
            if row is None:
                to_create.append(SchemeMonth(scheme_id=scheme_id, month=index, plan=plan))
            elif row.plan != plan:
                row.plan = plan
                to_update.append(row)
    SchemeMonth.objects.bulk_create(to_create, batch_size=500)
    SchemeMonth.objects.bulk_update(to_update, ["plan"], batch_size=500)
    return recomputed


@dataclass(frozen=True)
class PortfolioRecompute:
    batches: int
    schemes: int


@transaction.atomic
def organisation_year_recompute(*, organisation_id: int, year_id: int) -> int:
    """Recompute every scheme of one organisation's year, in one transaction; returns how many."""
    scheme_ids = list(Scheme.objects.filter(organisation_id=organisation_id, year_id=year_id)
                      .values_list("pk", flat=True))
    return len(schemes_recompute(scheme_ids=scheme_ids))


def portfolio_recompute() -> PortfolioRecompute:
    """Recompute every organisation's schemes, an organisation-year at a time (the nightly job).

    Deliberately not one transaction: each batch commits on its own, so an edit waits for one
    organisation-year's locks at most, never the whole run, and a run cut short keeps what it finished
    (running it again is safe: the engine gives the same figures).
    """
    batches = list(Scheme.objects.order_by("organisation_id", "year_id")
                   .values_list("organisation_id", "year_id").distinct())
    schemes = sum(organisation_year_recompute(organisation_id=organisation_id, year_id=year_id)
                  for organisation_id, year_id in batches)
    return PortfolioRecompute(batches=len(batches), schemes=schemes)
