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


RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "": "Not rated"}
RAG_COLOURS = {"green": "#007f3b", "amber": "#ffb81c", "red": "#d5281b", "": "#768692"}
RAG_PATTERNS = {"green": "", "amber": "/", "red": "x", "": "."}  # a fill pattern each, so colour is not the only cue


def rag_mix(*, rows: Sequence[tuple[str, int, Decimal, Decimal]], as_at: str, year_name: str) -> Chart:
    """Schemes by overall RAG rating: (rag, schemes, plan, most likely) per rating, Green to Red then unrated.

    Bars are the most likely saving of each rating, labelled with the rating's name and its scheme count.
    """
    title = f"Most likely savings by overall RAG rating, {year_name}, as at {as_at}"
    words = [RAG_WORDS[rag] for rag, *_ in rows]
    figure = {"data": [{
        "type": "bar", "x": words, "y": [_pounds(likely) for *_, likely in rows],
        "text": [f"{count} scheme{'s' if count != 1 else ''}" for _, count, _, _ in rows], "textposition": "outside",
        "marker": {"color": [RAG_COLOURS[rag] for rag, *_ in rows],
                   "pattern": {"shape": [RAG_PATTERNS[rag] for rag, *_ in rows]}},
        "hovertemplate": "%{x}: £%{y:,.0f} most likely (%{text})<extra></extra>", "name": "Most likely",
    }], "layout": {
        "title": {"text": title, "font": {"size": 16}}, "height": 380, "showlegend": False,
        "margin": {"l": 80, "r": 20, "t": 60, "b": 50},
        "yaxis": {"title": {"text": "£ most likely"}, "tickprefix": "£", "separatethousands": True},
        "font": {"family": "Frutiger W01, Arial, sans-serif"},
    }}
    plan = sum((p for _, _, p, _ in rows), ZERO)
    at_risk = sum((p for rag, _, p, _ in rows if rag in ("red", "amber")), ZERO)
    schemes = sum(count for _, count, _, _ in rows)
    red = next((count for rag, count, _, _ in rows if rag == "red"), 0)
    if not schemes:
        takeaway = f"No schemes are recorded for {year_name} yet."
    else:
        share = f"{(at_risk / plan * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%" if plan else "none"
        takeaway = (f"{red} of {schemes} schemes rated Red; Amber and Red schemes carry {format_money(at_risk)} of the "
                    f"{format_money(plan)} in-year plan ({share}).")
    table = [[RAG_WORDS[rag], str(count), format_money(p), format_money(likely)] for rag, count, p, likely in rows]
    return Chart(slug="rag-mix", title=title, takeaway=takeaway, figure=figure,
                 columns=["Overall rating", "Schemes", "In-year plan", "Most likely"], rows=table)


def programme_delivery(*, rows: Sequence[tuple[str, Decimal, Decimal, Decimal]], as_at: str, year_name: str) -> Chart:
    """Each programme's in-year plan, most likely and director's assessment: (name, plan, most likely, director)."""
    title = f"Delivery by programme: plan, most likely and director's assessment, {year_name}, as at {as_at}"
    names = [name for name, *_ in rows]
    series = (("In-year plan", 1, "#005eb8", ""), ("Most likely", 2, "#41b6e6", "/"),
              ("Director's assessment", 3, "#330072", "x"))
    figure = {"data": [
        {"type": "bar", "name": label, "x": names, "y": [_pounds(row[index]) for row in rows],  # type: ignore[arg-type]
         "marker": {"color": colour, "pattern": {"shape": pattern}},
         "hovertemplate": "%{x}: £%{y:,.0f}<extra>" + label + "</extra>"}
        for label, index, colour, pattern in series
    ], "layout": {
        "title": {"text": title, "font": {"size": 16}}, "height": 420, "barmode": "group",
        "margin": {"l": 80, "r": 20, "t": 60, "b": 90}, "legend": {"orientation": "h", "y": -0.25},
        "yaxis": {"title": {"text": "£"}, "tickprefix": "£", "separatethousands": True},
        "font": {"family": "Frutiger W01, Arial, sans-serif"},
    }}
    if rows:
        name, plan, likely, _ = max(rows, key=lambda row: row[1] - row[2])
        takeaway = (f"{name} has the largest gap between plan and most likely: {format_money(plan - likely)} "
                    f"({format_money(likely)} of {format_money(plan)}).")
    else:
        takeaway = f"No programmes have schemes in {year_name} yet."
    table = [[name, format_money(plan), format_money(likely), format_money(director)]
             for name, plan, likely, director in rows]
    return Chart(slug="programmes", title=title, takeaway=takeaway, figure=figure,
                 columns=["Programme", "In-year plan", "Most likely", "Director's assessment"], rows=table)


def budget_variance(*, rows: Sequence[tuple[str, Decimal, Decimal]], as_at: str, issue: int) -> Chart:
    """Each budget line's YTD and forecast variance from a month-end report: (line, YTD variance, forecast variance),
    spend under plan positive (favourable), over plan negative (adverse)."""
    title = f"Budget variance by line, YTD and forecast, as at {as_at} (month-end report, issue {issue})"
    names = [name for name, *_ in rows]
    figure = {"data": [
        {"type": "bar", "orientation": "h", "name": label, "y": names, "x": [_pounds(row[index]) for row in rows],  # type: ignore[arg-type]
         "marker": {"color": colour, "pattern": {"shape": pattern}},
         "hovertemplate": "%{y}: £%{x:,.0f}<extra>" + label + "</extra>"}
        for label, index, colour, pattern in (("YTD variance", 1, "#005eb8", ""),
                                              ("Forecast variance", 2, "#768692", "/"))
    ], "layout": {
        "title": {"text": title, "font": {"size": 16}}, "height": max(300, 60 + 45 * len(rows)), "barmode": "group",
        "margin": {"l": 220, "r": 20, "t": 60, "b": 60}, "legend": {"orientation": "h", "y": -0.15},
        "xaxis": {"title": {"text": "£ variance (favourable to the right, adverse to the left)"},
                  "tickprefix": "£", "separatethousands": True, "zeroline": True},
        "yaxis": {"autorange": "reversed"}, "font": {"family": "Frutiger W01, Arial, sans-serif"},
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
