"""Delivery and corporate risks on the 5x5 matrix."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from governance.fields import DESCRIPTION_LENGTH, limited_text
from governance.models import FinancialYear, Organisation
from governance.scoping import OrganisationScopedQuerySet
from risks.scoring import risk_score, score_band
from schemes.models import Programme, Scheme

__all__ = ["STAGES", "Category", "Risk", "score_band"]  # score_band lives in risks.scoring

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]
ONE_TO_25 = [MinValueValidator(1), MaxValueValidator(25)]
STAGES = ("year_start", "current", "target")
STAGE_LABELS = {"year_start": "Year start", "current": "Current", "target": "Target"}


class Category(models.TextChoices):
    SERVICE_DELIVERY = "service_delivery", "Service delivery"
    STAKEHOLDER = "stakeholder", "Stakeholder"
    QUALITY = "quality", "Quality"
    FINANCIAL = "financial", "Financial"
    GOVERNANCE = "governance", "Governance"


class Risk(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="risks")
    # The financial year whose register holds the risk (null for risks recorded before registers had years).
    year = models.ForeignKey(FinancialYear, null=True, blank=True, on_delete=models.PROTECT, related_name="risks")
    reference = models.CharField(max_length=30, blank=True)
    title = models.CharField(max_length=300)
    description = limited_text(blank=True, max_length=DESCRIPTION_LENGTH)
    category = models.CharField(max_length=30, choices=Category.choices, blank=True)
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks")
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks")
    impact = limited_text("impact", blank=True, max_length=DESCRIPTION_LENGTH)
    mitigation = limited_text("mitigating actions", blank=True, max_length=DESCRIPTION_LENGTH)
    owner = models.CharField(max_length=200, blank=True)
    review_date = models.DateField(null=True, blank=True)
    # Three scores on the 5x5 matrix: at year start, now, and the target. Likelihood and impact are typed;
    # the score is always their product (risks.scoring.risk_score; in queries risks.selectors.with_scores),
    # never typed nor stored, so "20 4x4" cannot happen here.
    # `*_published` keeps a paper's own text where it disagrees with its likelihood x impact or gave none;
    # `*_published_score` keeps a bare published score ("12 Amber") while likelihood and impact are not recorded.
    year_start_likelihood = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_FIVE)
    year_start_impact = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_FIVE)
    year_start_published = models.CharField(max_length=40, blank=True)
    year_start_published_score = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_25)
    current_likelihood = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_FIVE)
    current_impact = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_FIVE)
    current_published = models.CharField(max_length=40, blank=True)
    current_published_score = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_25)
    target_likelihood = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_FIVE)
    target_impact = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_FIVE)
    target_published = models.CharField(max_length=40, blank=True)
    target_published_score = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_25)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "reference", "id"]
        # The database keeps the matrix too: each likelihood and impact 1 to 5, given together or not at all.
        constraints = [
            *(models.CheckConstraint(
                condition=models.Q(**{f"{stage}_{part}__isnull": True})
                | models.Q(**{f"{stage}_{part}__gte": 1, f"{stage}_{part}__lte": 5}),
                name=f"risk_{stage}_{part}_1_to_5",
            ) for stage in STAGES for part in ("likelihood", "impact")),
            *(models.CheckConstraint(
                condition=models.Q(**{f"{stage}_likelihood__isnull": True, f"{stage}_impact__isnull": True})
                | models.Q(**{f"{stage}_likelihood__isnull": False, f"{stage}_impact__isnull": False}),
                name=f"risk_{stage}_pair_together",
            ) for stage in STAGES),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # Pages of other apps (a scheme's risks) link here without naming the risks app's URLs.
        return reverse("risks:detail", args=[self.pk])

    def score(self, stage: str) -> int | None:
        """Likelihood x impact at `stage`, or None while either is not recorded."""
        return risk_score(getattr(self, f"{stage}_likelihood"), getattr(self, f"{stage}_impact"))

    def band(self, stage: str) -> str | None:
        """The band of the computed score, else of a bare published score kept without likelihood and impact."""
        score = self.score(stage) or getattr(self, f"{stage}_published_score")
        return None if score is None else score_band(score)

    @property
    def year_start_score(self) -> int | None:
        return self.score("year_start")

    @property
    def current_score(self) -> int | None:
        return self.score("current")

    @property
    def target_score(self) -> int | None:
        return self.score("target")

    @property
    def current_band(self) -> str | None:
        return self.band("current")

    @property
    def year_start_band(self) -> str | None:
        return self.band("year_start")

    @property
    def target_band(self) -> str | None:
        return self.band("target")
