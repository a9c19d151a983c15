"""Imports are records (issue 9 section 3): who imported which file when, and each record it touched."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from governance.models.organisations import FinancialYear, Organisation
from governance.scoping import OrganisationScopedQuerySet


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
