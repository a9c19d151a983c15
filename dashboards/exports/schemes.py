"""Sheets 2 and 3: the schemes (the Bexley appendix layout) and the monthly tracker (M1..M12, YTD and FOT)."""

from __future__ import annotations

from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from dashboards.exports.formats import (
    BOLD,
    ITALIC,
    PLAIN,
    POUNDS,
    PackSheet,
    finish,
    formula,
    header,
    money,
    month_name,
    note,
    put,
    rag,
    title,
)
from dashboards.exports.inputs import PackInputs
from governance.formatting import month_label

FIGURE_NAMES = {"full_year_effect": "Full-year effect", "plan_in_year": "Plan this year",
                "next_year_effect": "Next-year effect", "most_likely": "Most likely",
                "director_value": "Director's value this year", "director_next_year": "Director's value next year"}
SCHEME_COLUMNS = [
    ("Ref", 8), ("Programme", 22), ("Scheme", 40), ("Phase", 7), ("Go-live", 9), ("Months", 8),
    ("Full-year effect (£)", 14), ("Plan this year (£)", 14), ("Plan next year (£)", 14),
    ("Value", 9), ("Resources", 10), ("Timescales", 10), ("Co-dependencies", 12), ("Overall", 9),
    ("Most likely (£)", 14), ("Change in delivery (months)", 11), ("Director's value this year (£)", 15),
    ("Director's value next year (£)", 15),
]
MONEY_COLUMNS = {7: "full_year_effect", 8: "plan_in_year", 9: "next_year_effect", 15: "most_likely",
                 17: "director_value", 18: "director_next_year"}
RATING_COLUMNS = {10: "value", 11: "resources", 12: "timescales", 13: "codependencies", 14: "overall"}
SCHEMES_HEADER_ROW = 4  # the Summary's formulas point at the Schemes sheet's total row, below its rows


def schemes_total_row(inputs: PackInputs) -> int:
    return SCHEMES_HEADER_ROW + len(inputs.schemes) + 1


def schemes_sheet(ws: PackSheet, inputs: PackInputs) -> None:
    row = title(ws, inputs, "QIPP schemes")
    assert row == SCHEMES_HEADER_ROW
    header(ws, row, [name for name, _ in SCHEME_COLUMNS])
    header_row = row
    for scheme in inputs.schemes:
        row += 1
        put(ws, row, 1, scheme.reference)
        put(ws, row, 2, scheme.programme)
        put(ws, row, 3, scheme.name)
        put(ws, row, 4, scheme.phase if scheme.phase is not None else "")
        put(ws, row, 5, scheme.go_live)
        put(ws, row, 6, scheme.months_in_year)
        for column, name in MONEY_COLUMNS.items():
            overridden = name in scheme.overrides  # in italics, with the reason in the cell's comment
            cell = put(ws, row, column, money(scheme.figures[name]), POUNDS, ITALIC if overridden else PLAIN)
            if overridden:
                cell.comment = Comment(f"{FIGURE_NAMES[name]} set by hand: {scheme.overrides[name]}", "QIPP portal")
        for column, dimension in RATING_COLUMNS.items():
            rag(ws, row, column, scheme.ratings.get(dimension, ""))
        put(ws, row, 16, scheme.delivery_change_months)
    last = row
    row += 1
    put(ws, row, 3, "Total", style=BOLD)
    for column in MONEY_COLUMNS:
        letter = get_column_letter(column)
        formula(ws, row, column, f"=SUM({letter}{header_row + 1}:{letter}{last})", POUNDS, BOLD)
    note(ws, row + 2, "Overridden figures are in italics, with the reason in the cell's comment. RAG ratings are "
                      "the latest panel sitting's (as at the report), in words as well as colours.")
    finish(ws, inputs, [width for _, width in SCHEME_COLUMNS], header_row, last)


MEASURES = ("Plan", "Actual", "Forecast")
FIRST_MONTH_COLUMN = 5  # Ref, Scheme, Programme, Measure, then M1..M12


