"""Budget lines and their months."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from finance.models.common import MONTHS
from governance.fields import NOTE_LENGTH, limited_text
from governance.models import FinancialYear, Organisation
from governance.money import money_field, optional_money_field, storable_constraints
from governance.scoping import OrganisationScopedQuerySet


class BudgetLineKind(models.TextChoices):
    """What a line of the budget table is. Subtotals and totals are computed from the lines, never stored."""

    ALLOCATION = "allocation", "Allocation"
    SPEND = "spend", "Spend line"


class BudgetLine(models.Model):
    """One line of an organisation's budget for a year (e.g. "Acute"), in the order the paper lists it.

    Subtotal and total rows of the papers are computed from the lines; a paper's printed figures, which can
    differ from the sum by rounding, are kept in the published_* fields so both can be shown.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="budget_lines")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0, help_text="Order as the paper lists the lines")
    kind = models.CharField(max_length=20, choices=BudgetLineKind.choices, default=BudgetLineKind.SPEND)
    section = models.CharField(max_length=200, blank=True, help_text='e.g. "Programme Expenditure"')
    commentary = limited_text("commentary", blank=True, max_length=NOTE_LENGTH)
    published_ytd_plan = optional_money_field("published YTD plan")
    published_ytd_actual = optional_money_field("published YTD actual")
    published_forecast_plan = optional_money_field("published forecast plan")
    published_forecast = optional_money_field("published forecast outturn")
    # The published figures are a month's (the paper's): compared with the computed ones only at that month.
    published_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=MONTHS, help_text="The month the published figures are for (10 = M10)"
    )
    version = models.PositiveIntegerField(default=1)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "year", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "name"], name="one_budget_line_name_per_year"),
            *storable_constraints(
                "budget_line", "published_ytd_plan", "published_ytd_actual", "published_forecast_plan",
                "published_forecast",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("finance:budget-line", args=[self.pk])


class BudgetMonth(models.Model):
    """A budget line's month (M1 = April): plan, and actual and forecast spend where known (None = not yet)."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(validators=MONTHS, help_text="M1 is April, M12 March")
    plan = money_field("plan")
    actual = optional_money_field("actual")
    forecast = optional_money_field("forecast")
    version = models.PositiveIntegerField(default=1)

    organisation_scope = "line__organisation"
    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["line", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="one_budget_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="budget_month_1_12"),
            *storable_constraints("budget_month", "plan", "actual", "forecast"),
        ]

    def __str__(self) -> str:
        return f"{self.line} M{self.month}"
