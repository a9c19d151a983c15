"""What panels and directors record against a scheme: panel sittings and their ratings, directors'
assessments, and the figures a director overrides."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from governance.fields import limited_text
from governance.models import FinancialYear, Organisation
from governance.money import money_field, storable_constraints
from governance.scoping import OrganisationScopedQuerySet
from schemes.models.choices import Figure, Rag
from schemes.models.schemes import Scheme


class PanelSitting(models.Model):
    """A dated sitting of the RAG panel (or Star Chamber) that rated schemes."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="panel_sittings")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    panel = models.CharField(max_length=100, default="RAG panel")
    notes = limited_text(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "held_on", "panel"], name="one_sitting_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.panel} {self.held_on:%d/%m/%Y}"


class SchemeRating(models.Model):
    """A panel's RAG ratings of one scheme at one sitting: four dimensions and overall."""

    sitting = models.ForeignKey(PanelSitting, on_delete=models.CASCADE, related_name="ratings")
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="ratings")
    value = models.CharField("value of scheme", max_length=10, choices=Rag.choices)
    resources = models.CharField("resources required to deliver", max_length=10, choices=Rag.choices)
    timescales = models.CharField("timescales / readiness", max_length=10, choices=Rag.choices)
    codependencies = models.CharField("co-dependencies / multi-agency", max_length=10, choices=Rag.choices)
    overall = models.CharField("overall scheme rating", max_length=10, choices=Rag.choices)
    comment = limited_text(blank=True)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "scheme__organisation"
    history = HistoricalRecords()

    class Meta:
        ordering = ["-sitting__held_on"]
        constraints = [models.UniqueConstraint(fields=["sitting", "scheme"], name="one_rating_per_sitting")]

    def __str__(self) -> str:
        return f"{self.scheme.reference} {self.get_overall_display()} ({self.sitting})"


class DirectorAssessment(models.Model):
    """A director moves delivery earlier (+N months) or later (-N) than the plan."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="director_assessments")
    assessed_on = models.DateField()
    change_months = models.SmallIntegerField(
        "change in delivery (months +/-)", validators=[MinValueValidator(-12), MaxValueValidator(12)]
    )
    director = models.CharField(max_length=200, blank=True)
    note = limited_text(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "scheme__organisation"
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "assessed_on"], name="one_assessment_per_scheme_day")
        ]

    def __str__(self) -> str:
        return f"{self.scheme.reference} {self.change_months:+d} months ({self.assessed_on:%d/%m/%Y})"


class FigureOverride(models.Model):
    """A computed figure set by hand, with the reason. Cleared overrides are kept as history."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="overrides")
    figure = models.CharField(max_length=30, choices=Figure.choices)
    value = money_field()
    reason = limited_text()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    clear_reason = limited_text(blank=True)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "scheme__organisation"
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "figure", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "figure"], condition=Q(cleared_at__isnull=True),
                                    name="one_active_override_per_figure"),
            models.CheckConstraint(condition=~Q(reason=""), name="override_needs_reason"),
            *storable_constraints("override", "value"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.reference} {self.get_figure_display()} = {self.value}"
