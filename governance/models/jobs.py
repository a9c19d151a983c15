"""Background jobs are records (issue 9 section 2)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from governance.models.organisations import FinancialYear, Organisation
from governance.scoping import OrganisationScopedQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    STARTED = "started", "Started"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    """One run of a background job: what, for whom, who asked, and how it went.

    Written only by the `job_run_*` services in governance/services/jobs.py: queued by whoever asks (a person,
    or nobody for the beat schedule), started and finished or failed by the worker. `attempts` counts
    starts, so a task redelivered after a worker died shows 2. governance never imports the apps whose
    tasks these are (docs/adr/0003): the task is named, not referenced.
    """

    task = models.CharField("task", max_length=200)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="job_runs")
    year = models.ForeignKey(FinancialYear, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(null=True, blank=True,
                                             validators=[MinValueValidator(1), MaxValueValidator(12)])
    # What the task was asked to do beyond organisation, year and month; JSON-safe values only.
    arguments = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    failure_reason = models.TextField(blank=True)
    # Null when the schedule (beat) or the system asked, not a person.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    celery_task_id = models.CharField("Celery task id", max_length=255, blank=True)
    result_summary = models.CharField(max_length=500, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-queued_at"], name="job_run_recent"),
                   models.Index(fields=["task", "status"], name="job_run_by_task")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.get_status_display()})"
