"""Organisations, financial years, people and their roles: the root every other app hangs from."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from governance.fields import limited_text
from governance.scoping import OrganisationScopedQuerySet

YEAR_NAME = re.compile(r"^(\d{4})/(\d{2})$")


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    PMO_EDITOR = "pmo_editor", "PMO editor"
    PANEL_MEMBER = "panel_member", "Panel member / director"
    FINANCE = "finance", "Finance"
    VIEWER = "viewer", "Governing-body viewer"


class OrganisationKind(models.TextChoices):
    CCG = "ccg", "Clinical commissioning group (CCG)"
    ICB = "icb", "Integrated care board (ICB)"
    PCT = "pct", "Primary care trust (PCT)"


class Organisation(models.Model):
    """A commissioning organisation, identified by its ODS code (e.g. 07N for Bexley CCG)."""

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=OrganisationKind.choices, default=OrganisationKind.CCG)
    # The RAG panel's risk adjustment is an organisation's own setting (Bexley: G 100%, A 75%, R 50%).
    green_factor = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Share of the in-year plan counted as most likely for a Green scheme (1.00 = 100%)",
    )
    amber_factor = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    red_factor = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = ""  # the organisation itself

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class FinancialYearQuerySet(models.QuerySet["FinancialYear"]):
    def by_name(self, name: str) -> FinancialYear:
        return self.get(start_year=FinancialYear.start_year_from_name(name))


class FinancialYear(models.Model):
    """An April-March financial year, named like "2013/14"."""

    start_year = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(2000)])

    objects = FinancialYearQuerySet.as_manager()

    class Meta:
        ordering = ["start_year"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def starts_on(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> date:
        return date(self.start_year + 1, 3, 31)

    @staticmethod
    def start_year_from_name(name: str) -> int:
        """Parse "2013/14" into 2013, refusing "2013/15" or "13/14" with a clear message."""
        match = YEAR_NAME.match(name.strip())
        if not match:
            raise ValidationError(f'"{name}" is not a financial year: write it like 2013/14')
        start = int(match.group(1))
        if (start + 1) % 100 != int(match.group(2)):
            raise ValidationError(f'"{name}" is not a financial year: the second part must be the year after')
        return start


class Membership(models.Model):
    """A user's role in one organisation. A person may belong to several organisations."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_role_per_organisation")]
        ordering = ["organisation__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.organisation.ods_code}"


class MonthStatus(models.Model):
    """Finance closes a month of an organisation's year; a closed month's figures are read-only.

    Reopening needs a reason; every close and reopen is kept in history.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="month_statuses")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    is_closed = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    changed_at = models.DateTimeField(null=True, blank=True)
    reason = limited_text(blank=True)

    objects = OrganisationScopedQuerySet.as_manager()
    # Every close and reopen (who, when, reason) is a row of this history: governance.services writes it.
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year", "month"], name="one_status_per_month")]
        verbose_name_plural = "month statuses"

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.year} M{self.month} {'closed' if self.is_closed else 'open'}"


# --- Improvement plan, meetings and decisions (issue 8 section 3) -------------------------------------


class ActionRag(models.TextChoices):
    """The improvement plan's progress key (Cambridgeshire and Peterborough 2018/19)."""

    COMPLETE = "complete", "Complete"
    ON_TRACK = "on_track", "On-Track"
    DELAYED = "delayed", "Delayed"
    RESET_DATE = "reset_date", "Reset Date"
    NOT_STARTED = "not_started", "Not Started"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    LIVE = "live", "Live"
    NOT_STARTED = "not_started", "Not Started"


class PlanDomain(models.Model):
    """A heading of an organisation's improvement plan for a year (Leadership, Governance, PMO and QIPP...)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="plan_domains")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    # The governing-body members assigned to oversight and assurance, as the paper names them (they are
    # board members, not necessarily people with an account).
    oversight = limited_text(blank=True)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "name"], name="one_domain_name_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.year} {self.name}"


class Requirement(models.Model):
    """A numbered requirement of the plan ("1. The Governing Body must take responsibility...")."""

    domain = models.ForeignKey(PlanDomain, on_delete=models.CASCADE, related_name="requirements")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(999)])
    text = limited_text()

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "domain__organisation"
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["domain", "number"], name="one_requirement_number_per_domain")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class PlanAction(models.Model):
    """A lettered action of a requirement (2c): due date, governing-body owner, RAG and status.

    A change of due date is never an edit: it is a RevisedDueDate, kept with its reason.
    """

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="actions")
    letter = models.CharField(max_length=3)
    text = limited_text()
    due_date = models.DateField(null=True, blank=True)
    # What the paper printed when it is not a date ("Ongoing", "Immediate", "Oct (Start date)").
    due_date_as_published = models.CharField(max_length=60, blank=True)
    owner = models.CharField("governing-body owner", max_length=120, blank=True)
    rag = models.CharField("RAG", max_length=20, choices=ActionRag.choices, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, blank=True)
    # Anything the paper printed that fits no column (a RAG of "Open", a decision to pause).
    note = limited_text(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "requirement__domain__organisation"
    history = HistoricalRecords()

    class Meta:
        ordering = ["requirement__number", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "letter"], name="one_action_letter_per_requirement"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.text[:60]}"

    @property
    def reference(self) -> str:
        return f"{self.requirement.number}{self.letter}"


class RevisedDueDate(models.Model):
    """One change of an action's due date: from, to, why, who, when. Never edited once recorded."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="revised_due_dates")
    old_date = models.DateField(null=True, blank=True)  # null: the plan had no date (or none was recorded)
    new_date = models.DateField()
    reason = limited_text()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "action__requirement__domain__organisation"

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.old_date} -> {self.new_date}"


