"""Sheet 1, the Summary: headline figures, the savings bridge, financial risks, top risks, commentary, the month,
when the pack was produced and where every sheet's figures come from. Figures the other sheets total are formulas
pointing at those totals, so the Summary and the sheets can never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboards.exports.formats import (
    BAND_FILL,
    BAND_FONT,
    COUNT,
    PLAIN,
    POUNDS,
    POUNDS_K,
    PackSheet,
    Style,
    filled,
    finish,
    formula,
    header,
    month_name,
    put,
    title,
)
from dashboards.exports.inputs import PackInputs
from governance.formatting import format_pounds

TOP_RISKS = 5
SECTION = Style(bold=True, size=12)


@dataclass(frozen=True)
class SheetTotals:
    """Where the other sheets keep the totals the Summary shows ("Sheet!B7")."""

    schemes_total_row: int
    tracker: dict[str, str]
    financial_risks: dict[str, int] = field(default_factory=dict)


def _bold(ws: PackSheet, row: int, value: str) -> int:
    put(ws, row, 1, value, style=SECTION)
    return row + 1


def _messages(inputs: PackInputs) -> list[str]:
    """The pack's takeaways in words: what the figures say, for a reader who reads nothing else."""
    bridge = inputs.bridge
    month = f"M{inputs.month}"
    messages = []
    if bridge.plan_in_year:
        share = bridge.most_likely / bridge.plan_in_year * 100
        messages.append(f"Most likely delivery is £{format_pounds(bridge.most_likely)}, {share:.0f}% of the in-year "
                        f"plan of £{format_pounds(bridge.plan_in_year)}, after the RAG panel's ratings.")
    messages.append(f"Savings recorded to {month}: £{format_pounds(bridge.ytd_actual)}; forecast outturn "
                    f"£{format_pounds(bridge.forecast_outturn)}.")
    if bridge.unidentified is not None:
        messages.append(f"Unidentified QIPP against the savings target of £{format_pounds(bridge.target)}: "
                        f"£{format_pounds(bridge.unidentified)}.")
    register = inputs.financial_risks
    if register is not None:
        messages.append(f"Financial risks assessed at £{format_pounds(register.risks.total.assessed_value)} against "
                        f"mitigations of £{format_pounds(register.mitigations.total.assessed_value)}: shortfall "
                        f"£{format_pounds(register.shortfall.assessed_value)} assessed, "
                        f"£{format_pounds(register.shortfall.total_value)} in total.")
    red = sum(1 for r in inputs.risks if r.scores["current"].band == "Red")
    if inputs.risks:
        messages.append(f"{len(inputs.risks)} risks on the register, {red} of them Red (extreme) now.")
    return messages


def summary_sheet(ws: PackSheet, inputs: PackInputs, totals: SheetTotals) -> None:
    row = title(ws, inputs, "QIPP board pack")
    header(ws, row, ["Figure", "Amount (£)", "What it is"])
    header_row = row
    schemes = f"'Schemes'!{{}}{totals.schemes_total_row}"
    for label, column, meaning in (
        ("In-year plan", "H", "Full-year effect phased from each scheme's go-live month"),
        ("Most likely", "O", "Plan adjusted by the RAG panel's overall rating"),
        ("Director's assessment", "Q", "Most likely moved by the director's change in delivery"),
        ("Next-year effect", "I", "Full-year effect not delivered this year, saved the year after"),
    ):
        row += 1
        put(ws, row, 1, label)
        formula(ws, row, 2, "=" + schemes.format(column), POUNDS)
        put(ws, row, 3, meaning)
    row += 2
    row = _bold(ws, row, f"Savings bridge, {month_name(inputs)}")
    bridge = inputs.bridge
    first = row
    lines: list[tuple[str, object, str]] = [
        ("Savings target (gap)", bridge.target, "The QIPP the financial plan counts on"
         if bridge.target is not None else "No financial plan is recorded for the year"),
        ("Identified (gross, full year)", bridge.identified, "Gross full-year savings of the identified schemes"),
        ("Unidentified QIPP", f"=IF(ISNUMBER(B{first}),B{first}-B{first + 1},\"\")",
         "Target less identified: still to find (negative: more identified than the target)"),
        ("Identified plan (in year)", f"=B{header_row + 1}", "The schemes' in-year plan"),
        ("Most likely", f"=B{header_row + 2}", "After the RAG panel's ratings"),
        ("Director's assessment", f"=B{header_row + 3}", "After the director's change in delivery"),
        (f"YTD actual (M1-M{inputs.month})", f"='Monthly tracker'!{totals.tracker['ytd_actual']}",
         "Savings recorded to the month"),
        ("Forecast outturn", f"='Monthly tracker'!{totals.tracker['forecast_outturn']}",
         f"Actuals to M{inputs.month} and forecasts after"),
    ]
    for label, value, meaning in lines:
        put(ws, row, 1, label)
        if isinstance(value, str):
            formula(ws, row, 2, value, POUNDS)
        else:
            put(ws, row, 2, value, POUNDS)
        put(ws, row, 3, meaning)
        row += 1
    if totals.financial_risks:
        row += 1
        row = _bold(ws, row, "Financial risks and mitigations (£'000)")
        sheet = "'Financial risks'"
        for label, key in (("Risks", "Risks"), ("Mitigations", "Mitigations"), ("Shortfall", "Shortfall")):
            put(ws, row, 1, f"{label}: total / assessed")
            formula(ws, row, 2, f"={sheet}!D{totals.financial_risks[key]}", POUNDS_K)
            formula(ws, row, 3, f"={sheet}!E{totals.financial_risks[key]}", POUNDS_K)
            row += 1
    row += 1
    row = _bold(ws, row, "Top risks (current score)")
    top = [r for r in inputs.risks if r.scores["current"].score is not None][:TOP_RISKS]
    for risk in top:
        score = risk.scores["current"]
        put(ws, row, 1, f"{risk.reference} {risk.title}".strip())
        put(ws, row, 2, score.score, COUNT)
        put(ws, row, 3, f"{score.band} ({score.likelihood or '?'} x {score.impact or '?'})",
            style=filled(BAND_FILL[score.band], BAND_FONT[score.band]) if score.band in BAND_FILL else PLAIN)
        row += 1
    if not top:
        put(ws, row, 1, "No scored risks are recorded for this year.")
        row += 1
    row += 1
    row = _bold(ws, row, "Commentary")
    for message in [*_messages(inputs), *([inputs.commentary] if inputs.commentary else [])]:
        put(ws, row, 1, message)  # not wrapped: a line of words runs on across the empty cells
        row += 1
    row += 1
    row = _bold(ws, row, "Where the figures come from")
    put(ws, row, 1, inputs.source_note)
    row += 1
    put(ws, row, 1, f"Improvement plan: {inputs.plan_source}")
    row += 1
    put(ws, row, 1, f"Month: {month_name(inputs)}, {inputs.year.name}. Produced "
                    f"{inputs.produced_at:%d %B %Y %H:%M}. Schemes: {len(inputs.schemes)}.")
    finish(ws, inputs, [40, 18, 70], header_row, header_row)
