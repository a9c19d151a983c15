"""Checking a risk register against what is saved (nothing written) and importing it all or nothing,
through the risk services, with a record of the import. A row is the risk of the same title in the same
register, so re-importing the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from governance.audit import audited_as
from governance.models import AuditSource, FinancialYear, ImportChange, ImportKind, Organisation
from governance.permissions import Action, require
from governance.services import ImportTouch, import_record
from risks.importers.reading import ParsedRisks, RiskRow, read_risk_workbook
from risks.models import Risk
from risks.scoring import resolve_scores
from risks.services import risk_create, risk_update
from schemes.importers import Problem, WorkbookInvalid, normalise
from schemes.models import Programme, Scheme

if TYPE_CHECKING:
    from governance.permissions import Actor


@dataclass
class RiskImportReport:
    sheet: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _values(row: RiskRow, schemes: dict[str, Scheme], programmes: dict[str, Programme]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "category": row.category, "owner": row.owner, "impact": row.impact, "mitigation": row.mitigation,
        "review_date": row.review_date, "scheme": None, "programme": None,
    }
    key = normalise(row.scheme)
    if key in schemes:
        values["scheme"] = schemes[key]
    elif key in programmes:
        values["programme"] = programmes[key]
    for stage, resolved in resolve_scores(row.scores).items():
        values |= {
            f"{stage}_likelihood": resolved.likelihood if resolved else None,
            f"{stage}_impact": resolved.impact if resolved else None,
            f"{stage}_published": resolved.published if resolved else "",
            f"{stage}_published_score": resolved.published_score if resolved else None,
        }
    return values


def _parse(year_name: str, source: str | Path | IO[bytes], name: str | None) -> tuple[int, ParsedRisks]:
    try:
        start_year = FinancialYear.start_year_from_name(year_name)
    except ValidationError as error:
        raise WorkbookInvalid(list(error.messages)) from None
    parsed = read_risk_workbook(source, name=name)
    if parsed.problems:
        raise WorkbookInvalid(parsed.problems)
    return start_year, parsed


def _lookups(organisation: Organisation, year: FinancialYear | None, parsed: ParsedRisks
             ) -> tuple[dict[str, Scheme], dict[str, Programme], dict[str, Risk]]:
    schemes: dict[str, Scheme] = {}
    existing: dict[str, Risk] = {}
    if year is not None:
        for scheme in Scheme.objects.filter(organisation=organisation, year=year):
            schemes.setdefault(normalise(scheme.reference), scheme)
            schemes.setdefault(normalise(scheme.name), scheme)
        for risk in Risk.objects.filter(organisation=organisation, year=year).select_related("scheme", "programme"):
            existing.setdefault(risk.title, risk)
    programmes = {normalise(p.name): p for p in Programme.objects.filter(organisation=organisation)}
    problems = [
        Problem(parsed.sheet, row.row, "Scheme", f"no scheme or programme of {organisation.name} is called "
                                                 f"'{row.scheme[:60]}'")
        for row in parsed.rows if row.scheme and normalise(row.scheme) not in schemes
        and normalise(row.scheme) not in programmes
    ]
    seen: dict[str, int] = {}
    for row in parsed.rows:
        if row.title in seen:
            problems.append(Problem(parsed.sheet, row.row, "Risk", f"the same risk as row {seen[row.title]}"))
        seen.setdefault(row.title, row.row)
    if problems:
        raise WorkbookInvalid(problems)
    return schemes, programmes, existing


def risk_import_check(
    *, actor: Actor | None, organisation: Organisation, year_name: str,
    source: str | Path | IO[bytes], name: str | None = None,
) -> RiskImportReport:
    """What importing the file would do, saving nothing (no transaction, no lock)."""
    if actor is not None:
        require(actor, Action.RECORD_RISKS, organisation)
    start_year, parsed = _parse(year_name, source, name)
    year = FinancialYear.objects.filter(start_year=start_year).first()
    schemes, programmes, existing = _lookups(organisation, year, parsed)
    report = RiskImportReport(sheet=parsed.sheet)
    for row in parsed.rows:
        risk = existing.get(row.title)
        if risk is None:
            report.created.append(row.title)
        elif any(getattr(risk, k) != v for k, v in _values(row, schemes, programmes).items()):
            report.updated.append(row.title)
        else:
            report.unchanged.append(row.title)
    return report


def risk_import(
    *, actor: Actor | None, organisation: Organisation, year_name: str,
    source: str | Path | IO[bytes], name: str | None = None,
) -> RiskImportReport:
    """Import the whole register or nothing, through the risk services. Raises WorkbookInvalid listing every
    problem by sheet, row and column."""
    if actor is not None:
        require(actor, Action.RECORD_RISKS, organisation)
    start_year, parsed = _parse(year_name, source, name)
    report = RiskImportReport(sheet=parsed.sheet)
    try:
        with audited_as(AuditSource.IMPORT, actor=actor), transaction.atomic():
            year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
            schemes, programmes, existing = _lookups(organisation, year, parsed)
            touched: list[ImportTouch] = []
            for row in parsed.rows:
                values = _values(row, schemes, programmes)
                risk = existing.get(row.title)
                try:
                    if risk is None:
                        saved = risk_create(actor=actor, organisation=organisation, year=year, title=row.title,
                                            **values)
                        change = ImportChange.CREATED
                    else:
                        saved = risk_update(actor=actor, risk=risk, expected_version=None, changes=values)
                        change = ImportChange.UPDATED if saved.version != risk.version else ImportChange.UNCHANGED
                except ValidationError as error:
                    raise WorkbookInvalid([Problem(parsed.sheet, row.row, "", "; ".join(error.messages))]) from None
                {ImportChange.CREATED: report.created, ImportChange.UPDATED: report.updated,
                 ImportChange.UNCHANGED: report.unchanged}[change].append(row.title)
                touched.append(ImportTouch(saved, change, reverse("risks:detail", args=[saved.pk])))
            # In the import's transaction: an import that fails leaves no record of success.
            import_record(
                actor=actor, kind=ImportKind.RISKS, organisation=organisation, year=year,
                file_name=parsed.file_name, checksum=parsed.checksum, sheet=parsed.sheet,
                created=len(report.created), updated=len(report.updated), unchanged=len(report.unchanged),
                touched=touched,
            )
    except WorkbookInvalid:
        raise
    return report
