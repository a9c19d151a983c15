"""Risk charts: the 5x5 heat map (current and target), the top risks, and financial risks against mitigations.

A risk band is never told by colour alone: every cell of the heat map says its band and count, and the table
beside it says them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dashboards.charts.common import NHS_BLUE, NHS_MID_GREY, NHS_WARM_YELLOW, Chart, layout, money_axis, plural, pounds
from governance.formatting import format_money, format_money_k
from risks.scoring import BAND_MEANINGS, BANDS, HIGH, LOW, score_band

BAND_COLOURS = {"Green": "#007f3b", "Yellow": "#fff263", "Amber": "#ffb81c", "Red": "#d5281b"}
BAND_TEXT = {"Green": "#ffffff", "Yellow": "#212b32", "Amber": "#212b32", "Red": "#ffffff"}  # readable on each


def _band_scale() -> list[list[Any]]:
    """A stepped colour scale: band index 0..3 (Green to Red) each one flat colour."""
    scale: list[list[Any]] = []
    for index, band in enumerate(BANDS):
        scale += [[index / len(BANDS), BAND_COLOURS[band]], [(index + 1) / len(BANDS), BAND_COLOURS[band]]]
    return scale


def _total(grid: Sequence[Sequence[int]]) -> int:
    return sum(sum(row) for row in grid)


def _in_band(grid: Sequence[Sequence[int]], band: str) -> int:
    """Risks in `band`: rows are likelihood 5 down to 1, columns impact 1 to 5 (risks.scoring.heat_map)."""
    return sum(count for row_index, row in enumerate(grid) for impact, count in enumerate(row, start=LOW)
               if score_band((HIGH - row_index) * impact) == band)


def risk_heat_map(*, current: Sequence[Sequence[int]], target: Sequence[Sequence[int]], unscored_current: int,
                  unscored_target: int, as_at: str, year_name: str, source: str = "") -> Chart:
    """Counts of risks per cell of the 5x5 matrix now and at target, side by side; each cell says its count and band.

    `current` and `target` are risks.scoring.heat_map grids; `unscored_*` are risks without that score; `source`
    says which register this is (risks are not kept month by month), in words.
    """
    title = f"Risk heat map, current and target scores, {year_name} register, as at {as_at}"
    likelihoods = list(range(HIGH, LOW - 1, -1))
    impacts = list(range(LOW, HIGH + 1))
    bands = [[BANDS.index(score_band(lik * imp)) + 0.5 for imp in impacts] for lik in likelihoods]
    traces, annotations = [], []
    for index, (name, grid) in enumerate((("Current", current), ("Target", target)), start=1):
        axis = "" if index == 1 else str(index)
        traces.append({
            "type": "heatmap", "name": name, "x": impacts, "y": likelihoods, "z": bands, "zmin": 0,
            "zmax": len(BANDS), "colorscale": _band_scale(), "showscale": False, "xgap": 3, "ygap": 3,
            "xaxis": f"x{axis}", "yaxis": f"y{axis}", "hoverinfo": "skip",
        })
        for row_index, lik in enumerate(likelihoods):
            for imp in impacts:
                band = score_band(lik * imp)
                count = grid[row_index][imp - 1]
                annotations.append({
                    "x": imp, "y": lik, "xref": f"x{axis}", "yref": f"y{axis}", "showarrow": False,
                    "text": f"<b>{count}</b><br>{band}", "font": {"color": BAND_TEXT[band], "size": 12},
                })
        annotations.append({"text": f"<b>{name}</b> ({plural(_total(grid), 'risk')} scored)", "showarrow": False,
                            "xref": f"x{axis} domain", "yref": f"y{axis} domain", "x": 0.5, "y": 1.08,
                            "font": {"size": 14}})
    axis_common = {"tickvals": impacts, "title": {"text": "Impact"}, "fixedrange": True}
    figure = {"data": traces, "layout": layout(
        title, 440, annotations=annotations, margin={"l": 70, "r": 20, "t": 90, "b": 60},
        xaxis={**axis_common, "domain": [0, 0.46]}, xaxis2={**axis_common, "domain": [0.54, 1], "anchor": "y2"},
        yaxis={"tickvals": likelihoods, "title": {"text": "Likelihood"}, "fixedrange": True},
        yaxis2={"tickvals": likelihoods, "fixedrange": True, "anchor": "x2"},
    )}
    scored, red_now, red_target = _total(current), _in_band(current, "Red"), _in_band(target, "Red")
    if not scored:
        takeaway = f"No risk in the {year_name} register has a current score yet."
    else:
        takeaway = (f"{red_now} of {plural(scored, 'scored risk')} {'is' if red_now == 1 else 'are'} Red (extreme) "
                    f"now; at their target scores {red_target} would be.")
    rows = []
    for row_index, lik in enumerate(likelihoods):
        cells = [f"Likelihood {lik}"]
        for imp in impacts:
            band = score_band(lik * imp)
            cells.append(f"{lik * imp} {band}: {current[row_index][imp - 1]} now, {target[row_index][imp - 1]} target")
        rows.append(cells)
    notes = [f"Bands: {', '.join(f'{band} ({BAND_MEANINGS[band]})' for band in BANDS)}.", *([source] if source
                                                                                            else [])]
    if unscored_current or unscored_target:
        notes.append(f"Not on the map: {plural(unscored_current, 'risk')} without a current score, "
                     f"{plural(unscored_target, 'risk')} without a target score.")
    return Chart(slug="heat-map", title=title, takeaway=takeaway, figure=figure,
                 columns=["Likelihood", *[f"Impact {imp}" for imp in impacts]], rows=rows, notes=notes,
                 text_columns=tuple(range(1, 6)))


@dataclass(frozen=True)
class TopRisk:
    reference: str
    title: str
    owner: str
    current: tuple[int, int] | None  # (likelihood, impact)
    target: tuple[int, int] | None


def _score_text(pair: tuple[int, int] | None) -> str:
    if pair is None:
        return "not scored"
    score = pair[0] * pair[1]
    return f"{score} {score_band(score)} ({pair[0]}×{pair[1]})"


def top_risks(*, risks: Sequence[TopRisk], as_at: str, year_name: str, source: str = "") -> Chart:
    """The highest-scoring risks now (a table: the heat map above is their picture); `source` as the heat map's."""
    title = f"Top {len(risks)} risks by current score, {year_name} register, as at {as_at}"
    if risks:
        first = risks[0]
        takeaway = (f"The highest risk now is {first.reference + ' ' if first.reference else ''}{first.title}: "
                    f"{_score_text(first.current)}, target {_score_text(first.target)}.")
    else:
        takeaway = f"The {year_name} register has no risks yet."
    rows = [[f"{risk.reference} {risk.title}".strip(), _score_text(risk.current), _score_text(risk.target),
             risk.owner or "–"] for risk in risks]
    return Chart(slug="top-risks", title=title, takeaway=takeaway, figure={},
                 columns=["Risk", "Current score", "Target score", "Owner"], rows=rows, text_columns=(1, 2, 3),
                 notes=[source] if source else [])