class PlanUpdate(models.Model):
    """The plan as published for a month: its rows stored as they were, never recomputed from today's plan."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="plan_updates")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    summary = limited_text(blank=True)
    rows = models.JSONField(default=list)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField()

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year__start_year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "month"], name="one_plan_update_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.year} M{self.month} improvement plan update"


class MeetingKind(models.TextChoices):
    RAG_PANEL = "rag_panel", "RAG panel"
    STAR_CHAMBER = "star_chamber", "Star Chamber"
    FINANCE_WORKING_GROUP = "finance_working_group", "Finance working group"
    GOVERNING_BODY = "governing_body", "Governing body"
    PLAN_REVIEW = "plan_review", "QIPP plan review"


class Meeting(models.Model):
    """A dated review: a panel, a Star Chamber, the finance working group, the governing body."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="meetings")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=MeetingKind.choices)
    held_on = models.DateField()
    # Shropshire's calendar names the month only: the date is then the 1st and shown as the month.
    month_only = models.BooleanField(default=False)
    title = models.CharField(max_length=200)
    purpose = limited_text(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = OrganisationScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%d/%m/%Y}: {self.title}"


class Decision(models.Model):
    """What a meeting decided, about an improvement-plan action or about another app's record.

    An action is a foreign key (same app). A scheme or a risk is a generic subject (content type and id):
    governance sits below schemes and risks and never names their models (docs/adr/0003). The service
    checks the subject belongs to the meeting's organisation; `subject_label` keeps what the decision was
    about as it was then, so lists show it without loading each subject.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = limited_text()
    action = models.ForeignKey(PlanAction, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    subject_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject_label = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "meeting__organisation"

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="decision_subject")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__isnull=True) | models.Q(subject_type__isnull=True),
                name="decision_about_one_thing",
            ),
            models.CheckConstraint(
                condition=models.Q(subject_type__isnull=True, subject_id__isnull=True)
                | models.Q(subject_type__isnull=False, subject_id__isnull=False),
                name="decision_subject_type_and_id_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.text[:60]}"


# --- Imports are records (issue 9 section 3) ------------------------------------------------------------


class ImportKind(models.TextChoices):
    SCHEMES = "schemes", "Scheme workbook"
    RISKS = "risks", "Risk register"
    LEDGER = "ledger", "Ledger actuals"


class ImportChange(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"


class ImportRecord(models.Model):
    """One import that was saved: who, when, which file (name and SHA-256), what it did, what it warned.

    Written by `governance.services.import_record` inside the importer's own transaction, so an import
    that fails leaves no record; a refused file saves nothing and is not recorded either.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="imports")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    checksum = models.CharField("SHA-256 checksum", max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    imported_at = models.DateTimeField()
    # The file's own name for where its rows were (a sheet), shown beside the file name.
    sheet = models.CharField(max_length=200, blank=True)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    # The importer's warnings, word for word, kept rather than printed and lost; a list of strings.
    warnings = models.JSONField(default=list, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "year", "kind"], name="import_by_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.imported_at:%d/%m/%Y %H:%M})"


class ImportLink(models.Model):
    """A record an import created, updated or left unchanged: a generic subject, as a decision's is.

    governance sits below the apps that import and never names their models (docs/adr/0003). The importer
    passes each record with the address of its page; label and address are kept as they were then, so the
    import's page lists what it touched without loading each record (a fixed number of queries).
    """

    record = models.ForeignKey(ImportRecord, on_delete=models.CASCADE, related_name="links")
    change = models.CharField(max_length=10, choices=ImportChange.choices)
    subject_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "record__organisation"

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="import_link_subject")]

    def __str__(self) -> str:
        return f"{self.get_change_display()}: {self.label}"


# --- Background jobs are records (issue 9 section 2) ----------------------------------------------------


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
