"""Organisations, financial years, people and their roles, and month closes: the root every other app hangs
from.
"""

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
        # The name goes in as a parameter, not into the message: django-filter formats the message with `%`, so a
        # typed "%" would otherwise break it (a server error for ?year=%25).
        match = YEAR_NAME.match(name.strip())
        if not match:
            raise ValidationError('"%(name)s" is not a financial year: write it like 2013/14', params={"name": name})
        start = int(match.group(1))
        if (start + 1) % 100 != int(match.group(2)):
            raise ValidationError('"%(name)s" is not a financial year: the second part must be the year after',
                                  params={"name": name})
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


class PasswordChangeDue(models.Model):
    """A member must choose a new password before anything else: an administrator gave them a temporary one.

    Written by governance.services.member_password_reset, deleted when they change it (the password page); who
    reset it and when, never the password. At sign-in it is read once into the session
    (governance.middleware.PasswordChangeRequiredMiddleware), so pages pay no query for it.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="password_change_due")
    reset_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reset_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} must change their password (reset {self.reset_at:%d %b %Y %H:%M})"


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
