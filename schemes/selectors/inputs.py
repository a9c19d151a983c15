"""The savings engine's inputs, built in one place (`engine_inputs`): for one scheme (its latest rating,
director's assessment and active overrides), for many at once (the recompute), from a scheme's stored
judgements (the scheme page's workings) or from plain values (the importer's rows, before anything is
saved).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from schemes import engine
from schemes.models import DirectorAssessment, FigureOverride, Scheme, SchemeRating

if TYPE_CHECKING:
    from governance.models import Organisation


def latest_rating(scheme: Scheme) -> SchemeRating | None:
    return scheme.ratings.select_related("sitting").order_by("-sitting__held_on", "-id").first()


def latest_ratings(schemes: Iterable[Scheme]) -> dict[int, SchemeRating]:
    """Each scheme's latest rating, newest sitting first (one query for any number of schemes)."""
    ids = [s.pk for s in schemes]
    latest: dict[int, SchemeRating] = {}
    ratings = SchemeRating.objects.filter(scheme_id__in=ids).select_related("sitting").order_by(
        "scheme_id", "-sitting__held_on", "-id"
    )
    for rating in ratings:
        latest.setdefault(rating.scheme_id, rating)
    return latest


def latest_assessment(scheme: Scheme) -> DirectorAssessment | None:
    """The assessment in use: the one with the newest date."""
    return scheme.director_assessments.order_by("-assessed_on", "-created_at").first()


def active_overrides(scheme: Scheme) -> dict[str, FigureOverride]:
    """The scheme's overrides in force, by figure (uses `scheme.overrides` as prefetched, if it is)."""
    return {o.figure: o for o in scheme.overrides.all() if o.cleared_at is None}


def rag_factors(organisation: Organisation) -> engine.RagFactors:
    return engine.RagFactors(organisation.green_factor, organisation.amber_factor, organisation.red_factor)


def engine_inputs(scheme: Scheme | None = None, **values: Any) -> engine.SchemeInputs:
    """The savings engine's inputs: the one place they are built.

    From a scheme: its own inputs (year, go-live, gross saving, new investment, monthly profile) and
    its organisation's RAG factors, with `values` giving the rest (`overall_rag`,
    `delivery_change_months`, `overrides`) or replacing any of them (a page previewing a change).
    Without a scheme (the importer's rows, before anything is saved) every input is given in `values`.
    """
    if scheme is not None:
        values = {
            "year_start": scheme.year.start_year,
            "go_live": scheme.go_live,
            "gross_saving": scheme.gross_saving,
            "new_investment": scheme.new_investment,
            "monthly_profile": scheme.monthly_profile,
            "factors": rag_factors(scheme.organisation),
            **values,
        }
    profile = values.get("monthly_profile")
    values["monthly_profile"] = [Decimal(v) for v in profile] if profile else None
    values["overall_rag"] = values.get("overall_rag") or None  # a scheme not rated yet stores ""
    return engine.SchemeInputs(**values)


def _with_judgements(
    scheme: Scheme, *, rating: SchemeRating | None, assessment: DirectorAssessment | None,
    overrides: dict[str, Decimal], **replace: Any,
) -> engine.SchemeInputs:
    """A scheme's inputs with its latest rating, director's assessment and active overrides."""
    return engine_inputs(scheme, **{
        "overall_rag": rating.overall if rating else None,
        "delivery_change_months": assessment.change_months if assessment else 0,
        "overrides": overrides,
        **replace,
    })


def scheme_engine_inputs(scheme: Scheme, **replace: Any) -> engine.SchemeInputs:
    """Everything the engine needs about one scheme, as plain values.

    `replace` lets a page preview a change (e.g. a director's assessment) before it is saved.
    """
    saved = scheme.pk is not None  # a scheme being created has no ratings, assessments or overrides yet
    return _with_judgements(
        scheme,
        rating=latest_rating(scheme) if saved else None,
        assessment=latest_assessment(scheme) if saved else None,
        overrides={figure: o.value for figure, o in active_overrides(scheme).items()} if saved else {},
        **replace,
    )


def engine_figures(inputs: engine.SchemeInputs) -> engine.SchemeFigures:
    """The engine's figures for these inputs, as the recompute stores them.

    A stored profile that no longer sums to the plan (the plan changed since) falls back to linear
    phasing; the scheme page shows the mismatch for the PMO to fix.
    """
    try:
        return engine.compute(inputs)
    except engine.ProfileError:
        return engine.compute(replace(inputs, monthly_profile=None))


def recompute_inputs(schemes: list[Scheme]) -> list[tuple[Scheme, engine.SchemeInputs]]:
    """Every engine input of these schemes in four queries, however many schemes.

    The schemes come with their organisation and year; the recompute service reads and locks them
    (a selector takes no locks).
    """
    scheme_ids = [scheme.pk for scheme in schemes]
    ratings = latest_ratings(schemes)
    assessments: dict[int, DirectorAssessment] = {}
    for assessment in DirectorAssessment.objects.filter(scheme_id__in=scheme_ids).order_by(
        "scheme_id", "-assessed_on", "-created_at"
    ):
        assessments.setdefault(assessment.scheme_id, assessment)
    overrides: dict[int, dict[str, Decimal]] = {}
    for override in FigureOverride.objects.filter(scheme_id__in=scheme_ids, cleared_at__isnull=True):
        overrides.setdefault(override.scheme_id, {})[override.figure] = override.value
    return [
        (scheme, _with_judgements(scheme, rating=ratings.get(scheme.pk), assessment=assessments.get(scheme.pk),
                                  overrides=overrides.get(scheme.pk, {})))
        for scheme in schemes
    ]