def tracker_sheet(ws: PackSheet, inputs: PackInputs) -> dict[str, str]:
    """Three rows a scheme (plan, actual, forecast) by month; YTD to the pack's month and FOT as formulas.

    FOT = actuals to month N + forecasts after N, where a month after N with no forecast counts at plan (the
    month-end report's rule), so the Forecast row shows the plan there, in italics. Returns the cells of the
    YTD actual and FOT totals for the Summary's formulas.
    """
    n = inputs.month
    row = title(ws, inputs, "Monthly tracker")
    ytd_column, fot_column = FIRST_MONTH_COLUMN + 12, FIRST_MONTH_COLUMN + 13
    names = ["Ref", "Scheme", "Programme", "Measure", *[month_label(inputs.year.start_year, m) for m in range(1, 13)],
             f"YTD M1-M{n} (£)", "Full year / FOT (£)"]
    header(ws, row, names, freeze_columns=4)
    header_row = row
    first = get_column_letter(FIRST_MONTH_COLUMN)
    month_n = get_column_letter(FIRST_MONTH_COLUMN + n - 1)
    last_month = get_column_letter(FIRST_MONTH_COLUMN + 11)
    for scheme in inputs.schemes:
        actual_row, forecast_row = row + 2, row + 3
        for measure in MEASURES:
            row += 1
            put(ws, row, 1, scheme.reference)
            put(ws, row, 2, scheme.name)
            put(ws, row, 3, scheme.programme)
            put(ws, row, 4, measure)
            for m, figures in enumerate(scheme.months, 1):
                column = FIRST_MONTH_COLUMN + m - 1
                if measure == "Plan":
                    put(ws, row, column, money(figures.plan), POUNDS)
                elif measure == "Actual":
                    put(ws, row, column, money(figures.actual), POUNDS)
                elif m > n and figures.forecast is None:
                    put(ws, row, column, money(figures.plan), POUNDS, ITALIC)
                else:
                    put(ws, row, column, money(figures.forecast), POUNDS)
            if measure == "Plan":
                formula(ws, row, ytd_column, f"=SUM({first}{row}:{month_n}{row})", POUNDS)
                formula(ws, row, fot_column, f"=SUM({first}{row}:{last_month}{row})", POUNDS)
            elif measure == "Actual":
                formula(ws, row, ytd_column, f"=SUM({first}{row}:{month_n}{row})", POUNDS)
            elif n < 12:
                after = get_column_letter(FIRST_MONTH_COLUMN + n)
                formula(ws, row, fot_column, f"=SUM({first}{actual_row}:{month_n}{actual_row})"
                                             f"+SUM({after}{forecast_row}:{last_month}{forecast_row})", POUNDS)
            else:
                formula(ws, row, fot_column, f"=SUM({first}{actual_row}:{last_month}{actual_row})", POUNDS)
    last = row
    for measure in MEASURES:
        row += 1
        put(ws, row, 2, f"Total {measure.lower()}", style=BOLD)
        put(ws, row, 4, measure, style=BOLD)
        for column in range(FIRST_MONTH_COLUMN, fot_column + 1):
            letter = get_column_letter(column)
            formula(ws, row, column, f'=SUMIF($D${header_row + 1}:$D${last},"{measure}",'
                                     f"{letter}{header_row + 1}:{letter}{last})", POUNDS, BOLD)
    note(ws, row + 2, f"YTD runs M1 to M{n} ({month_name(inputs)}). FOT = actuals to M{n} + forecasts after; a "
                      "month after with no forecast counts at plan (in italics). Savings over plan are favourable.")
    finish(ws, inputs, [8, 34, 20, 9, *[11] * 12, 13, 13], header_row, last)
    return {"ytd_actual": f"{get_column_letter(ytd_column)}{last + 2}",
            "forecast_outturn": f"{get_column_letter(fot_column)}{last + 3}"}
