"""Financial risks and mitigations, one register per month."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from finance.models.common import LEAD_LENGTH, MONTHS, SHORT_TEXT
from governance.fields import NOTE_LENGTH, limited_text
from governance.models import FinancialYear, Organisation
from governance.money import money_field, optional_money_field, storable_constraints
from governance.scoping import OrganisationScopedQuerySet


class FinancialRiskKind(models.TextChoices):
    RISK = "risk", "Risk"
    MITIGATION = "mitigation", "Mitigation"


class FinancialRiskMonth(models.Model):
    """An organisation's financial risks and mitigations register as at one month (M1..M12) of a year.

    Each month is its own set of rows, so last month's position stays readable as it was. The paper's
    published totals are kept beside the rows: its rows are rounded, so a printed total can differ from
    the sum of the printed rows (both are shown where they differ).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="financial_risk_months")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(validators=MONTHS, help_text="M1 is April, M12 March")
    published_risks_total = optional_money_field("published total risk")
    published_risks_assessed = optional_money_field("published assessed risk")
    published_risks_in_forecast = optional_money_field("published risk in forecast")
    published_risks_residual = optional_money_field("published residual risk")
    published_mitigations_total = optional_money_field("published total mitigations")
    published_mitigations_assessed = optional_money_field("published assessed mitigations")
    published_mitigations_in_forecast = optional_money_field("published mitigations in forecast")
    published_mitigations_residual = optional_money_field("published residual mitigations")
    source = models.CharField(max_length=SHORT_TEXT, blank=True, help_text="Where the figures come from")
    version = models.PositiveIntegerField(default=1)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "month"], name="one_financial_risk_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="financial_risk_month_1_12"),
            *storable_constraints(
                "fin_risk_month", "published_risks_total", "published_risks_assessed",
                "published_risks_in_forecast", "published_risks_residual", "published_mitigations_total",
                "published_mitigations_assessed", "published_mitigations_in_forecast",
                "published_mitigations_residual",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.year} M{self.month} financial risks"


class FinancialRisk(models.Model):
    """One financial risk or mitigation in a month's register. Amounts are positive pounds for both kinds."""

    register = models.ForeignKey(FinancialRiskMonth, on_delete=models.PROTECT, related_name="rows")
    kind = models.CharField(max_length=20, choices=FinancialRiskKind.choices)
    position = models.PositiveIntegerField(default=0, help_text="Order within its kind, as the paper lists them")
    description = models.CharField(max_length=SHORT_TEXT)
    total_value = money_field("total value")
    assessed_value = money_field("assessed value")
    in_forecast = money_field("in forecast")
    residual = money_field("residual", help_text="Assessed less in forecast: computed, never typed")
    published_percent = models.CharField(
        "published %", max_length=10, blank=True, help_text="The % as the paper printed it, where it did"
    )
    exec_lead = models.CharField("exec lead", max_length=LEAD_LENGTH, blank=True)
    process_to_manage = limited_text("process to manage", blank=True, max_length=NOTE_LENGTH)
    commentary = limited_text("commentary", blank=True, max_length=NOTE_LENGTH)
    version = models.PositiveIntegerField(default=1)

    organisation_scope = "register__organisation"
    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["register", "kind", "position", "id"]
        constraints = [
            *storable_constraints("financial_risk", "total_value", "assessed_value", "in_forecast", "residual"),
        ]

    def __str__(self) -> str:
        return self.description
