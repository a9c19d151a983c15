"""Sheets 6 and 7: the risk register with its scores and bands, the 5x5 heat maps (current and target), and the
improvement plan with RAG, status and revised dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from dashboards.exports.formats import (
    ACTION_FILL,
    ACTION_FONT,
    BAND_FILL,
    BAND_FONT,
    BOLD,
    COUNT,
    DATE,
    PLAIN,
    WRAPPED,
    PackSheet,
    Style,
    filled,
    finish,
    month_name,
    note,
    put,
    table_start,
    title,
)
from dashboards.exports.inputs import RISK_STAGES, PackInputs, RiskRow
from risks import scoring

OVERDUE = Style(bold=True, colour="D5281B")
STAGE_NAMES = {"year_start": "Year start", "current": "Current", "target": "Target"}
REGISTER_COLUMNS = [("Ref", 8), ("Risk", 40), ("Category", 14), ("Threatens", 24), ("Owner", 16)] + [
    (f"{STAGE_NAMES[stage]} {part}", 9 if part != "band" else 10)
    for stage in RISK_STAGES for part in ("L", "I", "score", "band")] + [("Mitigating actions", 40),
                                                                         ("Review date", 11)]


def risk_register_sheet(ws: PackSheet, inputs: PackInputs) -> None:
    title(ws, inputs, "Risk register")
    row = header_row = table_start(
        ws, inputs, "Score = likelihood (L) x impact (I) on the 5x5 matrix, computed, never typed. Bands: 1-3 Green "
        "(low), 4-6 Yellow (moderate), 8-12 Amber (high), 15-25 Red (extreme). Highest current first.",
        [name for name, _ in REGISTER_COLUMNS], freeze_columns=2)
    for risk in inputs.risks:
        row += 1
        for column, value in enumerate((risk.reference, risk.title, risk.category, risk.threatens, risk.owner), 1):
            put(ws, row, column, value)
        column = 6
        for stage in RISK_STAGES:
            score = risk.scores[stage]
            put(ws, row, column, score.likelihood, COUNT)
            put(ws, row, column + 1, score.impact, COUNT)
            put(ws, row, column + 2, score.score, COUNT)
            put(ws, row, column + 3, score.band or "Not scored",
                style=filled(BAND_FILL[score.band], BAND_FONT[score.band]) if score.band in BAND_FILL else PLAIN)
            column += 4
        put(ws, row, column, risk.mitigation, style=WRAPPED)
        put(ws, row, column + 1, risk.review_date, DATE)
    if not inputs.risks:
        row += 1
        put(ws, row, 2, "No risks are recorded for this year.")
    finish(ws, inputs, [width for _, width in REGISTER_COLUMNS], header_row, row)


def _heat_cell(band: str, bold: bool) -> Style:
    """A heat map cell: its band's colours, centred, its words wrapped; bold where risks are placed."""
    return replace(filled(BAND_FILL[band], BAND_FONT[band], bold=bold), wrap=True, horizontal="center",
                   vertical="center")


def heat_counts(risks: list[RiskRow], stage: str) -> list[list[int]]:
    """Counts per cell, likelihood 5 down to 1 by impact 1 to 5 (risks.scoring.heat_map's grid)."""
    return scoring.heat_map((r.scores[stage].likelihood, r.scores[stage].impact) for r in risks)


def heat_map_sheet(ws: PackSheet, inputs: PackInputs) -> None:
    """Two 5x5 grids (current, target): each cell coloured by its band and saying its count, band and score."""
    row = title(ws, inputs, "Risk heat map")
    note(ws, row, "Each cell: the number of risks, then the cell's band and score (likelihood x impact). Colour "
                  "repeats the band named in the cell. Risks without a likelihood and impact are not placed.")
    row += 2
    header_row = row
    for stage in ("current", "target"):
        grid = heat_counts(inputs.risks, stage)
        placed = sum(sum(line) for line in grid)
        put(ws, row, 1, f"{STAGE_NAMES[stage]} scores: {placed} of {len(inputs.risks)} risks placed", style=BOLD)
        row += 1
        put(ws, row, 1, "Likelihood \\ Impact", style=BOLD)
        for impact in range(1, 6):
            put(ws, row, 1 + impact, f"Impact {impact}", style=BOLD)
        for index, counts in enumerate(grid):
            row += 1
            likelihood = 5 - index
            put(ws, row, 1, f"Likelihood {likelihood}", style=BOLD)
            for impact in range(1, 6):
                score = likelihood * impact
                band = scoring.score_band(score)
                count = counts[impact - 1]
                put(ws, row, 1 + impact, f"{count}\n{band} {score}", style=_heat_cell(band, count > 0))
            ws.settings.row_dimensions[row].height = 32
        row += 2
    finish(ws, inputs, [20, 14, 14, 14, 14, 14], header_row, header_row)


PLAN_COLUMNS = [("Domain", 18), ("Req.", 6), ("Action", 7), ("What", 50), ("Owner", 18), ("Due (as planned)", 14),
                ("Revised due", 12), ("Revisions", 40), ("RAG", 12), ("Status", 11), ("Overdue", 9), ("Note", 30)]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _shown(value: str | None) -> str:
    day = _day(value)
    return f"{day:%d/%m/%Y}" if day else "no date"


def improvement_plan_sheet(ws: PackSheet, inputs: PackInputs) -> None:
    title(ws, inputs, "Improvement plan")
    row = header_row = table_start(
        ws, inputs, f"{inputs.plan_source} RAG: Complete, On-Track, Delayed, Reset Date, Not Started (in words as "
        "well as colours). A revised date is never an edit: each revision is listed with its reason.",
        [name for name, _ in PLAN_COLUMNS], freeze_columns=3)
    for item in inputs.plan_rows:
        row += 1
        revisions = item.get("revised_due_dates") or []
        put(ws, row, 1, item["domain"])
        put(ws, row, 2, item["requirement_number"], COUNT)
        put(ws, row, 3, item["reference"])
        put(ws, row, 4, item["text"], style=WRAPPED)
        put(ws, row, 5, item["owner"])
        first_due = _day(revisions[0]["old_date"]) if revisions else _day(item["due_date"])
        if first_due is not None:
            put(ws, row, 6, first_due, DATE)
        else:
            put(ws, row, 6, item.get("due_date_as_published") or "")
        if revisions:
            put(ws, row, 7, _day(item["due_date"]) or _day(revisions[-1]["new_date"]), DATE)
            put(ws, row, 8, "; ".join(f"{_shown(r['old_date'])} to {_shown(r['new_date'])}: {r['reason']}"
                                      for r in revisions), style=WRAPPED)
        put(ws, row, 9, item["rag"] or "Not given", style=filled(ACTION_FILL[item["rag"]], ACTION_FONT[item["rag"]])
            if item["rag"] in ACTION_FILL else PLAIN)
        put(ws, row, 10, item["status"])
        put(ws, row, 11, "Overdue" if item.get("overdue") else "", style=OVERDUE if item.get("overdue") else PLAIN)
        put(ws, row, 12, item.get("note") or "")
    if not inputs.plan_rows:
        row += 1
        put(ws, row, 4, f"No improvement plan is recorded for {inputs.year.name} ({month_name(inputs)}).")
    finish(ws, inputs, [width for _, width in PLAN_COLUMNS], header_row, row)
