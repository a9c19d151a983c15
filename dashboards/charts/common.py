"""What every dashboard chart shares: the Chart a template draws, whole-pound amounts and the common layout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal("0")
FONT = {"family": "Frutiger W01, Arial, sans-serif"}
# NHS identity colours; every series also has a dash, marker or fill pattern, so colour is never the only cue.
NHS_BLUE, NHS_DARK_GREY, NHS_WARM_YELLOW, NHS_MID_GREY = "#005eb8", "#212b32", "#ffb81c", "#768692"
NHS_LIGHT_BLUE, NHS_PURPLE, NHS_GREEN, NHS_RED = "#41b6e6", "#330072", "#007f3b", "#d5281b"


@dataclass(frozen=True)
class Chart:
    """A dashboard panel: a title saying what it shows and for which month, a takeaway in words, the plotly
    figure and the same figures as a table (the first cell of a row
    heads it)."""

    slug: str  # the element ids: "chart-<slug>", "figure-<slug>", "table-<slug>"
    title: str
    takeaway: str
    figure: dict[str, Any]  # empty for a panel that is a table only
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)  # what the table's reader needs to know (a key, a caveat)
    text_columns: tuple[int, ...] = ()  # columns of words, not amounts (not right-aligned)


def pounds(value: Decimal) -> int:
    """Whole pounds for the chart (never a float); the table shows the money itself."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def running(values: Sequence[Decimal]) -> list[Decimal]:
    total, out = ZERO, []
    for value in values:
        total += value
        out.append(total)
    return out


def percent(part: Decimal, whole: Decimal) -> str:
    """part / whole as a whole percentage ("40%"), or "none" when there is no whole."""
    if not whole:
        return "none"
    return f"{(part / whole * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def layout(title: str, height: int, **extra: Any) -> dict[str, Any]:
    """The layout every chart starts from: its title, a fixed height (A4 landscape fits one a page) and our font."""
    return {"title": {"text": title, "font": {"size": 16}}, "height": height,
            "margin": {"l": 80, "r": 20, "t": 60, "b": 50}, "font": FONT, **extra}


def money_axis(title: str) -> dict[str, Any]:
    return {"title": {"text": title}, "tickprefix": "£", "separatethousands": True}


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
