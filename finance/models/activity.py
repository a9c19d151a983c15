"""Activity plans: counted lines (referrals, attendances, admissions) and their months, never money."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from finance.models.common import MONTHS
from governance.fields import NOTE_LENGTH, limited_text
from governance.models import FinancialYear, Organisation
from governance.scoping import OrganisationScopedQuerySet

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
