"""Sheets 4 and 5: budget variance (the Cambridgeshire layout, from the month-end report) and financial risks and
mitigations (the month's register, with totals and the shortfall as formulas)."""

from __future__ import annotations

from dashboards.exports.formats import (
    BOLD,
    PERCENT,
    PLAIN,
    POUNDS_K,
    WHOLE_PERCENT,
    PackSheet,
    finish,
    formula,
    month_name,
    note,
    put,
    table_start,
    title,
)
from dashboards.exports.inputs import PackInputs
from governance.formatting import format_money_k

BUDGET_COLUMNS = [("Line", 34), ("YTD plan £'000", 13), ("YTD actual £'000", 13), ("YTD variance £'000", 13),
                  ("YTD %", 8), ("Full-year plan £'000", 13), ("Forecast outturn £'000", 13),
                  ("Forecast variance £'000", 13), ("Forecast %", 9), ("Commentary", 50)]
BUDGET_FIGURES = ("ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct", "forecast_plan", "forecast_actual",
                  "forecast_variance", "forecast_variance_pct")


def budget_sheet(ws: PackSheet, inputs: PackInputs) -> None:
    row = title(ws, inputs, "Budget variance")
    report = inputs.report
    if report is None:
        put(ws, row, 1, f"No month-end report has been produced for {month_name(inputs)}: finance produce it from "
                        "the month-end report page, and the budget variance appears here.")
        finish(ws, inputs, [width for _, width in BUDGET_COLUMNS], row, row)
        return
    row = header_row = table_start(
        ws, inputs, f"From the month-end report, issue {report.issue}, produced {report.produced_at:%d %B %Y %H:%M}"
        f"{'' if report.is_current else ' (superseded)'}. Variance = plan - actual: spend under plan is favourable; "
        "adverse in brackets.", [name for name, _ in BUDGET_COLUMNS], freeze_columns=1)
    for line in inputs.budget_lines:
        row += 1
        style = PLAIN if line.kind in ("line", "allocation") else BOLD  # totals in bold
        put(ws, row, 1, line.name, style=style)
        for column, name in enumerate(BUDGET_FIGURES, 2):
            put(ws, row, column, getattr(line, name), PERCENT if name.endswith("_pct") else POUNDS_K, style)
        put(ws, row, 10, line.commentary)
    finish(ws, inputs, [width for _, width in BUDGET_COLUMNS], header_row, row)


RISK_COLUMNS = [("Kind", 11), ("Description", 44), ("Exec lead", 16), ("Total value £'000", 12),
                ("Assessed value £'000", 12), ("Assessed %", 10), ("In forecast £'000", 12), ("Residual £'000", 12),
                ("Process to manage", 36), ("Commentary", 36)]
AMOUNT_COLUMNS = {4: "total_value", 5: "assessed_value", 7: "in_forecast", 8: "residual"}


def financial_risks_sheet(ws: PackSheet, inputs: PackInputs) -> dict[str, int]:
    """Risks, then mitigations, each with its total row; then the shortfall (mitigations less risks).

    Returns the rows of the totals (kind -> row) for the Summary's formulas.
    """
    row = title(ws, inputs, "Financial risks and mitigations")
    register = inputs.financial_risks
    if register is None:
        put(ws, row, 1, f"No financial risks and mitigations register is recorded for {month_name(inputs)}.")
        finish(ws, inputs, [width for _, width in RISK_COLUMNS], row, row)
        return {}
    row = header_row = table_start(
        ws, inputs, "The month's register. Assessed value is the likelihood-weighted amount (% = assessed / total); "
        "residual = assessed - in forecast. Shortfall = mitigations - risks: a shortfall is in brackets.",
        [name for name, _ in RISK_COLUMNS], freeze_columns=2)
    totals: dict[str, int] = {}
    for kind, side in (("Risks", register.risks), ("Mitigations", register.mitigations)):
        first = row + 1
        for item in side.rows:
            row += 1
            put(ws, row, 1, item.get_kind_display())
            put(ws, row, 2, item.description)
            put(ws, row, 3, item.exec_lead)
            for column, name in AMOUNT_COLUMNS.items():
                put(ws, row, column, getattr(item, name), POUNDS_K)
            formula(ws, row, 6, f'=IF(D{row}=0,"",ROUND(E{row}/D{row}*100,0))', WHOLE_PERCENT)
            put(ws, row, 9, item.process_to_manage)
            put(ws, row, 10, item.commentary)
        row += 1
        totals[kind] = row
        put(ws, row, 1, "Total", style=BOLD)
        put(ws, row, 2, f"Total {kind.lower()}", style=BOLD)
        for column in AMOUNT_COLUMNS:
            letter = "DEFGH"[column - 4]
            expression = f"=SUM({letter}{first}:{letter}{row - 1})" if row > first else "=0"
            formula(ws, row, column, expression, POUNDS_K, BOLD)
    last = row
    row += 2
    totals["Shortfall"] = row
    put(ws, row, 2, "Shortfall (mitigations - risks)", style=BOLD)
    for column in AMOUNT_COLUMNS:
        letter = "DEFGH"[column - 4]
        formula(ws, row, column, f"={letter}{totals['Mitigations']}-{letter}{totals['Risks']}", POUNDS_K, BOLD)
    published = register.published_shortfall
    if published is not None and register.shortfall_differs:
        note(ws, row + 1, f"The paper printed a shortfall of {format_money_k(published.total_value)} total, "
                          f"{format_money_k(published.assessed_value)} assessed (£'000): its rows are rounded, so "
                          "its totals differ from their sum.")
    finish(ws, inputs, [width for _, width in RISK_COLUMNS], header_row, last)
    return totals
