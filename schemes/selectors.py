"""Reads and calculations over schemes, always scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet, Sum

from schemes import engine
from schemes.models import DirectorAssessment, FigureOverride, Scheme, SchemeMonth, SchemeRating

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from governance.models import FinancialYear, Organisation


def schemes_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Scheme]:
    return (
        Scheme.objects.for_user(user)
        .select_related("organisation", "year", "programme")
        .order_by("programme__name", "reference")
    )


def scheme_register(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> QuerySet[Scheme]:
    """The register's rows, with YTD actual annotated (one query however many schemes)."""
    return schemes_for(user).filter(organisation=organisation, year=year)


def latest_rating(scheme: Scheme) -> SchemeRating | None:
    return scheme.ratings.select_related("sitting").order_by("-sitting__held_on", "-id").first()


def latest_assessment(scheme: Scheme) -> DirectorAssessment | None:
    return scheme.director_assessments.order_by("-assessed_on", "-created_at").first()


def active_overrides(scheme: Scheme) -> dict[str, FigureOverride]:
    return {o.figure: o for o in scheme.overrides.filter(cleared_at__isnull=True)}


def scheme_engine_inputs(scheme: Scheme, **replace: Any) -> engine.SchemeInputs:
    """Everything the engine needs about one scheme, as plain values.

    `replace` lets a page preview a change (e.g. a director's assessment) before it is saved.
    """
    organisation = scheme.organisation
    rating = latest_rating(scheme)
    assessment = latest_assessment(scheme)
    values: dict[str, Any] = {
        "year_start": scheme.year.start_year,
        "go_live": scheme.go_live,
        "gross_saving": scheme.gross_saving,
        "new_investment": scheme.new_investment,
        "overall_rag": rating.overall if rating else None,
        "delivery_change_months": assessment.change_months if assessment else 0,
        "factors": engine.RagFactors(organisation.green_factor, organisation.amber_factor, organisation.red_factor),
        "overrides": {figure: o.value for figure, o in active_overrides(scheme).items()},
        "monthly_profile": [Decimal(v) for v in scheme.monthly_profile] if scheme.monthly_profile else None,
    }
    values.update(replace)
    return engine.SchemeInputs(**values)


def totals_of(schemes: QuerySet[Scheme]) -> engine.Totals:
    """Totals of stored (kept) figures, computed by the database in one query."""
    sums = schemes.aggregate(**{name: Sum(name) for name in engine.OVERRIDABLE})
    return engine.Totals(
        schemes=schemes.count(),
        # SQLite's SUM of decimals comes back with float noise; keep pennies as the papers do.
        **{name: engine.to_penny(Decimal(sums[name] or 0)) for name in engine.OVERRIDABLE},
    )


@dataclass(frozen=True)
class MonthRow:
    month: int
    plan: Decimal
    actual: Decimal | None
    forecast: Decimal | None


def scheme_with_months(user: AbstractBaseUser | AnonymousUser, pk: int) -> Scheme:
    return (
        schemes_for(user)
        .prefetch_related(Prefetch("months", queryset=SchemeMonth.objects.order_by("month")))
        .get(pk=pk)
    )
