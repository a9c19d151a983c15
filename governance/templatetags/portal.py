"""Template tags and filters shared by every page: money, months, RAG tags, sortable headers."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.forms import BoundField
from django.http import HttpRequest
from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from governance.formatting import (
    format_financial_month,
    format_job,
    format_money,
    format_money_k,
    format_month,
    format_person,
    format_pounds,
    format_variance_percent,
)
from governance.models import Role
from governance.permissions import Action, can

register = template.Library()

@register.filter
def money(value: Any) -> str:
    return format_money(value)


@register.filter
def money_k(value: Any) -> str:
    return format_money_k(value)


@register.filter
def mmm_yy(value: date | None) -> str:
    return format_month(value)


@register.filter
def fy_month(month: int | None, year: Any = None) -> str:
    """{{ 3|fy_month:working_year }} -> "M3 (June 2013)"."""
    return format_financial_month(month, getattr(year, "start_year", None))


@register.filter
def as_percent(value: Any) -> str:
    """A factor as a percentage: 0.75 -> "75%"."""
    try:
        return f"{Decimal(str(value)) * 100:.0f}%"
    except (InvalidOperation, ValueError):
        return ""


@register.filter
def person(user: Any, fallback: str = "the system (import or task)") -> str:
    """Who did something: full name, else username; `fallback` when there is no user (an import or task)."""
    return format_person(user, fallback)


@register.filter
def role_label(value: str | None) -> str:
    if not value:
        return "No role"
    try:
        return str(Role(value).label)
    except ValueError:
        return value


RAG_TAG_CLASSES = {"green": "nhsuk-tag--green", "amber": "nhsuk-tag--orange", "red": "nhsuk-tag--red"}


@register.simple_tag
def rag_tag(value: str | None, label: str | None = None) -> str:
    """A RAG rating as a text tag (colour is never the only carrier); blank means not rated."""
    if not value:
        return mark_safe('<strong class="nhsuk-tag nhsuk-tag--grey">Not rated</strong>')  # noqa: S308
    text = label or value.capitalize()
    return format_html('<strong class="nhsuk-tag {}">{}</strong>', RAG_TAG_CLASSES.get(value, ""), text)


@register.simple_tag
def override_marker(reason: str | None = None, who: str | None = None) -> str:
    """An asterisk with the word "overridden" for screen readers and a title giving the reason."""
    detail = (f": {reason}" if reason else "") + (f" ({who})" if who else "")
    return format_html(
        '<span class="app-override-marker" title="Overridden{}">*'
        '<span class="nhsuk-u-visually-hidden"> (overridden{})</span></span>',
        detail, detail,
    )


_MONEY_CELL = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric app-nowrap">'


@register.simple_tag
def money_cells(cells: Iterable[tuple[str, Sequence[str]]]) -> str:
    """A row's numeric cells, one a (formatted amount, reasons of the overrides in force) pair, each override
    marked before its amount.

    One tag a row, not an include or a tag a cell: the register draws eight a row, sixty rows a page.
    """
    parts = []
    for amount, reasons in cells:
        markers = "".join(f"{override_marker(reason)} " for reason in reasons) if reasons else ""
        parts.append(f"{_MONEY_CELL}{markers}{html.escape(amount)}</td>\n")  # the stdlib's: no lazy-string check
    return mark_safe("".join(parts))  # noqa: S308  # markers: format_html's; amounts escaped


@register.simple_tag
def query_with(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


_SORT_INDICATORS = {"ascending": '<span class="app-sort-indicator" aria-hidden="true"> ▲</span>',
                    "descending": '<span class="app-sort-indicator" aria-hidden="true"> ▼</span>'}


@register.simple_tag(takes_context=True)
def sort_header(context: Context, key: str, label: str, numeric: bool = False) -> str:
    """A sortable column heading: a link that toggles the order, with aria-sort on the current column."""
    current = context.get("sort") or ""
    if current == key:
        direction, next_sort = "ascending", f"-{key}"
    elif current == f"-{key}":
        direction, next_sort = "descending", key
    else:
        direction, next_sort = "", key
    return format_html(
        '<th scope="col" class="nhsuk-table__header{}"{}>\n'
        '  <a class="app-sort-link" href="{}">{}<span class="nhsuk-u-visually-hidden">, sort {}</span>{}</a>\n'
        "</th>\n",
        " nhsuk-table__header--numeric" if numeric else "",
        format_html(' aria-sort="{}"', direction) if direction else "",
        query_with(context["request"], sort=next_sort), label,
        "descending" if next_sort.startswith("-") else "ascending",
        mark_safe(_SORT_INDICATORS.get(direction, "")),  # noqa: S308  # constant markup
    )


@register.inclusion_tag("includes/main_navigation.html", takes_context=True)
def main_navigation(context: dict[str, Any]) -> dict[str, Any]:
    """The header's main menu with the current section marked: the longest URL the current path starts with.

    The items are the project's `PORTAL_NAVIGATION` setting (text, URL name), since they name pages of apps
    above governance; users of several organisations also get `PORTAL_NAVIGATION_SEVERAL_ORGANISATIONS` (the
    portfolio), administrators of the working organisation its Background jobs and Audit log, staff the admin.
    A name that does not reverse raises NoReverseMatch: a wrong name breaks every page and
    tests/unit/test_navigation.py, it never silently drops an item.
    """
    request = context["request"]
    entries = list(settings.PORTAL_NAVIGATION)
    user = getattr(request, "user", None)
    switcher = context.get("switcher")  # the header's organisation chooser reads it too
    if switcher is not None and (switcher.more or len(switcher.organisations) > 1):
        for text, name, after in settings.PORTAL_NAVIGATION_SEVERAL_ORGANISATIONS:
            texts = [entry[0] for entry in entries]
            entries.insert(texts.index(after) + 1 if after in texts else len(entries), (text, name))
    organisation = context.get("working_organisation")
    if user is not None and organisation is not None and can(user, Action.SEE_JOB_RUNS, organisation):
        entries.append(("Background jobs", "job-runs"))
    if user is not None and organisation is not None and can(user, Action.READ_AUDIT_LOG, organisation):
        entries.append(("Audit log", "audit-log"))
    if user is not None and user.is_staff:
        entries.append(("Administration", "admin:index"))
    items: list[dict[str, Any]] = [
        {"text": text, "href": reverse(name), "current": False, "exact": False} for text, name in entries
    ]
    path = request.path
    matches = [i for i in items if path == i["href"] or (i["href"] != "/" and path.startswith(i["href"]))]
    if matches:
        best = max(matches, key=lambda item: len(item["href"]))
        best["current"] = True
        best["exact"] = path == best["href"]
    return {"items": items}


# --- Forms in the NHS.UK style --------------------------------------------------------------------

WIDGET_CLASSES = {"select": "nhsuk-select", "textarea": "nhsuk-textarea", "checkbox": "nhsuk-checkboxes__input",
                  "file": "nhsuk-file-upload__input"}


@register.filter
def nhs_widget(field: BoundField, extra_classes: str = "") -> str:
    """Render a field's widget with NHS.UK classes, the error state and aria-describedby (hint, error)."""
    base = WIDGET_CLASSES.get(field.widget_type, "nhsuk-input")
    classes = [base]
    if field.errors and base != "nhsuk-checkboxes__input":
        classes.append(f"{base}--error")
    if extra_classes:
        classes.append(extra_classes)
    attrs: dict[str, str | bool] = {"class": " ".join(classes)}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def month_year_parts(field: BoundField) -> tuple[str, str]:
    """(month, year) as typed (bound form) or from the initial date, for the two go-live boxes."""
    value = field.value()
    if isinstance(value, date):
        return str(value.month), str(value.year)
    if isinstance(value, (list, tuple)):
        padded = [*value, "", ""]
        return str(padded[0] or ""), str(padded[1] or "")
    return "", ""


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


@register.filter
def variance_pct(value: Any) -> str:
    """{{ row.ytd_variance_pct|variance_pct }} -> "(0.8)%" (adverse in brackets); None -> "–"."""
    return format_variance_percent(value)


@register.filter
def count(value: Any) -> str:
    """{{ line.plan|count }} -> "315,252"; adverse (negative) variances in brackets; None -> "–".

    Counts of activity are written as whole pounds are, without the £ sign.
    """
    return format_pounds(value)


@register.filter
def job_title(task: str) -> str:
    """{{ run.task|job_title }} -> "Month-end variance report"."""
    return format_job(task)
