"""Exports of the scheme register. Pure: take the rows the page shows, return rows of cells.

Money is written as plain pounds to the penny (e.g. 451500.00, negatives with a minus sign) so
spreadsheets can add it up; the page's £ and bracket formatting is for reading, not for sums.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from governance.formatting import format_financial_month, format_month
from schemes.models import Figure, Scheme

REGISTER_HEADER = [
    "Reference",
    "Scheme name",
    "Programme",
    "Phase",
    "Stage",
    "Go-live",
    "Overall RAG",
    "Plan in year (£)",
    "Most likely (£)",
    "Director's value (£)",
    "YTD actual (£)",
    "Overridden figures",
]

# Text starting with these could run as a formula when the file is opened in a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _pounds(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def register_header(year_name: str, ytd_month: int | None, start_year: int) -> list[str]:
    """The column headings, saying which year the plan is for and which months the YTD actual covers."""
    ytd = (f"YTD actual to {format_financial_month(ytd_month, start_year)} (£)" if ytd_month
           else "YTD actual, months with actuals, no month closed (£)")
    header = [f"{name[:-4]} {year_name} (£)" if name.endswith(" (£)") and "YTD" not in name else name
              for name in REGISTER_HEADER]
    return [ytd if name == "YTD actual (£)" else name for name in header]


def register_rows_for_csv(
    schemes: Iterable[Scheme], *, year_name: str, start_year: int, ytd_month: int | None
) -> Iterator[list[str]]:
    """The header, then one row per scheme, in the order given (the page's filters and sort)."""
    labels = dict(Figure.choices)
    yield register_header(year_name, ytd_month, start_year)
    for scheme in schemes:
        overridden = getattr(scheme, "active_overrides", None)
        if overridden is not None:
            notes = "; ".join(f"{labels.get(o.figure, o.figure)}: {o.reason}" for o in overridden)
        else:
            notes = "; ".join(str(labels.get(name, name)) for name in scheme.overridden_fields)
        yield [
            _text(scheme.reference),
            _text(scheme.name),
            _text(scheme.programme.name),
            "" if scheme.phase is None else str(scheme.phase),
            scheme.get_stage_display(),
            "" if scheme.go_live is None else format_month(scheme.go_live),
            scheme.get_overall_rag_display() if scheme.overall_rag else "Not rated",
            _pounds(scheme.plan_in_year),
            _pounds(scheme.most_likely),
            _pounds(scheme.director_value),
            _pounds(getattr(scheme, "ytd_actual", None)),
            _text(notes),
        ]
