"""The improvement plan (issue 8 section 3): domains, numbered requirements, lettered actions, revised due
dates and the monthly updates as published.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from governance.fields import limited_text
from governance.models.organisations import FinancialYear, Organisation
from governance.scoping import OrganisationScopedQuerySet


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
