"""Import a scheme workbook laid out like Bexley's Appendix 1 (the way real data arrives).

Reading (`read_workbook`) is pure: it turns a sheet into plain rows and a list of problems.
Saving (`workbook_import`) happens only when the whole file is valid, in one transaction,
through the same services as the browser. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.utils import get_column_letter

from governance.models import FinancialYear, Organisation
from schemes import engine, services
from schemes.models import Figure, FigureOverride, Scheme
from schemes.selectors import rag_factors

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

IMPORT_REASON = "imported from workbook"
TOLERANCE = Decimal("1")  # the papers round to the pound
RAG_WORDS = {"green": "green", "g": "green", "amber": "amber", "a": "amber", "red": "red", "r": "red"}
MONTH_NAMES = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

# Column keys, the words a user would recognise, and how a normalised header is recognised.
# THIS and NEXT stand for the imported year and the year after, in any of the ways papers write them.
COLUMNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("no", "No", re.compile(r"^no$")),
    ("reference", "File REF", re.compile(r"^(fileref|ref|reference|schemeref)$")),
    ("programme", "Transformation Headings", re.compile(r"^(transformationheadings?|programme|workstream)$")),
    ("name", "Scheme Heading", re.compile(r"^(schemeheading|schemename)$")),
    ("phase", "Phase", re.compile(r"^phase")),
    ("go_live", "Go 'Live' Date", re.compile(r"^golive(date)?$")),
    ("months", "No of Months Saving", re.compile(r"^noofmonthssaving(inTHIS)?$")),
    ("current_cost", "Initial Opportunity / Current Cost (GROSS)", re.compile(r"currentcost|gross")),
    ("full_year_effect", "(Full Year) Effect Net Saving", re.compile(r"^(fullyear)?effectnetsaving$")),
    ("plan_in_year", "THIS Plan", re.compile(r"^THISplan$")),
    ("next_year_effect", "NEXT Plan", re.compile(r"^NEXTplan$")),
    ("value", "Value of Scheme", re.compile(r"^valueofscheme")),
    ("resources", "Resources Required to Deliver", re.compile(r"^resources")),
    ("timescales", "Timescales / Readiness of Implementation", re.compile(r"^timescales")),
    ("codependencies", "Co-dependencies / multi-agency involvement", re.compile(r"^codependenc")),
    ("overall", "Overall Scheme Rating", re.compile(r"^overall")),
    ("most_likely", "Most Likely", re.compile(r"^mostlikely")),
    ("change", "Change in Delivery (Months +/-)", re.compile(r"^changeindelivery")),
    ("director_value", "THIS Delivery Value", re.compile(r"^THISdeliveryvalue")),
    ("director_next_year", "NEXT Delivery Value", re.compile(r"^NEXTdeliveryvalue")),
]
REQUIRED = ("name", "go_live", "full_year_effect")
RAG_COLUMNS = ("value", "resources", "timescales", "codependencies", "overall")
COMPUTED_COLUMNS = ("plan_in_year", "next_year_effect", "most_likely", "director_value", "director_next_year")
# A year-labelled heading still showing digits after THIS/NEXT substitution is another year's column.
OTHER_YEAR = re.compile(r"^(noofmonthssavingin\d{4,8}|\d{4,8}plan|\d{4,8}deliveryvalue)")
DATE_IN_TEXT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4})")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}', row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class WorkbookRow:
    row: int
    no: str
    reference: str
    programme: str
    name: str
    phase: int | None
    go_live: date | None
    months_in_file: int | None
    current_cost: Decimal | None
    full_year_effect: Decimal
    ratings: dict[str, str | None]
    change: int | None
    published: dict[str, Decimal | None]


@dataclass
class ParsedWorkbook:
    sheet: str
    rows: list[WorkbookRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rated_on: date | None = None
    assessed_on: date | None = None


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


class WorkbookInvalid(Exception):
    """The file has problems; nothing was saved. `problems` says where, in the user's words."""

    def __init__(self, problems: list[Problem] | list[str]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def normalise(text: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


def year_forms(start_year: int) -> list[tuple[str, str]]:
    """How papers write a year ("2013/14", "13/14", "2013 / 2014") normalised, longest first."""
    forms = []
    for token, start in (("THIS", start_year), ("NEXT", start_year + 1)):
        end = start + 1
        forms += [(f"{start}{end}", token), (f"{start}{end % 100:02d}", token),
                  (f"{start % 100:02d}{end % 100:02d}", token)]
    return sorted(forms, key=lambda pair: -len(pair[0]))


def header_key(text: Any, start_year: int) -> str | None:
    label = normalise(text)
    if not label:
        return None
    for form, token in year_forms(start_year):
        label = label.replace(form, token)
    for key, _, pattern in COLUMNS:
        if pattern.search(label):
            return key
    return None


def date_in_header(text: Any) -> date | None:
    match = DATE_IN_TEXT.search(str(text or ""))
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    year = year + 2000 if year < 100 else year
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_money(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = str(value).strip().replace(",", "").replace("£", "").replace(" ", "")
    if text in ("", "-"):
        return None
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not amount.is_finite():
        raise ValueError
    return -amount if negative else amount


def parse_month(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip().lower()
    match = re.fullmatch(r"([a-z]{3})[a-z]*[\s\-/']*(\d{2}|\d{4})", text)
    if match and match.group(1) in MONTH_NAMES:
        year = int(match.group(2))
        return date(year + 2000 if year < 100 else year, MONTH_NAMES[match.group(1)], 1)
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%Y-%m", "%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError


def parse_whole(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise ValueError


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _find_header(rows: list[tuple[Any, ...]], start_year: int) -> int | None:
    for index, row in enumerate(rows[:40]):
        if any(header_key(cell, start_year) == "name" for cell in row):
            return index
    return None


def read_workbook(source: str | Path | IO[bytes], start_year: int, sheet: str | None = None) -> ParsedWorkbook:
    """Read the scheme table of a workbook. Pure: no database."""
    try:
        book = openpyxl.load_workbook(source, data_only=True, read_only=True)
    except Exception as error:  # openpyxl raises many types for a file that is not a workbook
        raise WorkbookInvalid([f"The file could not be read as an Excel workbook (.xlsx): {error}"]) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise WorkbookInvalid([f"The workbook has no sheet called '{sheet}'."])
            candidates = [sheet]
        else:
            candidates = book.sheetnames
        for name in candidates:
            rows = [tuple(r) for r in book[name].iter_rows(values_only=True)]
            header = _find_header(rows, start_year)
            if header is not None:
                return _read_table(name, rows, header, start_year)
    finally:
        book.close()
    year = f"{start_year}/{(start_year + 1) % 100:02d}"
    raise WorkbookInvalid([f"No sheet has a header row with a 'Scheme Heading' column (looked for {year} labels)."])


def _read_table(sheet: str, rows: list[tuple[Any, ...]], header: int, start_year: int) -> ParsedWorkbook:
    parsed = ParsedWorkbook(sheet=sheet)
    top = rows[header]
    below = rows[header + 1] if header + 1 < len(rows) else ()
    sub_keys = [header_key(cell, start_year) for cell in below]
    has_subheader = any(sub_keys) and not any(
        header_key(cell, start_year) == "name" for cell in below
    ) and sum(1 for key in sub_keys if key) >= 2
    columns: dict[str, int] = {}
    labels: dict[int, str] = {}
    width = max(len(top), len(below))
    for index in range(width):
        top_cell = top[index] if index < len(top) else None
        sub_cell = below[index] if has_subheader and index < len(below) else None
        if date_in_header(top_cell) and normalise(top_cell).startswith("ragrating"):
            parsed.rated_on = date_in_header(top_cell)
        if date_in_header(top_cell) and normalise(top_cell).startswith("directorassessment"):
            parsed.assessed_on = date_in_header(top_cell)
        # The sub-heading is the more specific label where a heading spans several columns.
        for cell in (sub_cell, top_cell):
            key = header_key(cell, start_year)
            if key and key not in columns:
                columns[key] = index
                labels[index] = str(cell).strip()
                break
    header_row = header + 1  # 1-based
    year_name = f"{start_year}/{(start_year + 1) % 100:02d}"
    for cell in (*top, *(below if has_subheader else ())):
        label = normalise(cell)
        for form, token in year_forms(start_year):
            label = label.replace(form, token)
        if OTHER_YEAR.match(label):
            parsed.problems.append(Problem(
                sheet, header_row, "",
                f"the heading '{str(cell).strip()}' is for another year: this import is for {year_name}",
            ))
    for key in REQUIRED:
        if key not in columns:
            label = dict((k, lbl) for k, lbl, _ in COLUMNS)[key]
            parsed.problems.append(Problem(sheet, header_row, "", f"no '{label}' column was found in the header"))
    if parsed.problems:
        return parsed

    def where(index: int) -> str:
        return f"{get_column_letter(index + 1)} ({labels.get(index, '')})"

    first_data = header + (2 if has_subheader else 1)
    seen_references: dict[str, int] = {}
    for offset, row in enumerate(rows[first_data:], start=first_data + 1):
        cells = list(row) + [None] * (width - len(row))
        if any(normalise(c) == "total" for c in cells):
            break  # the table ends at its total row; summary rows below it are not schemes
        if all(_text(c) == "" for c in cells):
            continue

        def cell(key: str, cells: list[Any] = cells) -> Any:
            return cells[columns[key]] if key in columns else None

        name = _text(cell("name"))
        if not name:
            parsed.problems.append(Problem(sheet, offset, where(columns["name"]),
                                           "this row has figures but no scheme heading"))
            continue
        problems_before = len(parsed.problems)

        def read(key: str, parser: Any, what: str, offset: int = offset, cell: Any = cell) -> Any:
            if key not in columns:
                return None
            try:
                return parser(cell(key))
            except (ValueError, TypeError):
                parsed.problems.append(Problem(sheet, offset, where(columns[key]),
                                               f"{what}, not '{_text(cell(key))}'"))
                return None

        go_live = read("go_live", parse_month, "the go-live date must be a month like Jul-13")
        fye = read("full_year_effect", parse_money, "the full-year effect must be an amount in pounds")
        current_cost = read("current_cost", parse_money, "the current cost must be an amount in pounds")
        published = {key: read(key, parse_money, "this must be an amount in pounds") for key in COMPUTED_COLUMNS}
        change = read("change", parse_whole, "change in delivery must be a whole number of months like -1 or 2")
        months = read("months", parse_whole, "the number of months must be a whole number")
        phase = read("phase", parse_whole, "phase must be 1, 2, 3 or 4")
        if phase is not None and not 1 <= phase <= 4:
            parsed.problems.append(Problem(sheet, offset, where(columns["phase"]), "phase must be 1, 2, 3 or 4"))
        if change is not None and not -12 <= change <= 12:
            parsed.problems.append(Problem(sheet, offset, where(columns["change"]),
                                           "change in delivery must be between -12 and +12 months"))
        ratings: dict[str, str | None] = {}
        for key in RAG_COLUMNS:
            word = _text(cell(key))
            if not word:
                ratings[key] = None
            elif word.lower() in RAG_WORDS:
                ratings[key] = RAG_WORDS[word.lower()]
            else:
                parsed.problems.append(Problem(sheet, offset, where(columns[key]),
                                               f"'{word}' is not a RAG rating: use Green, Amber or Red"))
        if fye is None and "full_year_effect" in columns and len(parsed.problems) == problems_before:
            parsed.problems.append(Problem(sheet, offset, where(columns["full_year_effect"]),
                                           "the full-year effect is missing"))
        no = _text(cell("no"))
        reference = _text(cell("reference")) or no
        if not reference:
            parsed.problems.append(Problem(sheet, offset, "", "the scheme has neither a File REF nor a No"))
        elif reference in seen_references:
            parsed.problems.append(Problem(sheet, offset, "",
                                           f"reference {reference} is also used on row {seen_references[reference]}"))
        else:
            seen_references[reference] = offset
        if len(parsed.problems) > problems_before:
            continue
        if any(ratings.values()) and not all(ratings.values()):
            missing = ", ".join(k for k, v in ratings.items() if not v)
            parsed.problems.append(Problem(sheet, offset, "", f"the RAG rating is incomplete ({missing} blank)"))
            continue
        expected_months = engine.months_in_year(start_year, go_live)
        if months is not None and months != expected_months:
            parsed.warnings.append(
                f"Row {offset} {name}: the file says {months} months of saving but go-live "
                f"{go_live:%b-%y} gives {expected_months}; the go-live date is used."
                if go_live else f"Row {offset} {name}: months in file ignored (no go-live date)."
            )
        parsed.rows.append(WorkbookRow(
            row=offset, no=no, reference=reference, programme=_text(cell("programme")) or "Unassigned",
            name=name, phase=phase, go_live=go_live, months_in_file=months, current_cost=current_cost,
            full_year_effect=fye or Decimal("0"), ratings=ratings, change=change, published=published,
        ))
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(sheet, header_row, "", "the table has no schemes"))
    return parsed


def overrides_for(row: WorkbookRow, base: engine.SchemeInputs) -> dict[str, Decimal]:
    """Published figures that differ from the engine's by more than £1, in dependency order.

    Each override is applied before the next figure is compared, so a figure computed from an
    overridden one (e.g. most likely from an overridden plan) is not itself overridden.
    """
    overrides: dict[str, Decimal] = {}
    for key in COMPUTED_COLUMNS:
        published = row.published.get(key)
        if published is None:
            continue
        figures = engine.compute(_replace(base, overrides=dict(overrides)))
        if abs(getattr(figures, key) - published) > TOLERANCE:
            overrides[key] = published
    return overrides


def _replace(inputs: engine.SchemeInputs, **changes: Any) -> engine.SchemeInputs:
    from dataclasses import replace

    return replace(inputs, **changes)


@transaction.atomic
def workbook_import(
    *, actor: AbstractBaseUser | None, organisation: Organisation, year_name: str,
    source: str | Path | IO[bytes], sheet: str | None = None,
) -> ImportReport:
    """Import the whole file or nothing. Raises WorkbookInvalid listing every problem."""
    start_year = FinancialYear.start_year_from_name(year_name)
    parsed = read_workbook(source, start_year, sheet)
    if parsed.problems:
        raise WorkbookInvalid(parsed.problems)
    year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
    report = ImportReport(sheet=parsed.sheet, warnings=list(parsed.warnings))
    factors = rag_factors(organisation)
    rated_on = parsed.rated_on or year.starts_on
    assessed_on = parsed.assessed_on or rated_on
    ratings: list[services.RatingInput] = []
    try:
        for row in parsed.rows:
            scheme = _upsert_scheme(actor, organisation, year, row, report)
            if row.ratings.get("overall"):
                ratings.append(services.RatingInput(scheme=scheme, **{k: v for k, v in row.ratings.items()}))
            if row.change is not None:
                services.director_assessment_record(
                    actor=actor, scheme=scheme, assessed_on=assessed_on, change_months=row.change,
                    note=IMPORT_REASON,
                )
            inputs = engine.SchemeInputs(
                year_start=start_year, go_live=row.go_live, gross_saving=row.full_year_effect,
                overall_rag=row.ratings.get("overall"), delivery_change_months=row.change or 0, factors=factors,
            )
            wanted = overrides_for(row, inputs)
            _sync_overrides(actor, scheme, wanted, inputs, row, report)
        if ratings:
            services.panel_sitting_record(actor=actor, organisation=organisation, year=year, held_on=rated_on,
                                          ratings=ratings, notes=IMPORT_REASON)
    except ValidationError as error:
        raise WorkbookInvalid([f"Nothing was saved: {'; '.join(error.messages)}"]) from None
    return report


def _upsert_scheme(actor: AbstractBaseUser | None, organisation: Organisation, year: FinancialYear,
                   row: WorkbookRow, report: ImportReport) -> Scheme:
    programme = services.programme_get_or_create(organisation=organisation, name=row.programme)
    values: dict[str, Any] = {
        "programme": programme, "reference": row.reference, "name": row.name, "phase": row.phase,
        "go_live": row.go_live, "current_cost": row.current_cost, "gross_saving": row.full_year_effect,
    }
    existing = Scheme.objects.filter(organisation=organisation, year=year, reference=row.reference).first()
    label = f"{row.reference} {row.name}"
    if existing is None:
        scheme = services.scheme_create(actor=actor, organisation=organisation, year=year, **values)
        report.created.append(label)
        return scheme
    before = existing.version
    scheme = services.scheme_update(actor=actor, scheme=existing, expected_version=None, changes=values)
    (report.updated if scheme.version != before else report.unchanged).append(label)
    return scheme


def _sync_overrides(actor: AbstractBaseUser | None, scheme: Scheme, wanted: dict[str, Decimal],
                    inputs: engine.SchemeInputs, row: WorkbookRow, report: ImportReport) -> None:
    active = {o.figure: o for o in FigureOverride.objects.filter(scheme=scheme, cleared_at__isnull=True)}
    for figure, value in wanted.items():
        computed = getattr(engine.compute(_replace(inputs, overrides={
            k: v for k, v in wanted.items() if COMPUTED_COLUMNS.index(k) < COMPUTED_COLUMNS.index(figure)
        })), figure)
        report.overrides.append(
            f"Row {row.row} {row.reference} {row.name}: {Figure(figure).label} £{value:,.0f} in the file, "
            f"£{computed:,.2f} by the formula: kept as an override"
        )
        current = active.get(figure)
        if current is None or current.value != value:
            services.figure_override_set(actor=actor, scheme=scheme, figure=figure, value=value,
                                         reason=IMPORT_REASON)
    for figure, override in active.items():
        if figure not in wanted and override.reason == IMPORT_REASON:
            services.figure_override_clear(actor=actor, scheme=scheme, figure=figure,
                                           reason="the re-imported workbook agrees with the formula")


def describe(problems: Iterable[Problem | str]) -> str:
    return "\n".join(f"  - {p}" for p in problems)
