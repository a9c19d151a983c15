"""Dashboard charts as pure functions over plain values (no database): each gives the plotly figure, a title that
says what it shows and for which month, a one-line takeaway in words, and the same figures as a table.

Figures reach the page as JSON (json_script) and are drawn by static/js/charts.js: no inline script. Amounts
go to the chart as whole pounds (integers, never floats); the table beside it shows them as money.
Series differ by line style and marker as well as colour, so nothing is told by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from governance.formatting import format_money

ZERO = Decimal("0")
# NHS identity colours: blue, warm yellow, dark grey; plus dash and marker so colour is never the only cue.
SERIES_STYLE = {
    "Plan": {"color": "#005eb8", "dash": "solid", "symbol": "circle"},
    "Actual": {"color": "#212b32", "dash": "solid", "symbol": "square"},
    "Forecast": {"color": "#ffb81c", "dash": "dot", "symbol": "diamond"},
}


@dataclass(frozen=True)
class Chart:
    slug: str  # the element ids: "chart-<slug>", "figure-<slug>"
    title: str
    takeaway: str
    figure: dict[str, Any]
    columns: list[str]
    rows: list[list[str]]


def _pounds(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _running(values: Sequence[Decimal]) -> list[Decimal]:
    total, out = ZERO, []
    for value in values:
        total += value
        out.append(total)
    return out


def cumulative_delivery(
    *, labels: Sequence[str], plan: Sequence[Decimal], actual: Sequence[Decimal | None],
    forecast_or_plan: Sequence[Decimal], data_month: int | None, as_at: str, year_name: str,
) -> Chart:
    """Cumulative savings by month: plan; actual to the data month; forecast outturn (actuals, then forecasts).

    `data_month` is the month the figures are for (the latest closed month, else the latest with an actual);
    `as_at` names it as the pages do ("M10 (January 2014)"); `labels` name the months on the axis ("Apr-13").
    """
    cumulative_plan = _running(plan)
    n = data_month or 0
    actual_to_date = _running([a or ZERO for a in actual[:n]])
    forecast = actual_to_date + [
        (actual_to_date[-1] if actual_to_date else ZERO) + step for step in _running(forecast_or_plan[n:])]
    traces: list[dict[str, Any]] = []
    for name, ys, xs in (("Plan", cumulative_plan, labels), ("Actual", actual_to_date, labels[:n]),
                         ("Forecast", forecast[max(n - 1, 0):], labels[max(n - 1, 0):])):
        if not ys:
            continue
        style = SERIES_STYLE[name]
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": name, "x": list(xs), "y": [_pounds(v) for v in ys],
            "line": {"color": style["color"], "dash": style["dash"], "width": 3},
            "marker": {"symbol": style["symbol"], "size": 8},
            "hovertemplate": "%{x}: £%{y:,.0f}<extra>" + name + "</extra>",
        })
    title = f"Cumulative savings, plan against actual and forecast, {year_name}, as at {as_at}"
    year_plan = cumulative_plan[-1] if cumulative_plan else ZERO
    outturn = forecast[-1] if forecast else year_plan
    if not n:
        takeaway = (f"No actual savings are recorded yet for {year_name}; the plan for the year is "
                    f"{format_money(year_plan)}.")
    else:
        gap = actual_to_date[-1] - cumulative_plan[n - 1]
        position = "ahead of" if gap > 0 else "behind" if gap < 0 else "exactly on"
        takeaway = (f"By {as_at}, {format_money(actual_to_date[-1])} saved against "
                    f"{format_money(cumulative_plan[n - 1])} planned: {format_money(abs(gap))} {position} plan. "
                    f"Forecast outturn {format_money(outturn)} against a plan of {format_money(year_plan)}.")
    rows = [[label, format_money(cumulative_plan[i]), format_money(actual_to_date[i]) if i < n else "–",
             format_money(forecast[i])] for i, label in enumerate(labels)]
    figure = {"data": traces, "layout": {
        "title": {"text": title, "font": {"size": 16}}, "height": 430,
        "margin": {"l": 80, "r": 20, "t": 60, "b": 50}, "legend": {"orientation": "h", "y": -0.15},
        "yaxis": {"title": {"text": "£, cumulative"}, "tickprefix": "£", "separatethousands": True,
                  "rangemode": "tozero"},
        "xaxis": {"title": {"text": "Month"}}, "font": {"family": "Frutiger W01, Arial, sans-serif"},
    }}
    return Chart(slug="cumulative", title=title, takeaway=takeaway, figure=figure,
                 columns=["Month", "Plan (cumulative)", "Actual (cumulative)", "Forecast outturn (cumulative)"],
                 rows=rows)
