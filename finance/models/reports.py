"""Month-end variance reports: stored snapshots, their lines, their scheme savings and
the schemes as they stood when issued (for the board pack).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from finance.models.common import MONTHS
from governance.fields import NOTE_LENGTH, limited_text
from governance.models import FinancialYear, Organisation
from governance.money import money_field, optional_money_field, storable_constraints
from governance.scoping import OrganisationScopedQuerySet


class VarianceReport(models.Model):
    """The month-end variance report of an organisation's month, as issued: a snapshot, never recomputed.

    Reissuing a month adds issue n+1 and makes it current; earlier issues stay readable as they were. The
    budget table and the scheme savings are copied into rows at the time, so a board pack or page for a past
    month shows what was reported then, whatever has changed since.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="variance_reports")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(validators=MONTHS, help_text="M1 is April, M12 March")
    issue = models.PositiveIntegerField(default=1, help_text="1 for the first issue of the month, 2 for a reissue...")
    is_current = models.BooleanField(default=True)
    produced_at = models.DateTimeField()
    produced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="Empty when the schedule produced it")
    # The id of the governance.JobRun that produced it (unique: a retried job finds its report instead of
    # issuing another). An id, not a foreign key, so a job run's record can be tidied away without touching reports.
    job_run_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    budget_lines_read = models.PositiveIntegerField(default=0)
    schemes_read = models.PositiveIntegerField(default=0)
    # What the board pack needs beyond the tables, stored with them (issues made before this was kept have
    # schemes_stored False, and a pack of such a month reads today's scheme figures and says so).
    schemes_stored = models.BooleanField(
        default=False, help_text="Every scheme's figures, ratings and months are stored with this issue")
    savings_target = optional_money_field(
        "savings target", help_text="The QIPP the financial plan counted on when issued; empty without a plan")

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "year", "month", "-issue"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "month", "issue"], name="one_report_issue"),
            models.UniqueConstraint(fields=["organisation", "year", "month"], condition=models.Q(is_current=True),
                                    name="one_current_report_issue"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="variance_report_month_1_12"),
            *storable_constraints("variance_report", "savings_target"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.year} M{self.month} variance report, issue {self.issue}"

    def get_absolute_url(self) -> str:
        return reverse("finance:variance-report", args=[self.pk])


class ReportRowKind(models.TextChoices):
    ALLOCATION = "allocation", "Allocation"
    LINE = "line", "Budget line"
    SUBTOTAL = "subtotal", "Subtotal"
    TOTAL = "total", "Total"
    SURPLUS = "surplus", "Surplus / (deficit)"


def percent_field(verbose_name: str) -> models.DecimalField[Decimal | None, Decimal | None]:
    """A variance % to one decimal as the papers print it ((0.8)% is -0.8); empty where the plan is nil."""
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=1, null=True, blank=True)


class VarianceReportLine(models.Model):
    """A row of the report's budget table as issued (lines, section subtotals and totals, in the paper's order).

    Variance = plan - actual for spend (under plan is favourable, positive); for allocation and the surplus row
    more is favourable (actual - plan). % = variance / plan to one decimal; adverse is negative, shown in brackets.
    """

    report = models.ForeignKey(VarianceReport, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=ReportRowKind.choices)
    name = models.CharField(max_length=200)
    section = models.CharField(max_length=200, blank=True)
    ytd_plan = money_field("YTD plan")
    ytd_actual = money_field("YTD actual")
    ytd_variance = money_field("YTD variance")
    ytd_variance_pct = percent_field("YTD variance %")
    forecast_plan = money_field("full-year plan")
    forecast_actual = money_field("forecast outturn")
    forecast_variance = money_field("forecast variance")
    forecast_variance_pct = percent_field("forecast variance %")
    commentary = limited_text("commentary", blank=True, max_length=NOTE_LENGTH)

    organisation_scope = "report__organisation"
    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="one_report_line_position"),
            *storable_constraints("report_line", "ytd_plan", "ytd_actual", "ytd_variance", "forecast_plan",
                                  "forecast_actual", "forecast_variance"),
        ]

    def __str__(self) -> str:
        return self.name


class VarianceReportSaving(models.Model):
    """A programme's scheme savings in the report as issued, or the total row (programme empty, is_total).

    Savings over plan are favourable: variance = actual - plan (YTD), forecast outturn - plan (full year).
    """

    report = models.ForeignKey(VarianceReport, on_delete=models.CASCADE, related_name="savings")
    position = models.PositiveIntegerField()
    programme = models.CharField(max_length=200)
    is_total = models.BooleanField(default=False)
    schemes = models.PositiveIntegerField(default=0)
    ytd_plan = money_field("YTD plan")
    ytd_actual = money_field("YTD actual")
    ytd_variance = money_field("YTD variance")
    ytd_variance_pct = percent_field("YTD variance %")
    forecast_plan = money_field("full-year plan")
    forecast_actual = money_field("forecast outturn")
    forecast_variance = money_field("forecast variance")
    forecast_variance_pct = percent_field("forecast variance %")

    organisation_scope = "report__organisation"
    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="one_report_saving_position"),
            *storable_constraints("report_saving", "ytd_plan", "ytd_actual", "ytd_variance", "forecast_plan",
                                  "forecast_actual", "forecast_variance"),
        ]

    def __str__(self) -> str:
        return self.programme


class VarianceReportScheme(models.Model):
    """A scheme as it stood when the report was issued: its stored figures (overridden where set by hand, with
    the reasons), its latest ratings and its twelve months, for the board pack of a past month.

    Only the names and figures are copied (no link to the scheme): the snapshot outlives renames and deletions.
    `months` holds M1..M12 as {"plan", "actual", "forecast"}, pounds as decimal strings (null = not recorded),
    never floats.
    """

    report = models.ForeignKey(VarianceReport, on_delete=models.CASCADE, related_name="schemes")
    position = models.PositiveIntegerField()
    reference = models.CharField(max_length=30)
    programme = models.CharField(max_length=200)
    name = models.CharField(max_length=300)
    phase = models.PositiveSmallIntegerField(null=True, blank=True)
    go_live = models.CharField(max_length=10, blank=True, help_text='As the papers write it, e.g. "Jul-13"')
    months_in_year = models.PositiveSmallIntegerField(default=0)
    gross_saving = money_field("gross saving (full year)")
    full_year_effect = money_field("full-year effect")
    plan_in_year = money_field("plan this year")
    next_year_effect = money_field("next-year effect")
    most_likely = money_field("most likely")
    director_value = money_field("director's value this year")
    director_next_year = money_field("director's value next year")
    delivery_change_months = models.SmallIntegerField(default=0)
    value_rag = models.CharField("value of scheme", max_length=10, blank=True)
    resources_rag = models.CharField("resources required to deliver", max_length=10, blank=True)
    timescales_rag = models.CharField("timescales / readiness", max_length=10, blank=True)
    codependencies_rag = models.CharField("co-dependencies / multi-agency", max_length=10, blank=True)
    overall_rag = models.CharField("overall scheme rating", max_length=10, blank=True)
    overrides = models.JSONField(default=dict, blank=True, help_text="Figure -> the reason it was set by hand")
    months = models.JSONField(default=list, blank=True)

    organisation_scope = "report__organisation"
    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="one_report_scheme_position"),
            *storable_constraints("report_scheme", "gross_saving", "full_year_effect", "plan_in_year",
                                  "next_year_effect", "most_likely", "director_value", "director_next_year"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"
