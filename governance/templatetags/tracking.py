"""Template filters for the tracking and governance pages (tracker, panel, stage gates, months)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def person(user: Any, fallback: str = "–") -> str:
    """A user's full name, else their username; `fallback` when there is no user (e.g. an import)."""
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


@register.filter
def signed(value: int | None) -> str:
    """Months of change in delivery with their sign: +2, -1, 0."""
    if value is None:
        return "–"
    return f"{value:+d}" if value else "0"


@register.filter
def month_heading(label: str) -> str:
    """ "M2 May-13" as a two-line column heading that never breaks inside a part."""
    number, _, month = str(label).partition(" ")
    return format_html('<span class="app-nowrap">{}</span><br><span class="app-nowrap">{}</span>', number, month)
