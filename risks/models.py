"""Delivery and corporate risks on the 5x5 matrix."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from governance.fields import DESCRIPTION_LENGTH, limited_text
from governance.models import Organisation
from governance.scoping import OrganisationScopedQuerySet
from schemes.models import Programme, Scheme

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class Category(models.TextChoices):
    SERVICE_DELIVERY = "service_delivery", "Service delivery"
    STAKEHOLDER = "stakeholder", "Stakeholder"
    QUALITY = "quality", "Quality"
    FINANCIAL = "financial", "Financial"
    GOVERNANCE = "governance", "Governance"


def score_band(score: int) -> str:
    """The band of a 5x5 score: 1-3 Green, 4-6 Yellow, 8-12 Amber, 15-25 Red."""
    if not 1 <= score <= 25:
        raise ValueError(f"A risk score is 1 to 25, not {score}")
    if score <= 3:
        return "Green"
    if score <= 6:
        return "Yellow"
    if score <= 12:
        return "Amber"
    return "Red"


class Risk(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="risks")
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
    # Scores are likelihood x impact; the product is never typed in, so "20 4x4" cannot happen.
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True, validators=ONE_TO_FIVE)
    consequence = models.PositiveSmallIntegerField("impact score", null=True, blank=True, validators=ONE_TO_FIVE)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "reference", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.consequence is None:
            return None
        return self.likelihood * self.consequence
