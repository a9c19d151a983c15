"""Board packs as produced: the Excel file of an organisation's month, kept for download (docs/adr/0004)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from finance.models.common import MONTHS
from governance.models import FinancialYear, Organisation
from governance.scoping import OrganisationScopedQuerySet


class BoardPack(models.Model):
    """A produced Excel board pack of an organisation's month: the .xlsx itself, kept in the database so web and
    worker processes on different hosts share it (docs/adr/0004). Written once by the job that produced it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="board_packs")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(validators=MONTHS, help_text="M1 is April, M12 March")
    # The governance.JobRun that produced it (unique: a retried job finds its pack instead of storing another);
    # an id, as on VarianceReport, so tidying job runs away never touches packs.
    job_run_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    report_issue = models.PositiveIntegerField(
        null=True, blank=True, help_text="The month-end report issue it read; empty: no report, today's figures")
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0, help_text="Bytes")
    produced_at = models.DateTimeField()
    produced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="Who asked for it")

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "year", "month", "-produced_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="board_pack_month_1_12"),
        ]

    def __str__(self) -> str:
        return self.file_name
