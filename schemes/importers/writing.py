"""Checking a read workbook against what is saved, and importing it in one transaction through the services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from governance.audit import audited_as
from governance.formatting import format_pounds
from governance.models import AuditSource, FinancialYear, ImportChange, ImportKind, Organisation
from governance.permissions import Action, require
from governance.services import ImportTouch, import_record
from schemes import engine, services
from schemes.importers.files import WorkbookInvalid
from schemes.importers.headers import COMPUTED_COLUMNS
from schemes.importers.reading import read_workbook
from schemes.importers.rows import ParsedWorkbook, WorkbookRow
from schemes.models import Figure, FigureOverride, Programme, Scheme
from schemes.selectors import engine_inputs, rag_factors

if TYPE_CHECKING:
    from governance.permissions import Actor


IMPORT_REASON = "imported from workbook"
TOLERANCE = Decimal("1")  # the papers round to the pound

@dataclass
class ImportReport:
    sheet: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

def overrides_for(row: WorkbookRow, base: engine.SchemeInputs) -> dict[str, Decimal]:
    """Published figures that differ from the engine's by more than £1, in dependency order.

    Each override is applied before the next figure is compared, so a figure computed from an
    overridden one (e.g. most likely from an overridden plan) is not itself overridden. The engine
    runs once, and again only after an override changes what the later figures are computed from.
    """
    overrides: dict[str, Decimal] = {}
    figures: engine.SchemeFigures | None = None
    for key in COMPUTED_COLUMNS:
        published = row.published.get(key)
        if published is None:
            continue
        if figures is None:
            figures = engine.compute(replace(base, overrides=dict(overrides)))
        if abs(getattr(figures, key) - published) > TOLERANCE:
            overrides[key] = published
            figures = None
    return overrides


def _inputs(row: WorkbookRow, start_year: int, factors: engine.RagFactors) -> engine.SchemeInputs:
    """A row's engine inputs: the scheme it would save (the file's full-year effect is its gross saving)."""
    return engine_inputs(
        year_start=start_year, go_live=row.go_live, gross_saving=row.full_year_effect,
        overall_rag=row.ratings.get("overall"), delivery_change_months=row.change or 0, factors=factors,
    )


def _formula_values(inputs: engine.SchemeInputs, wanted: dict[str, Decimal]) -> dict[str, Decimal]:
    """What the formula gives for each figure kept as an override, from the overrides before it."""
    computed = {}
    for figure in wanted:
        earlier = {k: v for k, v in wanted.items() if COMPUTED_COLUMNS.index(k) < COMPUTED_COLUMNS.index(figure)}
        computed[figure] = getattr(engine.compute(replace(inputs, overrides=earlier)), figure)
    return computed


def _override_lines(row: WorkbookRow, wanted: dict[str, Decimal], computed: dict[str, Decimal]) -> list[str]:
    """What the report says about each published figure kept as an override."""
    return [
        f"Row {row.row} {row.reference} {row.name}: {Figure(figure).label} £{value:,.0f} in the file, "
        f"£{computed[figure]:,.2f} by the formula: kept as an override"
        for figure, value in wanted.items()
    ]


def override_reason(row: WorkbookRow, inputs: engine.SchemeInputs, figure: str, paper: Decimal,
                    formula: Decimal) -> str:
    """An imported override's reason says what differed, so the scheme's page explains the figure.

    The formula counts the months from the go-live date; where the paper counted other months (Bexley's
    Adult Integrated Care: 7, where Aug-13 gives 8) the plan those months give is said too, since that is
    the figure a reader checking the paper works out.
    """
    reason = f"{IMPORT_REASON}: paper {format_pounds(paper)}, formula {format_pounds(formula)}"
    months = engine.months_in_year(inputs.year_start, inputs.go_live)
    if figure == "plan_in_year" and row.months_in_file is not None and row.months_in_file != months:
        by_paper = engine.exact_to_penny(Fraction(row.full_year_effect) * row.months_in_file / 12)
        reason += (f" (from the go-live date's {months} months; the paper's {row.months_in_file} months give "
                   f"{format_pounds(by_paper)})")
    return reason


def _scheme_values(row: WorkbookRow, programme: Programme | None) -> dict[str, Any]:
    return {
        "programme": programme, "reference": row.reference, "name": row.name, "phase": row.phase,
        "go_live": row.go_live, "current_cost": row.current_cost, "gross_saving": row.full_year_effect,
    }


def _active_overrides(schemes: Iterable[Scheme]) -> dict[int, dict[str, FigureOverride]]:
    """The active overrides of many schemes, in one query."""
    active: dict[int, dict[str, FigureOverride]] = {}
    for override in FigureOverride.objects.filter(scheme__in=list(schemes), cleared_at__isnull=True):
        active.setdefault(override.scheme_id, {})[override.figure] = override
    return active


def _override_changes(wanted: dict[str, Decimal], active: dict[str, FigureOverride]) -> tuple[list[str], list[str]]:
    """Figures whose override importing sets, and imported overrides it clears (the file now agrees)."""
    to_set = [f for f, value in wanted.items() if f not in active or active[f].value != value]
    # Only overrides an import set are cleared by one (a person's override stays until a person clears it).
    to_clear = [f for f, override in active.items() if f not in wanted and override.reason.startswith(IMPORT_REASON)]
    return to_set, to_clear


def _require_roles(actor: Actor | None, organisation: Organisation, parsed: ParsedWorkbook,
                   changes_overrides: bool) -> None:
    """Refuse, before anything is written, a file recording what the user's role may not record.

    The same rules the services apply row by row, checked once for the whole file.
    """
    if actor is None:
        return
    require(actor, Action.EDIT_SCHEMES, organisation)
    if any(row.ratings.get("overall") for row in parsed.rows):
        require(actor, Action.RATE_SCHEMES, organisation)
    if any(row.change is not None for row in parsed.rows):
        require(actor, Action.ASSESS_DELIVERY, organisation)
    if changes_overrides:
        require(actor, Action.OVERRIDE_FIGURES, organisation)


def _parse(year_name: str, source: str | Path | IO[bytes], sheet: str | None,
           name: str | None) -> tuple[int, ParsedWorkbook]:
    start_year = FinancialYear.start_year_from_name(year_name)
    parsed = read_workbook(source, start_year, sheet, name=name)
    if parsed.problems:
        raise WorkbookInvalid(parsed.problems)
    return start_year, parsed


def workbook_check(
    *, actor: Actor | None, organisation: Organisation, year_name: str,
    source: str | Path | IO[bytes], sheet: str | None = None, name: str | None = None,
) -> ImportReport:
    """What importing the file would do, saving nothing: the preview before an import is confirmed.

    Reads the file, then compares it with what is saved in a fixed number of queries. It opens no
    transaction and writes nothing, so a check never holds a lock that other users' saves wait on.
    Raises WorkbookInvalid listing every problem, and PermissionDenied when the file records what
    the user's role may not.
    """
    start_year, parsed = _parse(year_name, source, sheet, name)
    report = ImportReport(sheet=parsed.sheet, warnings=list(parsed.warnings))
    year = FinancialYear.objects.filter(start_year=start_year).first()
    existing: dict[str, Scheme] = {}
    if year is not None:
        existing = {s.reference: s for s in Scheme.objects.filter(organisation=organisation, year=year)
                    .select_related("programme")}
    active = _active_overrides(existing.values())
    factors = rag_factors(organisation)
    changes_overrides = False
    for row in parsed.rows:
        inputs = _inputs(row, start_year, factors)
        wanted = overrides_for(row, inputs)
        report.overrides += _override_lines(row, wanted, _formula_values(inputs, wanted))
        label = f"{row.reference} {row.name}"
        scheme = existing.get(row.reference)
        if scheme is None:
            report.created.append(label)
            changes_overrides = changes_overrides or bool(wanted)
            continue
        same_programme = scheme.programme if scheme.programme.name == row.programme.strip() else None
        values = _scheme_values(row, same_programme)
        # As scheme_update decides: a scheme is updated when any value differs from what is saved.
        (report.updated if any(getattr(scheme, k) != v for k, v in values.items()) else report.unchanged).append(
            label)
        to_set, to_clear = _override_changes(wanted, active.get(scheme.pk, {}))
        changes_overrides = changes_overrides or bool(to_set or to_clear)
    _require_roles(actor, organisation, parsed, changes_overrides)
    return report


def workbook_import(
    *, actor: Actor | None, organisation: Organisation, year_name: str,
    source: str | Path | IO[bytes], sheet: str | None = None, name: str | None = None,
) -> ImportReport:
    """Import the whole file or nothing. Raises WorkbookInvalid listing every problem.

    The file is read first, outside any transaction (reading can take seconds and needs no lock);
    only a valid file is then written, in one transaction, whose schemes are recomputed by one task.
    """
    start_year, parsed = _parse(year_name, source, sheet, name)
    try:
        with audited_as(AuditSource.IMPORT, actor=actor), transaction.atomic(), services.recompute_batch():
            return _write(actor, organisation, start_year, parsed)
    except ValidationError as error:
        raise WorkbookInvalid([f"Nothing was saved: {'; '.join(error.messages)}"]) from None


def _write(actor: Actor | None, organisation: Organisation, start_year: int,
           parsed: ParsedWorkbook) -> ImportReport:
    year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
    report = ImportReport(sheet=parsed.sheet, warnings=list(parsed.warnings))
    factors = rag_factors(organisation)
    rated_on = parsed.rated_on or year.starts_on
    assessed_on = parsed.assessed_on or rated_on
    # Read once what every row needs, rather than a query or two per row.
    existing = {s.reference: s for s in Scheme.objects.filter(organisation=organisation, year=year)}
    programmes = {p.name: p for p in Programme.objects.filter(organisation=organisation)}
    active = _active_overrides(existing.values())
    planned = []
    changes_overrides = False
    for row in parsed.rows:
        inputs = _inputs(row, start_year, factors)
        wanted = overrides_for(row, inputs)
        scheme = existing.get(row.reference)
        to_set, to_clear = _override_changes(wanted, active.get(scheme.pk, {}) if scheme else {})
        changes_overrides = changes_overrides or bool(to_set or to_clear)
        planned.append((row, inputs, wanted, to_set, to_clear))
    _require_roles(actor, organisation, parsed, changes_overrides)
    ratings: list[services.RatingInput] = []
    touched: list[ImportTouch] = []
    for row, inputs, wanted, to_set, to_clear in planned:
        name = row.programme.strip()
        if name not in programmes:
            programmes[name] = services.programme_get_or_create(actor=actor, organisation=organisation, name=name)
        scheme, change = _upsert_scheme(actor, organisation, year, row, programmes[name],
                                        existing.get(row.reference), report)
        touched.append(ImportTouch(scheme, change, reverse("schemes:detail", args=[scheme.pk])))
        if row.ratings.get("overall"):
            # A row with an overall rating has all of them (an incomplete rating is a problem when it is read).
            ratings.append(services.RatingInput(scheme=scheme, **{k: v for k, v in row.ratings.items() if v}))
        if row.change is not None:
            services.director_assessment_record(
                actor=actor, scheme=scheme, assessed_on=assessed_on, change_months=row.change,
                note=IMPORT_REASON,
            )
        computed = _formula_values(inputs, wanted)
        report.overrides += _override_lines(row, wanted, computed)
        for figure in to_set:
            services.figure_override_set(actor=actor, scheme=scheme, figure=figure, value=wanted[figure],
                                         reason=override_reason(row, inputs, figure, wanted[figure],
                                                                computed[figure]))
        for figure in to_clear:
            services.figure_override_clear(actor=actor, scheme=scheme, figure=figure,
                                           reason="the re-imported workbook agrees with the formula")
    if ratings:
        services.panel_sitting_record(actor=actor, organisation=organisation, year=year, held_on=rated_on,
                                      ratings=ratings, notes=IMPORT_REASON)
    # In the import's transaction: an import that fails after this line leaves no record of success.
    import_record(
        actor=actor, kind=ImportKind.SCHEMES, organisation=organisation, year=year, file_name=parsed.file_name,
        checksum=parsed.checksum, sheet=parsed.sheet, created=len(report.created), updated=len(report.updated),
        unchanged=len(report.unchanged), warnings=report.warnings + report.overrides, touched=touched,
    )
    return report


def _upsert_scheme(actor: Actor | None, organisation: Organisation, year: FinancialYear,
                   row: WorkbookRow, programme: Programme, existing: Scheme | None,
                   report: ImportReport) -> tuple[Scheme, str]:
    values = _scheme_values(row, programme)
    label = f"{row.reference} {row.name}"
    if existing is None:
        scheme = services.scheme_create(actor=actor, organisation=organisation, year=year, **values)
        report.created.append(label)
        return scheme, ImportChange.CREATED
    before = existing.version
    scheme = services.scheme_update(actor=actor, scheme=existing, expected_version=None, changes=values)
    change = ImportChange.UPDATED if scheme.version != before else ImportChange.UNCHANGED
    (report.updated if change == ImportChange.UPDATED else report.unchanged).append(label)
    return scheme, change
