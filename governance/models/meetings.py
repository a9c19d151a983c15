"""Meetings and their decisions (issue 8 section 3), about plan actions or other apps' records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from governance.fields import limited_text
from governance.models.organisations import FinancialYear, Organisation
from governance.models.plan import PlanAction
from governance.scoping import OrganisationScopedQuerySet


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
