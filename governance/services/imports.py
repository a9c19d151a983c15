"""Imports are records (issue 9 section 3): every saved import, who, when, which file and what it touched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from governance.models import FinancialYear, ImportChange, ImportKind, ImportLink, ImportRecord, Organisation
from governance.permissions import Action, require
from governance.services.common import person

if TYPE_CHECKING:
    from governance.permissions import Actor


# Who may leave a record of an import: whoever may make the import itself (the importer checks the rest).
IMPORT_ACTIONS: dict[str, Action] = {
    ImportKind.SCHEMES: Action.EDIT_SCHEMES,
    ImportKind.RISKS: Action.RECORD_RISKS,
    ImportKind.LEDGER: Action.KEEP_BUDGETS,
}


WARNING_LENGTH = 1000  # one warning's text kept; the papers' warnings are a sentence or two


def file_checksum(content: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex: the same file imported twice has the same checksum."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class ImportTouch:
    """A record an import touched, as the importing app passes it: the record, what happened to it and the
    address of its page (the importing app knows its own URLs; governance never names them)."""

    subject: models.Model
    change: str  # an ImportChange
    url: str = ""


def _organisation_id_of(record: models.Model) -> Any:
    """The organisation id at the end of a scoped model's `organisation_scope`, without loading the organisation."""
    path = getattr(type(record), "organisation_scope", "organisation")
    if not path:
        return record.pk
    *hops, last = path.split("__")
    value: Any = record
    for part in hops:
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, f"{last}_id", None)


@transaction.atomic
def import_record(
    *, actor: Actor | None, kind: str, organisation: Organisation, year: FinancialYear, file_name: str,
    checksum: str, created: int, updated: int, unchanged: int, warnings: Iterable[str] = (),
    touched: Iterable[ImportTouch] = (), sheet: str = "",
) -> ImportRecord:
    """Keep a record of an import that was saved. Call it inside the import's own transaction, after its
    rows are written: if the import then fails, the record goes with it (a failed import leaves no record)."""
    if kind not in IMPORT_ACTIONS:
        raise ValidationError({"kind": [f'"{kind}" is not a kind of import the portal keeps.']})
    if actor is not None:
        require(actor, IMPORT_ACTIONS[kind], organisation)
    if min(created, updated, unchanged) < 0:
        raise ValidationError("An import's counts of rows created, updated and unchanged cannot be negative.")
    if len(checksum) != 64:
        raise ValidationError({"checksum": ["An import's checksum is the file's SHA-256, 64 hex digits."]})
    touched = list(touched)
    changes = set(ImportChange.values)
    for touch in touched:
        if touch.change not in changes:
            raise ValidationError(f'"{touch.change}" is not what an import does to a record.')
        if touch.subject.pk is None or _organisation_id_of(touch.subject) != organisation.pk:
            raise ValidationError("An import can only touch its own organisation's records.")
    record = ImportRecord.objects.create(
        organisation=organisation, year=year, kind=kind, file_name=(file_name or "unnamed file")[:255],
        checksum=checksum, imported_by=person(actor), imported_at=timezone.now(), sheet=sheet[:200],
        rows_created=created, rows_updated=updated, rows_unchanged=unchanged,
        warnings=[str(line)[:WARNING_LENGTH] for line in warnings],
    )
    types = ContentType.objects.get_for_models(*{type(touch.subject) for touch in touched})
    ImportLink.objects.bulk_create([
        ImportLink(record=record, change=touch.change, subject_type=types[type(touch.subject)],
                   subject_id=touch.subject.pk, label=str(touch.subject)[:300], url=touch.url[:300])
        for touch in touched
    ])
    return record
