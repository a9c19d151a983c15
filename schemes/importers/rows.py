"""One scheme row of a workbook parsed into a WorkbookRow, or the problems that stop it: pure, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from governance.money import money_problem, parse_pounds
from schemes import engine
from schemes.importers.cells import RAG_WORDS, parse_month, parse_whole
from schemes.importers.files import (
    Problem,
    cell_text,
)
from schemes.importers.headers import (
    COMPUTED_COLUMNS,
    RAG_COLUMNS,
)
from schemes.models import Programme, Scheme

# Text is bounded by the columns it is stored in, here as PostgreSQL would refuse it.
TEXT_LIMITS = {
    "reference": Scheme._meta.get_field("reference").max_length or 0,
    "name": Scheme._meta.get_field("name").max_length or 0,
    "programme": Programme._meta.get_field("name").max_length or 0,
}


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
    file_name: str = ""
    checksum: str = ""


def read_row(parsed: ParsedWorkbook, sheet: str, offset: int, cells: list[Any], columns: dict[str, int],
              where: Any, seen_references: dict[str, int], start_year: int) -> None:
    """Add one scheme row to `parsed`, or its problems."""

    def cell(key: str) -> Any:
        return cells[columns[key]] if key in columns else None

    def problem(key: str | None, message: str) -> None:
        column = where(columns[key]) if key is not None and key in columns else ""
        parsed.problems.append(Problem(sheet, offset, column, message))

    name = cell_text(cell("name"))
    if not name:
        problem("name", "this row has figures but no scheme heading")
        return
    problems_before = len(parsed.problems)

    def read(key: str, parser: Any, what: str) -> Any:
        if key not in columns:
            return None
        try:
            return parser(cell(key))
        except (ValueError, TypeError, ArithmeticError):
            problem(key, f"{what}, not '{shown(cell(key))}'")
            return None

    def money(key: str, what: str, wrong: str) -> Decimal | None:
        amount = read(key, partial(parse_pounds, to_penny=True), wrong)  # computed cells hold fractions
        refusal = money_problem(amount, what)
        if refusal:
            problem(key, refusal[0].lower() + refusal[1:])
            return None
        return amount

    def bounded(key: str, text: str, what: str) -> None:
        limit = TEXT_LIMITS[key]
        if len(text) > limit:
            problem(key, f"the {what} is {len(text):,} characters long: the most the portal keeps is {limit:,}")

    bounded("name", name, "scheme heading")
    go_live = read("go_live", parse_month, "the go-live date must be a month like Jul-13")
    fye = money("full_year_effect", "full-year effect", "the full-year effect must be an amount in pounds")
    current_cost = money("current_cost", "current cost", "the current cost must be an amount in pounds")
    published = {key: money(key, "amount in this column", "this must be an amount in pounds")
                 for key in COMPUTED_COLUMNS}
    change = read("change", parse_whole, "change in delivery must be a whole number of months like -1 or 2")
    months = read("months", parse_whole, "the number of months must be a whole number")
    phase = read("phase", parse_whole, "phase must be 1, 2, 3 or 4")
    if phase is not None and not 1 <= phase <= 4:
        problem("phase", "phase must be 1, 2, 3 or 4")
    if change is not None and not -12 <= change <= 12:
        problem("change", "change in delivery must be between -12 and +12 months")
    ratings: dict[str, str | None] = {}
    for key in RAG_COLUMNS:
        word = cell_text(cell(key))
        if not word:
            ratings[key] = None
        elif word.lower() in RAG_WORDS:
            ratings[key] = RAG_WORDS[word.lower()]
        else:
            problem(key, f"'{shown(word)}' is not a RAG rating: use Green, Amber or Red")
    if fye is None and "full_year_effect" in columns and len(parsed.problems) == problems_before:
        problem("full_year_effect", "the full-year effect is missing")
    no = cell_text(cell("no"))
    reference = cell_text(cell("reference")) or no
    programme = cell_text(cell("programme")) or "Unassigned"
    bounded("programme", programme, "programme name (Transformation Headings)")
    if not reference:
        problem(None, "the scheme has neither a File REF nor a No")
    elif len(reference) > TEXT_LIMITS["reference"]:
        problem("reference" if cell_text(cell("reference")) else "no",
                f"the reference is {len(reference):,} characters long: the most the portal keeps is "
                f"{TEXT_LIMITS['reference']:,}")
    elif reference in seen_references:
        problem(None, f"reference {reference} is also used on row {seen_references[reference]}")
    else:
        seen_references[reference] = offset
    if len(parsed.problems) > problems_before:
        return
    if any(ratings.values()) and not all(ratings.values()):
        missing = ", ".join(k for k, v in ratings.items() if not v)
        problem(None, f"the RAG rating is incomplete ({missing} blank)")
        return
    expected_months = engine.months_in_year(start_year, go_live)
    if months is not None and months != expected_months:
        parsed.warnings.append(
            f"Row {offset} {name}: the file says {months} months of saving but go-live "
            f"{go_live:%b-%y} gives {expected_months}; the go-live date is used."
            if go_live else f"Row {offset} {name}: months in file ignored (no go-live date)."
        )
    parsed.rows.append(WorkbookRow(
        row=offset, no=no, reference=reference, programme=programme,
        name=name, phase=phase, go_live=go_live, months_in_file=months, current_cost=current_cost,
        full_year_effect=fye or Decimal("0"), ratings=ratings, change=change, published=published,
    ))


def shown(value: Any, limit: int = 60) -> str:
    """A cell's text as quoted back in a problem: long text is cut, so one cell cannot fill the page."""
    text = cell_text(value)
    return text if len(text) <= limit else f"{text[:limit]}…"
