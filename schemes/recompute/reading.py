"""One chunk of schemes: their engine inputs and stored figures read as plain values (five queries), the pure
engine run over them, and the rows whose stored values differ from the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F

from schemes import engine
from schemes.models import DirectorAssessment, FigureOverride, Scheme, SchemeMonth, SchemeRating
from schemes.selectors import engine_figures, engine_inputs

# The stored figures compared and written, in this order (figures_computed_at is stamped apart).
FIGURE_COLUMNS = ("full_year_effect", "months_in_year", "plan_in_year", "next_year_effect", "overall_rag",
                  "most_likely", "delivery_change_months", "adjusted_months", "director_value",
                  "director_next_year", "overridden_fields")
_INPUTS = ("pk", "year_start", "go_live", "gross_saving", "new_investment", "monthly_profile",
           "green", "amber", "red", "figures_computed_at")


@dataclass
class Changes:
    """What a chunk writes: scheme rows (id, *FIGURE_COLUMNS), month plans to update and to create."""

    schemes: int = 0
    scheme_rows: list[tuple[Any, ...]] = field(default_factory=list)
    month_updates: list[tuple[int, int, Decimal]] = field(default_factory=list)
    month_inserts: list[tuple[int, int, Decimal]] = field(default_factory=list)


def _latest_by_scheme(rows: Any) -> dict[int, Any]:
    """The first value per scheme of (scheme_id, value) rows ordered newest first within each scheme."""
    latest: dict[int, Any] = {}
    for scheme_id, value in rows:
        latest.setdefault(scheme_id, value)
    return latest


def chunk_changes(ids: list[int], *, stamp_all: bool) -> Changes:
    """The engine's figures for these schemes against what is stored: only what differs is returned.

    A scheme never computed is written even when its defaults happen to match; so is every scheme of an
    edit's recompute (`stamp_all`), whose pages say when the edit's figures were computed.
    """
    schemes = (Scheme.objects.filter(pk__in=ids).order_by("pk")
               .annotate(year_start=F("year__start_year"), green=F("organisation__green_factor"),
                         amber=F("organisation__amber_factor"), red=F("organisation__red_factor"))
               .values_list(*_INPUTS, *FIGURE_COLUMNS))
    ratings = _latest_by_scheme(SchemeRating.objects.filter(scheme_id__in=ids)
                                .order_by("scheme_id", "-sitting__held_on", "-id").values_list("scheme_id", "overall"))
    assessments = _latest_by_scheme(DirectorAssessment.objects.filter(scheme_id__in=ids)
                                    .order_by("scheme_id", "-assessed_on", "-created_at")
                                    .values_list("scheme_id", "change_months"))
    overrides: dict[int, dict[str, Decimal]] = {}
    # .order_by(): no default ordering, whose joins (organisation, year, programme) cost more than the read.
    for scheme_id, figure, value in (FigureOverride.objects.filter(scheme_id__in=ids, cleared_at__isnull=True)
                                     .order_by().values_list("scheme_id", "figure", "value")):
        overrides.setdefault(scheme_id, {})[figure] = value
    plans = {(scheme_id, month): plan for scheme_id, month, plan in
             SchemeMonth.objects.filter(scheme_id__in=ids).order_by().values_list("scheme_id", "month", "plan")}

    changes = Changes()
    width = len(_INPUTS)
    for row in schemes:
        pk, year_start, go_live, gross, investment, profile, green, amber, red, computed_at = row[:width]
        overall = ratings.get(pk) or ""
        change_months = assessments.get(pk, 0)
        figures = engine_figures(engine_inputs(
            year_start=year_start, go_live=go_live, gross_saving=gross, new_investment=investment,
            monthly_profile=profile, factors=engine.RagFactors(green, amber, red), overall_rag=overall,
            delivery_change_months=change_months, overrides=overrides.get(pk, {}),
        ))
        values = (figures.full_year_effect, figures.months_in_year, figures.plan_in_year, figures.next_year_effect,
                  overall, figures.most_likely, change_months, figures.adjusted_months, figures.director_value,
                  figures.director_next_year, sorted(figures.overridden))
        changes.schemes += 1
        if stamp_all or computed_at is None or values != row[width:]:
            changes.scheme_rows.append((pk, *values))
        for month, plan in enumerate(figures.monthly_plan, start=1):
            kept = plans.get((pk, month))
            if kept is None:
                changes.month_inserts.append((pk, month, plan))
            elif kept != plan:
                changes.month_updates.append((pk, month, plan))
    return changes

