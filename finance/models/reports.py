"""Finance: the savings requirement ("gap") QIPP must close; financial risks and mitigations; budgets; activity."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from governance.fields import NOTE_LENGTH, limited_text
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


MONTHS = [MinValueValidator(1), MaxValueValidator(12)]
SHORT_TEXT = 300
LEAD_LENGTH = 100


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


# --- Budgets --------------------------------------------------------------------------------------

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


# --- Activity plans -------------------------------------------------------------------------------

# Activity is counted (referrals, attendances, admissions), never money: whole numbers, bounded so a typo of
# extra digits is refused. Cambridgeshire's largest line is 420,753 a year; a month's count or a year's
# QIPP change stays well inside this.
ACTIVITY_LIMIT = 9_999_999
ACTIVITY_COUNT = [MinValueValidator(0), MaxValueValidator(ACTIVITY_LIMIT)]
ACTIVITY_CHANGE = [MinValueValidator(-ACTIVITY_LIMIT), MaxValueValidator(ACTIVITY_LIMIT)]
ACTIVITY_CODE_LENGTH = 20
ACTIVITY_TITLE_LENGTH = 200


def _bounded(prefix: str, *fields: str, signed: bool = False) -> list[models.CheckConstraint]:
    low = -ACTIVITY_LIMIT if signed else 0
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gte": low,
                                                                          f"{field}__lte": ACTIVITY_LIMIT}),
            name=f"{prefix}_{field}_bounded",
        )
        for field in fields
    ]


class ActivityLine(models.Model):
    """One line of an organisation's activity plan for a year, by national code (e.g. "E.M.7").

    The bridge as the paper prints it: last year's outturn, the "do nothing" forecast, the QIPP change (negative:
    activity QIPP takes out) and the plan; the change % is kept as printed. The monthly profile is in its months,
    whose sum can differ from the printed plan (seed 004: nine lines are 1 off); both are shown, neither hidden.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="activity_lines")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    code = models.CharField("national code", max_length=ACTIVITY_CODE_LENGTH, help_text='e.g. "E.M.7"')
    title = models.CharField(max_length=ACTIVITY_TITLE_LENGTH)
    position = models.PositiveIntegerField(default=0, help_text="Order as the paper lists the lines")
    prior_outturn = models.IntegerField("last year's outturn", null=True, blank=True, validators=ACTIVITY_COUNT)
    do_nothing = models.IntegerField('"do nothing" forecast', null=True, blank=True, validators=ACTIVITY_COUNT)
    qipp_change = models.IntegerField("QIPP change", null=True, blank=True, validators=ACTIVITY_CHANGE,
                                      help_text="Negative where QIPP takes activity out")
    plan = models.IntegerField("plan", validators=ACTIVITY_COUNT, help_text="The year's plan as printed")
    published_change = models.CharField("published change %", max_length=10, blank=True,
                                        help_text="Last year to this as the paper printed it, e.g. -1%")
    commentary = limited_text("commentary", blank=True, max_length=NOTE_LENGTH)
    version = models.PositiveIntegerField(default=1)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "year", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "code"], name="one_activity_code_per_year"),
            *_bounded("activity_line", "prior_outturn", "do_nothing", "plan"),
            *_bounded("activity_line", "qipp_change", signed=True),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ActivityMonth(models.Model):
    """An activity line's month (M1 = April): the planned count, and the actual where known (None = not yet)."""

    line = models.ForeignKey(ActivityLine, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(validators=MONTHS, help_text="M1 is April, M12 March")
    plan = models.IntegerField("plan", validators=ACTIVITY_COUNT)
    actual = models.IntegerField("actual", null=True, blank=True, validators=ACTIVITY_COUNT)
    version = models.PositiveIntegerField(default=1)

    organisation_scope = "line__organisation"
    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["line", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="one_activity_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="activity_month_1_12"),
            *_bounded("activity_month", "plan", "actual"),
        ]

    def __str__(self) -> str:
        return f"{self.line.code} M{self.month}"
# --- Month-end variance reports: stored snapshots ---------------------------------------------------

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

