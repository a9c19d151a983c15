from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance import services
from finance.models import VarianceReport
from governance.models import FinancialYear, JobRun, JobStatus, Organisation
from governance.services import system_actor


class Command(BaseCommand):
    help = ("Queue the month-end variance report of one organisation and month as a background job; prints the "
            "job run and, when jobs run in-process (no REDIS_URL), the report it produced.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="ODS code of an existing organisation, e.g. 06H")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2018/19")
        parser.add_argument("--month", required=True, type=int, help="Month of the year, 1 (April) to 12 (March)")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(ods_code__iexact=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has ODS code {options['organisation']}: create it first.")
        try:
            year = FinancialYear.objects.by_name(options["year"])
        except (ObjectDoesNotExist, ValueError, ValidationError) as error:
            raise CommandError(f"There is no financial year {options['year']} (write it like 2018/19).") from error
        month: int = options["month"]
        actor = system_actor("month-end report")
        try:
            run = services.month_end_report_queue(actor=actor, organisation=organisation, year=year, month=month)
        except (ValidationError, PermissionDenied) as error:
            # Eager, the task ran inside the queueing and its refusal reached us: the run says why.
            failed = JobRun.objects.filter(task=services.MONTH_END_REPORT_TASK, organisation=organisation,
                                           status=JobStatus.FAILED).first()
            detail = f" (job run {failed.pk} failed)" if failed else ""
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError(" ".join(messages) + detail) from error
        self.stdout.write(f"Job run {run.pk} queued: month-end report of {organisation.name}, "
                          f"Month {month} {year.name}.")
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            return
        run.refresh_from_db()
        report = VarianceReport.objects.filter(job_run_id=run.pk).first()
        if run.status != JobStatus.FINISHED or report is None:
            raise CommandError(f"Job run {run.pk} {run.get_status_display().lower()}: {run.failure_reason}")
        self.stdout.write(f"Month {month} {year.name}: issue {report.issue}, "
                          f"{report.budget_lines_read} budget lines")
