"""Programmes, schemes, their months and their programme targets.

Figures the savings engine computes are stored on the scheme (lists and dashboards read them
without recomputing); the recompute (`schemes/recompute/`) is the only writer of those fields.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from governance.fields import DESCRIPTION_LENGTH, limited_text
from governance.models import FinancialYear, Organisation
from governance.money import money_field, optional_money_field, storable_constraints
from governance.scoping import OrganisationScopedQuerySet
from schemes.models.choices import Phase, Rag, SchemeType, Stage


class Programme(models.Model):
    """A programme, workstream or priority area ("transformation heading") of an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=200)
    clinical_lead = models.CharField(max_length=200, blank=True)
    managerial_lead = models.CharField(max_length=200, blank=True)
    description = limited_text(blank=True, max_length=DESCRIPTION_LENGTH)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_programme_name")]

    def __str__(self) -> str:
        return self.name


COMPUTED_FIELDS = [
    "full_year_effect",
    "months_in_year",
    "plan_in_year",
    "next_year_effect",
    "overall_rag",
    "most_likely",
    "delivery_change_months",
    "adjusted_months",
    "director_value",
    "director_next_year",
    "overridden_fields",
    "figures_computed_at",
]


class Scheme(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="schemes")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="schemes")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="schemes")
    reference = models.CharField(max_length=30, help_text="The scheme's reference, e.g. MM1, US4 or 15b")
    name = models.CharField("scheme name", max_length=300)
    project_owner = models.CharField(max_length=200, blank=True)
    clinical_lead = models.CharField(max_length=200, blank=True)
    managerial_lead = models.CharField(max_length=200, blank=True)
    description = limited_text(blank=True, max_length=DESCRIPTION_LENGTH)
    kpis = limited_text("KPIs", blank=True, max_length=DESCRIPTION_LENGTH)
    phase = models.PositiveSmallIntegerField(choices=Phase.choices, null=True, blank=True)
    scheme_type = models.CharField("type", max_length=20, choices=SchemeType.choices, blank=True)
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.PIPELINE)
    go_live = models.DateField(
        "go-live month", null=True, blank=True,
        help_text="First month the scheme saves money. Blank means live for the whole year.",
    )
    current_cost = optional_money_field(
        "initial opportunity / current cost",
        help_text="Full-year cost of the service today (Bexley's scoping 'GROSS' column)",
    )
    gross_saving = money_field("gross saving (full year)", default=Decimal("0"))
    new_investment = optional_money_field(
        "new investment (full year)",
        help_text="Blank when none is recorded; tick 'to be confirmed' when the paper says TBC",
    )
    investment_tbc = models.BooleanField("investment to be confirmed", default=False)
    stated_net_saving = optional_money_field(
        "net saving as published",
        help_text="Kept when a paper states a net saving other than gross less investment",
    )
    monthly_profile = models.JSONField(
        null=True, blank=True,
        help_text="Own monthly phasing M1..M12 (pounds, as strings); blank means linear from go-live",
    )

    # Stored results of the savings engine (written only by the recompute, schemes/recompute/).
    full_year_effect = money_field(default=Decimal("0"))
    months_in_year = models.PositiveSmallIntegerField(default=0)
    plan_in_year = money_field(default=Decimal("0"))
    next_year_effect = money_field(default=Decimal("0"))
    overall_rag = models.CharField(max_length=10, choices=Rag.choices, blank=True)
    most_likely = money_field(default=Decimal("0"))
    delivery_change_months = models.SmallIntegerField(default=0)
    adjusted_months = models.PositiveSmallIntegerField(default=0)
    director_value = money_field("director's value this year", default=Decimal("0"))
    director_next_year = money_field("director's value next year", default=Decimal("0"))
    overridden_fields = models.JSONField(default=list, blank=True)
    figures_computed_at = models.DateTimeField(null=True, blank=True)

    # Optimistic locking: every edit states the version it started from.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=[*COMPUTED_FIELDS, "updated_at", "created_at"])

    class Meta:
        ordering = ["organisation", "year", "programme__name", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "reference"], name="unique_scheme_reference"),
            models.CheckConstraint(condition=Q(phase__isnull=True) | Q(phase__gte=1, phase__lte=4),
                                   name="scheme_phase_1_to_4"),
            models.CheckConstraint(condition=Q(stage__gte=0, stage__lte=5), name="scheme_stage_0_to_5"),
            *storable_constraints("scheme", "current_cost", "gross_saving", "new_investment", "stated_net_saving",
                                  "full_year_effect", "plan_in_year", "next_year_effect", "most_likely",
                                  "director_value", "director_next_year"),
        ]
        indexes = [
            models.Index(fields=["organisation", "year"]),
            # The register filtered by programme, in reference order; the API's pages of one organisation-year
            # in id order (its cursor's). PostgreSQL also has trigram indexes for the text search (migration 0004).
            models.Index(fields=["organisation", "year", "programme", "reference"], name="scheme_programme_reference"),
            models.Index(fields=["organisation", "year", "id"], name="scheme_organisation_year_id"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def net_saving(self) -> Decimal:
        """Gross less investment; an investment still 'to be confirmed' adds nothing."""
        return self.gross_saving - (self.new_investment or Decimal("0"))

    @property
    def net_discrepancy(self) -> Decimal | None:
        """How far the published net differs from gross less investment, if it does."""
        if self.stated_net_saving is None or self.stated_net_saving == self.net_saving:
            return None
        return self.stated_net_saving - self.net_saving


class SchemeMonth(models.Model):
    """One month of a scheme's year: plan (from the phasing), actual and forecast savings."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    plan = money_field(default=Decimal("0"))
    actual = optional_money_field()
    forecast = optional_money_field()
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "scheme__organisation"
    history = HistoricalRecords(excluded_fields=["plan", "updated_at"])

    class Meta:
        ordering = ["scheme", "month"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "month"], name="one_row_per_scheme_month"),
            *storable_constraints("scheme_month", "plan", "actual", "forecast"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.reference} M{self.month}"


class ProgrammeTarget(models.Model):
    """A programme's planned saving for one year (NHS Surrey's four-year savings table)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    planned_saving = money_field()
    source = models.CharField(max_length=300, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "programme__organisation"

    class Meta:
        ordering = ["programme", "year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="one_target_per_programme_year"),
            *storable_constraints("programme_target", "planned_saving"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}: {self.planned_saving}"
