"""Improvement-plan charts: progress by RAG and domain, and the actions overdue or with reset dates.

They read the plan's rows as plain values, the shape a published monthly update stores
(governance.selectors.plan_snapshot_rows), so a month's published update is shown as it was published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dashboards.charts.common import Chart, layout, plural

# The plan's progress key in its own order, each with a colour and a fill pattern (never colour alone).
RAG_KEY = (("Complete", "#007f3b", ""), ("On-Track", "#41b6e6", "/"), ("Delayed", "#d5281b", "x"),
           ("Reset Date", "#ffb81c", "-"), ("Not Started", "#768692", "."), ("Not rated", "#d8dde0", "+"))


def plan_progress(*, rows: Sequence[Mapping[str, Any]], as_at: str, year_name: str, source: str) -> Chart:
    """Actions by domain and RAG, stacked; `source` says whether these are a published update or the live plan."""
    title = f"Improvement plan progress by domain and RAG, {year_name}, as at {as_at}"
    domains: list[str] = []
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        if row["domain"] not in domains:
            domains.append(row["domain"])
        key = (row["domain"], row["rag"] or "Not rated")
        counts[key] = counts.get(key, 0) + 1
    used = [(rag, colour, pattern) for rag, colour, pattern in RAG_KEY
            if any(counts.get((domain, rag)) for domain in domains)]
    figure = {"data": [
        {"type": "bar", "orientation": "h", "name": rag, "y": domains, "x": [counts.get((d, rag), 0) for d in domains],
         "marker": {"color": colour, "pattern": {"shape": pattern}, "line": {"color": "#212b32", "width": 1}},
         "text": [counts.get((d, rag)) or "" for d in domains], "textposition": "inside", "insidetextanchor": "middle",
         # a patterned bar is mostly white: dark text reads on it; solid green takes white
         "textfont": {"color": "#ffffff" if not pattern else "#212b32"},
         "hovertemplate": "%{y}: %{x} " + rag + "<extra></extra>"}
        for rag, colour, pattern in used
    ], "layout": layout(title, max(320, 120 + 40 * len(domains)), barmode="stack", yaxis={"autorange": "reversed"},
                        xaxis={"title": {"text": "Actions"}, "dtick": 5},
                        legend={"orientation": "h", "y": -0.3, "traceorder": "normal"},
                        margin={"l": 230, "r": 20, "t": 60, "b": 100})}
    total = len(rows)
    by_rag = {rag: sum(counts.get((d, rag), 0) for d in domains) for rag, _, _ in RAG_KEY}
    overdue = sum(1 for row in rows if row["overdue"])
    if total:
        takeaway = (f"{by_rag['Complete']} of {plural(total, 'action')} complete; {by_rag['Delayed']} delayed, "
                    f"{by_rag['Reset Date']} at a reset date and {overdue} overdue.")
    else:
        takeaway = f"The {year_name} improvement plan has no actions yet."
    columns = ["Domain", *[rag for rag, _, _ in RAG_KEY], "Total"]
    table = [[domain, *[str(counts.get((domain, rag), 0)) for rag, _, _ in RAG_KEY],
              str(sum(counts.get((domain, rag), 0) for rag, _, _ in RAG_KEY))] for domain in domains]
    if domains:
        table.append(["All domains", *[str(by_rag[rag]) for rag, _, _ in RAG_KEY], str(total)])
    return Chart(slug="plan-progress", title=title, takeaway=takeaway, figure=figure, columns=columns, rows=table,
                 notes=[source])


def _day(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%-d %b %Y") if value else ""


def plan_exceptions(*, rows: Sequence[Mapping[str, Any]], as_at: str, year_name: str) -> Chart:
    """The actions overdue or whose due date was reset, with their dates and why each is listed (a table)."""
    listed = [row for row in rows if row["overdue"] or row["reset"]]
    title = f"Improvement-plan actions overdue or with reset dates, {year_name}, as at {as_at}"
    overdue = sum(1 for row in listed if row["overdue"])
    reset = sum(1 for row in listed if row["reset"])
    takeaway = (f"{plural(overdue, 'action')} overdue and {reset} with a reset date." if listed
                else "No action is overdue or has had its date reset.")
    table = []
    for row in listed:
        revisions = row.get("revised_due_dates") or []
        due = _day(row["due_date"]) or row.get("due_date_as_published") or "no date"
        if revisions:
            first = revisions[0]["old_date"]
            due += f" (reset {len(revisions)}×{', first due ' + _day(first) if first else ''})"
        why = " and ".join(word for word, flag in (("Overdue", row["overdue"]), ("Reset date", row["reset"])) if flag)
        table.append([f"{row['reference']} {row['text']}", row["domain"], row["owner"] or "–", due,
                      row["rag"] or "Not rated", why])
    return Chart(slug="plan-exceptions", title=title, takeaway=takeaway, figure={},
                 columns=["Action", "Domain", "Owner", "Due", "RAG", "Listed because"], rows=table,
                 text_columns=(1, 2, 3, 4, 5))