@dataclass(frozen=True)
class RiskSide:
    total_value: Decimal
    assessed_value: Decimal
    in_forecast: Decimal
    residual: Decimal


MEASURES = (("Total value", "total_value"), ("Assessed value", "assessed_value"), ("In forecast", "in_forecast"),
            ("Residual", "residual"))


def financial_risks(*, risks: RiskSide, mitigations: RiskSide, shortfall: RiskSide, as_at: str,
                    source: str = "") -> Chart:
    """A month's financial risks against its mitigations on each measure, and the shortfall (mitigations less
    risks: negative, in brackets, where mitigations fall short); `source` says so where the register is not the
    month the page shows."""
    title = f"Financial risks against mitigations and the shortfall, £'000, as at {as_at}"
    labels = [label for label, _ in MEASURES]
    figure = {"data": [
        {"type": "bar", "name": name, "x": labels, "y": [pounds(getattr(side, field)) for _, field in MEASURES],
         "marker": {"color": colour, "pattern": {"shape": pattern}},
         "text": [format_money_k(getattr(side, field)) for _, field in MEASURES], "textposition": "outside",
         "cliponaxis": False, "hovertemplate": "%{x}: £%{text}k<extra>" + name + "</extra>"}
        for name, side, colour, pattern in (("Risks", risks, NHS_BLUE, ""), ("Mitigations", mitigations,
                                                                          NHS_WARM_YELLOW, "/"),
                                            ("Shortfall", shortfall, NHS_MID_GREY, "x"))
    ], "layout": layout(title, 420, barmode="group", yaxis=money_axis("£"),
                        legend={"orientation": "h", "y": -0.15}, margin={"l": 90, "r": 20, "t": 70, "b": 60})}
    if shortfall.total_value < 0 or shortfall.assessed_value < 0:
        takeaway = (f"Mitigations fall short of risks by {format_money(-shortfall.total_value)} on total value and "
                    f"{format_money(max(-shortfall.assessed_value, Decimal('0')))} on assessed value.")
    else:
        takeaway = (f"Mitigations cover the risks: {format_money(mitigations.assessed_value)} assessed against "
                    f"{format_money(risks.assessed_value)}.")
    rows = [[label, format_money_k(getattr(risks, field)), format_money_k(getattr(mitigations, field)),
             format_money_k(getattr(shortfall, field))] for label, field in MEASURES]
    return Chart(slug="financial-risks", title=title, takeaway=takeaway, figure=figure,
                 columns=["Measure", "Risks £'000", "Mitigations £'000", "Shortfall £'000"], rows=rows,
                 notes=[source] if source else [])
