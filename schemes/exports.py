"""Exports of the scheme register. Pure: take the rows the page shows, return rows of cells.

Money is written as plain pounds to the penny (e.g. 451500.00, negatives with a minus sign) so
spreadsheets can add it up; the page's £ and bracket formatting is for reading, not for sums.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from governance.formatting import format_financial_month, format_month
from governance.models import FinancialYear
from schemes.models import Figure, Scheme

if TYPE_CHECKING:
    from schemes.selectors import RegisterTotals

REGISTER_HEADER = [
    "Reference",
    "Scheme name",
    "Programme",
    "Phase",
    "Stage",
    "Go-live",
    "Overall RAG",
    "Current cost, gross (£)",
    "Net saving, full-year effect (£)",
    "Plan in year (£)",
    "Next-year effect (£)",
    "Most likely (£)",
    "Director's value (£)",
    "Director's value next year (£)",
    "YTD actual (£)",
    "Overridden figures",
]
# The money columns in the order of the header, as the Scheme (and the totals) name them.
REGISTER_MONEY = ("current_cost", "full_year_effect", "plan_in_year", "next_year_effect", "most_likely",
                  "director_value", "director_next_year", "ytd_actual")

def _plain(value: object) -> str:
    # Formula-looking text is made safe as the rows are written (governance.exports.csv_lines), for every column.
    return "" if value is None else str(value)


def _pounds(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


# Full-year figures are for no one year; "next year" ones say which year follows.
_FULL_YEAR = ("Current cost, gross (£)", "Net saving, full-year effect (£)")
_NEXT_YEAR = ("Next-year effect (£)", "Director's value next year (£)")


def register_header(year_name: str, ytd_month: int | None, start_year: int) -> list[str]:
    """The column headings, saying which year each figure is for and which months the YTD actual covers."""
    ytd = (f"YTD actual to {format_financial_month(ytd_month, start_year)} (£)" if ytd_month
           else "YTD actual, months with actuals, no month closed (£)")
    next_year = FinancialYear(start_year=start_year + 1).name

    def heading(name: str) -> str:
        if name == "YTD actual (£)":
            return ytd
        if name in _FULL_YEAR or not name.endswith(" (£)"):
            return name
        return f"{name[:-4]} {next_year if name in _NEXT_YEAR else year_name} (£)"

    return [heading(name) for name in REGISTER_HEADER]


def register_rows_for_csv(
    schemes: Iterable[Scheme], *, year_name: str, start_year: int, ytd_month: int | None,
    totals: RegisterTotals | None = None,
) -> Iterator[list[str]]:
    """The header, then one row per scheme, in the order given (the page's filters and sort), then the
    total of every money column when `totals` is given (the page's total row)."""
    labels = dict(Figure.choices)
    yield register_header(year_name, ytd_month, start_year)
    for scheme in schemes:
        overridden = getattr(scheme, "active_overrides", None)
        if overridden is not None:
            notes = "; ".join(f"{labels.get(o.figure, o.figure)}: {o.reason}" for o in overridden)
        else:
            notes = "; ".join(str(labels.get(name, name)) for name in scheme.overridden_fields)
        yield [
            _plain(scheme.reference),
            _plain(scheme.name),
            _plain(scheme.programme.name),
            "" if scheme.phase is None else str(scheme.phase),
            scheme.get_stage_display(),
            "" if scheme.go_live is None else format_month(scheme.go_live),
            scheme.get_overall_rag_display() if scheme.overall_rag else "Not rated",
            *(_pounds(getattr(scheme, name, None)) for name in REGISTER_MONEY),
            _plain(notes),
        ]
    if totals is not None:
        label = f"Total ({totals.schemes} scheme{'' if totals.schemes == 1 else 's'})"
        yield [label, "", "", "", "", "", "", *(_pounds(getattr(totals, name)) for name in REGISTER_MONEY), ""]
