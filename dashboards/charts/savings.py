"""Savings charts: cumulative delivery, the RAG mix, delivery by programme and the savings bridge."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dashboards.charts.common import (
    FONT,
    NHS_BLUE,
    NHS_DARK_GREY,
    NHS_GREEN,
    NHS_LIGHT_BLUE,
    NHS_MID_GREY,
    NHS_PURPLE,
    NHS_RED,
    NHS_WARM_YELLOW,
    ZERO,
    Chart,
    layout,
    money_axis,
    percent,
    pounds,
    running,
)
from governance.formatting import format_money

SERIES_STYLE = {
    "Plan": {"color": NHS_BLUE, "dash": "solid", "symbol": "circle"},
    "Actual": {"color": NHS_DARK_GREY, "dash": "solid", "symbol": "square"},
    "Forecast": {"color": NHS_WARM_YELLOW, "dash": "dot", "symbol": "diamond"},
}


def cumulative_delivery(
    *, labels: Sequence[str], plan: Sequence[Decimal], actual: Sequence[Decimal | None],
    forecast_or_plan: Sequence[Decimal], data_month: int | None, as_at: str, year_name: str,
) -> Chart:
    """Cumulative savings by month: plan; actual to the data month; forecast outturn (actuals, then forecasts).

    `data_month` is the month the figures are for (the latest closed month, else the latest with an actual);
    `as_at` names it as the pages do ("M10 (January 2014)"); `labels` name the months on the axis ("Apr-13").
    """
    cumulative_plan = running(plan)
    n = data_month or 0
    actual_to_date = running([a or ZERO for a in actual[:n]])
    forecast = actual_to_date + [
        (actual_to_date[-1] if actual_to_date else ZERO) + step for step in running(forecast_or_plan[n:])]
    traces: list[dict[str, Any]] = []
    for name, ys, xs in (("Plan", cumulative_plan, labels), ("Actual", actual_to_date, labels[:n]),
                         ("Forecast", forecast[max(n - 1, 0):], labels[max(n - 1, 0):])):
        if not ys:
            continue
        style = SERIES_STYLE[name]
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": name, "x": list(xs), "y": [pounds(v) for v in ys],
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
        "xaxis": {"title": {"text": "Month"}}, "font": FONT,
    }}
    return Chart(slug="cumulative", title=title, takeaway=takeaway, figure=figure,
                 columns=["Month", "Plan (cumulative)", "Actual (cumulative)", "Forecast outturn (cumulative)"],
                 rows=rows)


RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red", "": "Not rated"}
RAG_COLOURS = {"green": NHS_GREEN, "amber": NHS_WARM_YELLOW, "red": NHS_RED, "": NHS_MID_GREY}
RAG_PATTERNS = {"green": "", "amber": "/", "red": "x", "": "."}  # a fill pattern each, so colour is not the only cue


def rag_mix(*, rows: Sequence[tuple[str, int, Decimal, Decimal]], as_at: str, year_name: str) -> Chart:
    """Schemes by overall RAG rating: (rag, schemes, plan, most likely) per rating, Green to Red then unrated.

    Bars are the most likely saving of each rating, labelled with the rating's name and its scheme count.
    """
    title = f"Most likely savings by overall RAG rating, {year_name}, as at {as_at}"
    words = [RAG_WORDS[rag] for rag, *_ in rows]
    figure = {"data": [{
        "type": "bar", "x": words, "y": [pounds(likely) for *_, likely in rows],
        "text": [f"{count} scheme{'s' if count != 1 else ''}" for _, count, _, _ in rows], "textposition": "outside",
        "marker": {"color": [RAG_COLOURS[rag] for rag, *_ in rows],
                   "pattern": {"shape": [RAG_PATTERNS[rag] for rag, *_ in rows]}},
        "hovertemplate": "%{x}: £%{y:,.0f} most likely (%{text})<extra></extra>", "name": "Most likely",
    }], "layout": {
        "title": {"text": title, "font": {"size": 16}}, "height": 380, "showlegend": False,
        "margin": {"l": 80, "r": 20, "t": 60, "b": 50},
        "yaxis": {"title": {"text": "£ most likely"}, "tickprefix": "£", "separatethousands": True},
        "font": FONT,
    }}
    plan = sum((p for _, _, p, _ in rows), ZERO)
    at_risk = sum((p for rag, _, p, _ in rows if rag in ("red", "amber")), ZERO)
    schemes = sum(count for _, count, _, _ in rows)
    red = next((count for rag, count, _, _ in rows if rag == "red"), 0)
    if not schemes:
        takeaway = f"No schemes are recorded for {year_name} yet."
    else:
        share = percent(at_risk, plan)
        takeaway = (f"{red} of {schemes} schemes rated Red; Amber and Red schemes carry {format_money(at_risk)} of the "
                    f"{format_money(plan)} in-year plan ({share}).")
    table = [[RAG_WORDS[rag], str(count), format_money(p), format_money(likely)] for rag, count, p, likely in rows]
    return Chart(slug="rag-mix", title=title, takeaway=takeaway, figure=figure,
                 columns=["Overall rating", "Schemes", "In-year plan", "Most likely"], rows=table)


def programme_delivery(*, rows: Sequence[tuple[str, Decimal, Decimal, Decimal]], as_at: str, year_name: str) -> Chart:
    """Each programme's in-year plan, most likely and director's assessment: (name, plan, most likely, director)."""
    title = f"Delivery by programme: plan, most likely and director's assessment, {year_name}, as at {as_at}"
    names = [name for name, *_ in rows]
    series = (("In-year plan", 1, NHS_BLUE, ""), ("Most likely", 2, NHS_LIGHT_BLUE, "/"),
              ("Director's assessment", 3, NHS_PURPLE, "x"))
    figure = {"data": [
        {"type": "bar", "name": label, "x": names, "y": [pounds(row[index]) for row in rows],  # type: ignore[arg-type]
         "marker": {"color": colour, "pattern": {"shape": pattern}},
         "hovertemplate": "%{x}: £%{y:,.0f}<extra>" + label + "</extra>"}
        for label, index, colour, pattern in series
    ], "layout": {
        "title": {"text": title, "font": {"size": 16}}, "height": 420, "barmode": "group",
        "margin": {"l": 80, "r": 20, "t": 60, "b": 90}, "legend": {"orientation": "h", "y": -0.25},
        "yaxis": {"title": {"text": "£"}, "tickprefix": "£", "separatethousands": True},
        "font": FONT,
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


BRIDGE_STEPS = (  # (label, colour, fill pattern): the bars differ by pattern as well as colour
    ("QIPP target", NHS_DARK_GREY, "\\"),
    ("Identified plan", NHS_BLUE, ""),
    ("Most likely", NHS_LIGHT_BLUE, "/"),
    ("Director's assessment", NHS_PURPLE, "x"),
    ("YTD actual", NHS_GREEN, "."),
    ("Forecast outturn", NHS_WARM_YELLOW, "-"),
    ("Unidentified QIPP", NHS_RED, "+"),
)
BRIDGE_MEANINGS = {
    "QIPP target": "The financial plan's QIPP commitment (the savings requirement)",
    "Identified plan": "In-year plan of the schemes identified",
    "Most likely": "The plan adjusted by each scheme's overall RAG rating",
    "Director's assessment": "Most likely moved by the directors' change in delivery",
    "YTD actual": "Savings recorded to the data month",
    "Forecast outturn": "Actuals to the data month, then each month's forecast (its plan where none)",
    "Unidentified QIPP": "QIPP target not yet found in schemes",
}


def savings_bridge(
    *, target: Decimal | None, identified_plan: Decimal, most_likely: Decimal, director_value: Decimal,
    ytd_actual: Decimal, forecast_outturn: Decimal, unidentified: Decimal | None, as_at: str, year_name: str,
) -> Chart:
    """From the QIPP target to the forecast outturn (finance.selectors.SavingsBridge's steps), each bar labelled
    with its amount; the target and unidentified QIPP are left out where no financial plan sets them."""
    title = f"Savings bridge, from the QIPP target to the forecast outturn, {year_name}, as at {as_at}"
    values: dict[str, Decimal | None] = {
        "QIPP target": target, "Identified plan": identified_plan, "Most likely": most_likely,
        "Director's assessment": director_value, "YTD actual": ytd_actual, "Forecast outturn": forecast_outturn,
        "Unidentified QIPP": unidentified,
    }
    shown = [(label, colour, pattern, values[label]) for label, colour, pattern in BRIDGE_STEPS
             if values[label] is not None]
    figure = {"data": [{
        "type": "bar", "x": [label for label, *_ in shown], "y": [pounds(v) for *_, v in shown if v is not None],
        "text": [format_money(v) for *_, v in shown], "textposition": "outside", "cliponaxis": False,
        "marker": {"color": [colour for _, colour, _, _ in shown],
                   "pattern": {"shape": [pattern for _, _, pattern, _ in shown]}},
        "hovertemplate": "%{x}: %{text}<extra></extra>", "name": "Savings bridge",
    }], "layout": layout(title, 420, showlegend=False, yaxis={**money_axis("£"), "rangemode": "tozero"},
                         margin={"l": 90, "r": 20, "t": 70, "b": 60})}
    if target is not None:
        short = target - forecast_outturn
        position = (f"{format_money(short)} short of it" if short > 0 else
                    f"{format_money(-short)} more than it" if short < 0 else "exactly on it")
        takeaway = (f"Forecast outturn {format_money(forecast_outturn)} against a QIPP target of "
                    f"{format_money(target)}: {position}; {format_money(unidentified or ZERO)} of the target is "
                    f"not yet identified in schemes.")
    else:
        takeaway = (f"Forecast outturn {format_money(forecast_outturn)} against an identified plan of "
                    f"{format_money(identified_plan)} (most likely {format_money(most_likely)}); no financial plan "
                    f"sets a QIPP target for {year_name}.")
    rows = [[label, "–" if value is None else format_money(value), BRIDGE_MEANINGS[label]]
            for label, value in values.items()]
    return Chart(slug="bridge", title=title, takeaway=takeaway, figure=figure,
                 columns=["Step", "Amount", "What it is"], rows=rows, text_columns=(2,))
