"""RAG panel sittings and directors' assessments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from schemes import engine
from schemes.models import DirectorAssessment, PanelSitting, Scheme, SchemeRating
from schemes.selectors.inputs import engine_figures, scheme_engine_inputs

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


def rating_tokens(scheme_ids: Iterable[int]) -> dict[int, int]:
    """A number per scheme that changes whenever any of its ratings is saved (its latest history row).

    The panel page sends back the tokens it was drawn with, so a second panel member's save cannot
    silently overwrite ratings recorded in the meantime.
    """
    rows = (
        SchemeRating.history.filter(scheme_id__in=list(scheme_ids))
        .values("scheme_id")
        .annotate(latest=Max("history_id"))
    )
    return {row["scheme_id"]: row["latest"] for row in rows}


def with_rating_tokens(schemes: QuerySet[Scheme]) -> QuerySet[Scheme]:
    """The schemes, each with `rating_token` (its `rating_tokens` number, 0 before any rating) in the same query:
    what the API's callers send back when they record a sitting."""
    latest = (SchemeRating.history.filter(scheme_id=OuterRef("pk")).order_by().values("scheme_id")
              .annotate(latest=Max("history_id")).values("latest"))
    return schemes.annotate(rating_token=Coalesce(Subquery(latest), 0))


def panel_sittings(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> QuerySet[PanelSitting]:
    return (
        PanelSitting.objects.for_user(user)
        .filter(organisation=organisation, year=year)
        .select_related("recorded_by")
        .annotate(rating_count=Count("ratings"))
        .order_by("-held_on", "-created_at")
    )


def panel_sitting(user: Viewer, pk: int) -> PanelSitting:
    return PanelSitting.objects.for_user(user).select_related("organisation", "year", "recorded_by").get(pk=pk)


def sitting_ratings(sitting: PanelSitting) -> QuerySet[SchemeRating]:
    return sitting.ratings.select_related("scheme", "scheme__programme").order_by(
        "scheme__programme__name", "scheme__reference"
    )


def newest_assessment(scheme: Scheme) -> DirectorAssessment | None:
    """The assessment recorded last, whatever its date: its id is the director's page's edit token."""
    return scheme.director_assessments.order_by("-created_at", "-id").first()


def director_assessments(scheme: Scheme) -> QuerySet[DirectorAssessment]:
    return scheme.director_assessments.select_related("recorded_by").order_by("-assessed_on", "-created_at")


@dataclass(frozen=True)
class DirectorPreview:
    change_months: int
    figures: engine.SchemeFigures


def director_preview(scheme: Scheme, change_months: int) -> DirectorPreview:
    """What the scheme's figures would be with this change in delivery (nothing is saved)."""
    figures = engine_figures(scheme_engine_inputs(scheme, delivery_change_months=change_months))
    return DirectorPreview(change_months=change_months, figures=figures)


def panel_sittings_for(user: Viewer) -> QuerySet[PanelSitting]:
    """Every sitting the user may see, with its ratings and their schemes (two queries a page)."""
    ratings = SchemeRating.objects.for_user(user).select_related("scheme").order_by("scheme__reference")
    return (PanelSitting.objects.for_user(user).select_related("organisation", "year")
            .prefetch_related(Prefetch("ratings", queryset=ratings))
            .order_by("organisation__ods_code", "-held_on", "id"))


def director_assessments_for(user: Viewer) -> QuerySet[DirectorAssessment]:
    return DirectorAssessment.objects.for_user(user).select_related(
        "scheme__organisation", "scheme__year").order_by("scheme__organisation__ods_code", "-assessed_on", "id")
