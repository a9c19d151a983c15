"""A scheme's stage gateway decisions and its key stages (milestones)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from governance.fields import limited_text
from governance.scoping import OrganisationScopedQuerySet
from schemes.models.choices import GatewayDecision, Stage
from schemes.models.schemes import Scheme


class StageChange(models.Model):
    """A move between lifecycle stages, with the gateway approval (or the reason for a move back)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    to_stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    decision = models.CharField(max_length=20, choices=GatewayDecision.choices)
    approver = models.CharField(max_length=200, help_text="Who gave the gateway approval")
    decided_on = models.DateField()
    note = limited_text(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "scheme__organisation"

    class Meta:
        ordering = ["-decided_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.scheme.reference} {self.from_stage}->{self.to_stage} {self.decision}"


class KeyStage(models.Model):
    """A dated stage or milestone in a scheme's plan; slippage is current against baseline."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="key_stages")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200)
    baseline_date = models.DateField(null=True, blank=True)
    current_date = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    note = limited_text(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = OrganisationScopedQuerySet.as_manager()
    organisation_scope = "scheme__organisation"
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def slipped_days(self) -> int:
        """Days late against the baseline: the completion date once done, else the current date."""
        from schemes.engine import slippage_days

        return slippage_days(self.baseline_date, self.current_date, self.completed_on)


# Bexley's Table 1: the key stages of a transformational scheme, offered as a template.
BEXLEY_KEY_STAGES = [
    "Identify project support",
    "Identify clinical leader",
    "Clinical engagement",
    "Scoping",
    "Service specification",
    "Financial and activity analysis",
    "Market exploration",
    "Contract variation",
    "Patient and stakeholder engagement",
    "Business case",
    "Quality and safety sign-off",
    "Finance working group sign-off",
    "Governing body sign-off",
    "Procurement",
    "Evaluation of bids",
    "Award",
    "Contract signature",
    "Mobilisation",
    "Commencement",
    "Monitoring",
]
