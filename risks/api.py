"""Read API for risks: thin, scoped through the selector, filtered by the register's FilterSet."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from risks.filters import RiskFilterSet
from risks.models import Risk
from risks.selectors import risks_for, stage_scores


class RiskSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name", allow_null=True)
    programme = serializers.CharField(source="programme.name", allow_null=True)
    scheme = serializers.CharField(source="scheme.reference", allow_null=True)
    mitigation = serializers.CharField()
    year_start_score = serializers.SerializerMethodField()
    year_start_band = serializers.SerializerMethodField()
    current_score = serializers.SerializerMethodField()
    current_band = serializers.SerializerMethodField()
    target_score = serializers.SerializerMethodField()
    target_band = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id", "organisation", "year", "reference", "title", "description", "category", "programme", "scheme",
            "owner", "impact", "mitigation", "review_date",
            "year_start_likelihood", "year_start_impact", "year_start_score", "year_start_band",
            "current_likelihood", "current_impact", "current_score", "current_band",
            "target_likelihood", "target_impact", "target_score", "target_band", "scores", "version",
        ]

    def _stage(self, risk: Risk, stage: str) -> Any:
        cache = getattr(risk, "_stage_scores", None)
        if cache is None:
            cache = {row.stage: row for row in stage_scores(risk)}
            risk._stage_scores = cache  # type: ignore[attr-defined]  # a per-serialisation cache on the row
        return cache[stage]

    def get_year_start_score(self, risk: Risk) -> int | None:
        return self._stage(risk, "year_start").score

    def get_year_start_band(self, risk: Risk) -> str | None:
        return self._stage(risk, "year_start").band

    def get_current_score(self, risk: Risk) -> int | None:
        return self._stage(risk, "current").score

    def get_current_band(self, risk: Risk) -> str | None:
        return self._stage(risk, "current").band

    def get_target_score(self, risk: Risk) -> int | None:
        return self._stage(risk, "target").score

    def get_target_band(self, risk: Risk) -> str | None:
        return self._stage(risk, "target").band

    def get_scores(self, risk: Risk) -> dict[str, dict[str, Any]]:
        """Each score in full: whether likelihood and impact are recorded, the published text, any discrepancy."""
        return {
            row.stage: {"likelihood_and_impact_recorded": row.recorded, "published": row.published,
                        "discrepancy": row.discrepancy}
            for row in (self._stage(risk, stage) for stage in ("year_start", "current", "target"))
        }


class RiskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet

    def get_queryset(self) -> QuerySet[Risk]:
        return risks_for(self.request.user).order_by("organisation__ods_code", "year__start_year", "reference", "id")
