"""Finance: the savings requirement ("gap") an organisation's QIPP must close."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from governance.models import FinancialYear, Organisation
from governance.money import money_field, storable_constraints
from governance.scoping import OrganisationScopedQuerySet


class FinancialPlan(models.Model):
    """Allocation and planned expenditure for a year; the gap is what QIPP must save."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="financial_plans")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    allocation = money_field()
    planned_expenditure = money_field()
    source = models.CharField(max_length=300, blank=True, help_text="Where the figures come from")

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_plan_per_year"),
            *storable_constraints("financial_plan", "allocation", "planned_expenditure"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.year} financial plan"

    @property
    def savings_requirement(self) -> Decimal:
        """Planned expenditure less allocation: positive means savings are needed."""
        return self.planned_expenditure - self.allocation
