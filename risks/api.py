"""API for risks: thin, scoped through the selector, filtered by the register's FilterSet.

Those who keep the risk register add risks (POST) and change them (PATCH with the version they read) through the
register page's services; scores are likelihood x impact, never typed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.described import Described
from governance.api.writes import EditSerializer, OrganisationYearSerializer, ServiceWrites, text_input, write_responses
from governance.fields import DESCRIPTION_LENGTH
from governance.permissions import acting_user
from risks import services
from risks.filters import RiskFilterSet
from risks.models import STAGE_LABELS, Category, Risk
from risks.selectors import risks_for, stage_scores
from schemes.selectors import programmes_for, schemes_for


def _score(stage: str) -> serializers.SerializerMethodField:
    return serializers.SerializerMethodField(
        help_text=f"{STAGE_LABELS[stage]} score: likelihood x impact (1 to 25); null until both are scored")


def _band(stage: str) -> serializers.SerializerMethodField:
    return serializers.SerializerMethodField(
        help_text=f"{STAGE_LABELS[stage]} score's band: Green (1-3), Yellow (4-6), Amber (8-12), Red (15-25); null "
                  "until scored")


class RiskSerializer(Described, serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    year = serializers.CharField(source="year.name", allow_null=True,
                                 help_text='The register\'s financial year, e.g. "2018/19"; null for a risk recorded '
                                           "before registers had years")
    programme = serializers.CharField(source="programme.name", allow_null=True,
                                      help_text="The programme at risk; null for none")
    scheme = serializers.CharField(source="scheme.reference", allow_null=True,
                                   help_text="The reference of the scheme at risk; null for none")
    mitigation = serializers.CharField(help_text="Mitigating actions")
    year_start_score = _score("year_start")
    year_start_band = _band("year_start")
    current_score = _score("current")
    current_band = _band("current")
    target_score = _score("target")
    target_band = _band("target")
    scores = serializers.SerializerMethodField(
        help_text="Each stage (year_start, current, target) in full: likelihood_and_impact_recorded, the score as "
                  "the paper published it, and any discrepancy between the two in words")

    class Meta:
        model = Risk
        fields = [
            "id", "organisation", "year", "reference", "title", "description", "category", "programme", "scheme",
            "owner", "impact", "mitigation", "review_date",
            "year_start_likelihood", "year_start_impact", "year_start_score", "year_start_band",
            "current_likelihood", "current_impact", "current_score", "current_band",
            "target_likelihood", "target_impact", "target_score", "target_band", "scores", "version",
        ]
        descriptions = {
            "reference": 'The risk\'s reference on its register; "" where it has none',
            "title": "The risk, in a line", "description": "The risk described",
            "category": 'service_delivery, stakeholder, quality, financial or governance; "" when not recorded',
            "owner": "Owner / senior risk owner (SRO)", "impact": "What happens if the risk occurs",
            "review_date": "Next review date; null for none",
            **{f"{stage}_{part}": f"{STAGE_LABELS[stage]} score's {part}, 1 to 5; null until scored"
               for stage in ("year_start", "current", "target") for part in ("likelihood", "impact")},
        }

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


def _score_input(stage: str, part: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=5, allow_null=True,
        help_text=f"{STAGE_LABELS[stage]} score's {part}, 1 to 5 (give likelihood and impact together); null: not "
                  "scored",
    )


class RiskEditSerializer(EditSerializer):
    """A risk as the register page edits it."""

    title = text_input("The risk, in a line", max_length=300, allow_blank=False)
    description = text_input("The risk described", max_length=DESCRIPTION_LENGTH)
    category = serializers.ChoiceField(choices=Category.choices, allow_blank=True,
                                       help_text='The kind of risk; "" for not recorded')
    programme = serializers.CharField(max_length=200, allow_null=True,
                                      help_text="The name of the programme at risk (of the risk's organisation); "
                                                "null: none")
    scheme = serializers.CharField(max_length=30, allow_null=True,
                                   help_text="The reference of the scheme at risk (of the risk's organisation and "
                                             "year); null: none")
    owner = text_input("Owner / senior risk owner (SRO)", max_length=200)
    impact = text_input("What happens if the risk occurs", max_length=DESCRIPTION_LENGTH)
    mitigation = text_input("Mitigating actions", max_length=DESCRIPTION_LENGTH)
    review_date = serializers.DateField(allow_null=True, help_text="Next review date; null: none set")
    year_start_likelihood = _score_input("year_start", "likelihood")
    year_start_impact = _score_input("year_start", "impact")
    current_likelihood = _score_input("current", "likelihood")
    current_impact = _score_input("current", "impact")
    target_likelihood = _score_input("target", "likelihood")
    target_impact = _score_input("target", "impact")

    class Meta(EditSerializer.Meta):
        required_to_create = ("title",)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The programme by name and the scheme by reference, among the risk's organisation's (and year's)."""
        risk: Risk | None = self.context.get("record")
        organisation = attrs.get("organisation") or (risk.organisation if risk else None)
        year = attrs.get("year", risk.year if risk else None)
        user = self.context["request"].user
        if organisation is None:
            return attrs
        if attrs.get("programme") is not None:
            programme = programmes_for(user, organisation).filter(name__iexact=attrs["programme"].strip()).first()
            if programme is None:
                raise serializers.ValidationError({"programme": [f"{organisation.name} has no programme called "
                                                                 f"{attrs['programme'].strip()}."]})
            attrs["programme"] = programme
        if attrs.get("scheme") is not None:
            schemes = schemes_for(user).filter(organisation=organisation, reference__iexact=attrs["scheme"].strip())
            scheme = (schemes.filter(year=year) if year is not None else schemes).first()
            if scheme is None:
                raise serializers.ValidationError({"scheme": [f"{organisation.name} has no scheme "
                                                              f"{attrs['scheme'].strip()}"
                                                              f"{' in ' + year.name if year else ''}."]})
            attrs["scheme"] = scheme
        return attrs


class RiskCreateSerializer(OrganisationYearSerializer, RiskEditSerializer):
    """A new risk on an organisation's register for a year."""

    class Meta(RiskEditSerializer.Meta):
        creating = True


ROLE, WHAT = "keep the risk register", "risk"


@extend_schema_view(
    list=extend_schema(description="Risks on the registers of your organisations, with their 5x5 scores."),
    retrieve=extend_schema(description="One risk with its scores at year start, now and as the target."),
    create=extend_schema(description="Add a risk to an organisation's register for a year.",
                         request=RiskCreateSerializer, responses=write_responses(RiskSerializer, role=ROLE, what=WHAT,
                                                                                 created=True)),
    partial_update=extend_schema(
        description="Change a risk (a review of its scores too): send its `version` and the fields you change.",
        request=RiskEditSerializer, responses=write_responses(RiskSerializer, role=ROLE, what=WHAT)),
)
class RiskViewSet(ServiceWrites, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]  # a risk is changed, never replaced

    def get_queryset(self) -> QuerySet[Risk]:
        return risks_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.created(request, RiskCreateSerializer, lambda values: services.risk_create(
            actor=acting_user(request), organisation=values.pop("organisation"), year=values.pop("year"),
            title=values.pop("title"), **values))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.edited(request, RiskEditSerializer, lambda risk, version, changes: services.risk_update(
            actor=acting_user(request), risk=risk, expected_version=version, changes=changes))
