"""One scheme: the schemes a user may see, its page, its overrides and its history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from schemes.models import DirectorAssessment, FigureOverride, KeyStage, Scheme, SchemeMonth, SchemeRating, StageChange

if TYPE_CHECKING:
    from governance.permissions import Viewer


def schemes_for(user: Viewer) -> QuerySet[Scheme]:
    return (
        Scheme.objects.for_user(user)
        .select_related("organisation", "year", "programme")
        .order_by("programme__name", "reference")
    )


def scheme_for_page(user: Viewer, pk: int) -> Scheme:
    """One scheme with everything its page shows, in a bounded number of queries.

    Raises Scheme.DoesNotExist when the user may not see it (the view turns that into a 404).
    """
    return (
        schemes_for(user)
        .prefetch_related(
            Prefetch("months", queryset=SchemeMonth.objects.order_by("month")),
            Prefetch(
                "ratings",
                queryset=SchemeRating.objects.select_related("sitting").order_by("-sitting__held_on", "-id"),
            ),
            Prefetch(
                "director_assessments",
                queryset=DirectorAssessment.objects.select_related("recorded_by").order_by(
                    "-assessed_on", "-created_at"
                ),
            ),
            Prefetch(
                "overrides",
                queryset=FigureOverride.objects.select_related("created_by", "cleared_by").order_by("-created_at"),
            ),
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("recorded_by")),
            Prefetch("key_stages", queryset=KeyStage.objects.order_by("order", "id")),
            # Risks sit above schemes (risks app): prefetched by name, in the Risk model's own order.
            "risks",
        )
        .get(pk=pk)
    )


def override_token(scheme: Scheme) -> int:
    """Changes whenever an override of the scheme is set or cleared (its latest history row)."""
    return FigureOverride.history.filter(scheme_id=scheme.pk).aggregate(latest=Max("history_id"))["latest"] or 0


def with_override_tokens(schemes: QuerySet[Scheme]) -> QuerySet[Scheme]:
    """The schemes, each with `override_token` (its `override_token` number, 0 before any override) in the same
    query: what the API's callers send back when they set or clear an override."""
    latest = (FigureOverride.history.filter(scheme_id=OuterRef("pk")).order_by().values("scheme_id")
              .annotate(latest=Max("history_id")).values("latest"))
    return schemes.annotate(override_token=Coalesce(Subquery(latest), 0))


def scheme_as_of_version(scheme: Scheme, version: int | None) -> Any | None:
    """The scheme's fields as they were saved at `version` (its history record), if known."""
    if version is None:
        return None
    return scheme.history.filter(version=version).order_by("-history_date", "-history_id").first()


def scheme_history(scheme: Scheme) -> list[Any]:
    """The scheme's history records, oldest first, with who made each (one query)."""
    return list(scheme.history.select_related("history_user").order_by("history_date", "history_id"))


def overrides_for(user: Viewer) -> QuerySet[FigureOverride]:
    """Every override the user may see, in force and cleared (cleared ones are the history of hand-set figures)."""
    return FigureOverride.objects.for_user(user).select_related(
        "scheme__organisation", "scheme__year").order_by("scheme__organisation__ods_code", "scheme__reference",
                                                         "figure", "-created_at", "id")
