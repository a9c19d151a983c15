"""The financial plan: the savings requirement ("gap") QIPP must close, and the plan's lines."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from simple_history.models import HistoricalRecords

from governance.models import FinancialYear, Organisation
from governance.money import money_field, optional_money_field, storable_constraints
from governance.scoping import OrganisationScopedQuerySet


class FinancialPlan(models.Model):
    """Allocation and planned expenditure for a year, and the QIPP the plan counts on.

    Papers state planned expenditure two ways. Most (Shropshire) give spend before QIPP: the gap to
    allocation is the savings requirement, all of it QIPP. Some (Cambridgeshire 2018/19) give spend that
    already nets off the planned QIPP, and plan a deficit: there the QIPP commitment (35,142) and the planned
    deficit after QIPP (35,069) are two different figures. `planned_qipp` is the QIPP netted off
    `planned_expenditure` (0 when it nets off none); selectors.plan derives the rest.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="financial_plans")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    allocation = money_field()
    planned_expenditure = money_field(help_text="As the plan states it: net of planned_qipp where that is set")
    planned_qipp = money_field(
        "planned QIPP netted off", default=Decimal("0"),
        help_text="QIPP savings already taken off the planned expenditure (positive pounds); 0 if none",
    )
    source = models.CharField(max_length=300, blank=True, help_text="Where the figures come from")

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_plan_per_year"),
            *storable_constraints("financial_plan", "allocation", "planned_expenditure", "planned_qipp"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.year} financial plan"

    @property
    def savings_requirement(self) -> Decimal:
        """Spend before QIPP less allocation: what must be saved to break even (positive means savings needed)."""
        return self.planned_expenditure + self.planned_qipp - self.allocation


class FinancialPlanLine(models.Model):
    """One line of a financial plan's build-up, as the paper prints it (Cambridgeshire 2018/19's table).

    From last year's recurrent exit to this year's plan through the adjustments (inflation, growth,
    investments, reserves, planned QIPP). Adjustments are signed as printed: QIPP is negative (it reduces
    spend). Totals (total spend, surplus/(deficit)) are computed from the lines, never stored.
    """

    plan = models.ForeignKey(FinancialPlan, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    section = models.CharField(max_length=20, choices=[("allocation", "Allocation"), ("expenditure", "Expenditure")])
    prior_year_forecast = optional_money_field("last year's forecast outturn")
    recurrent_exit = optional_money_field("recurrent exit position")
    allocation_increase = optional_money_field("increase in allocation")
    inflation = optional_money_field("tariff inflator / inflation")
    growth = optional_money_field("growth")
    mental_health_gpfv = optional_money_field("MHIS and GPFV")
    other_recurrent_investment = optional_money_field("other recurrent investments")
    non_recurrent_investment = optional_money_field("non-recurrent investments")
    contingency = optional_money_field("contingency")
    other_reserves = optional_money_field("other reserves")
    planned_qipp = optional_money_field("planned QIPP", help_text="Negative: the saving taken off this line")
    planned = optional_money_field("plan for the year")
    published_growth = models.CharField("growth on recurrent exit (as printed)", max_length=10, blank=True)

    organisation_scope = "plan__organisation"
    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="one_financial_plan_line_name"),
            *storable_constraints(
                "financial_plan_line", "prior_year_forecast", "recurrent_exit", "allocation_increase", "inflation",
                "growth", "mental_health_gpfv", "other_recurrent_investment", "non_recurrent_investment",
                "contingency", "other_reserves", "planned_qipp", "planned",
            ),
        ]

    def __str__(self) -> str:
        return self.name
