"""Budget charts: each line's variance from the month-end report (a stored snapshot, never the live ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from dashboards.charts.common import FONT, NHS_BLUE, NHS_MID_GREY, Chart, pounds
from governance.formatting import format_money


def budget_variance(*, rows: Sequence[tuple[str, Decimal, Decimal]], as_at: str, issue: int) -> Chart:
    """Each budget line's YTD and forecast variance from a month-end report: (line, YTD variance, forecast variance),
    spend under plan positive (favourable), over plan negative (adverse)."""
    title = f"Budget variance by line, YTD and forecast, as at {as_at} (month-end report, issue {issue})"
    names = [name for name, *_ in rows]
    figure = {"data": [
        {"type": "bar", "orientation": "h", "name": label, "y": names, "x": [pounds(row[index]) for row in rows],  # type: ignore[arg-type]
         "marker": {"color": colour, "pattern": {"shape": pattern}},
         "hovertemplate": "%{y}: £%{x:,.0f}<extra>" + label + "</extra>"}
        for label, index, colour, pattern in (("YTD variance", 1, NHS_BLUE, ""),
                                              ("Forecast variance", 2, NHS_MID_GREY, "/"))
    ], "layout": {
        "title": {"text": title, "font": {"size": 16}}, "height": max(300, 60 + 45 * len(rows)), "barmode": "group",
        "margin": {"l": 220, "r": 20, "t": 60, "b": 60}, "legend": {"orientation": "h", "y": -0.15},
        "xaxis": {"title": {"text": "£ variance (favourable to the right, adverse to the left)"},
                  "tickprefix": "£", "separatethousands": True, "zeroline": True},
        "yaxis": {"autorange": "reversed"}, "font": FONT,
    }}
    adverse = [row for row in rows if row[2] < 0]
    if adverse:
        name, _, worst = min(adverse, key=lambda row: row[2])
        takeaway = f"{name} is the most adverse line: forecast {format_money(-worst)} over plan for the year."
    else:
        takeaway = "No budget line is forecast over plan for the year." if rows else "The report has no budget lines."
    table = [[name, format_money(ytd), format_money(forecast)] for name, ytd, forecast in rows]
    return Chart(slug="budget", title=title, takeaway=takeaway, figure=figure,
                 columns=["Budget line", "YTD variance", "Forecast variance"], rows=table)
