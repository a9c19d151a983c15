"""A dashboard chart's table (dashboards.charts.Chart's columns and rows) drawn in Python: the same HTML the
template's loops drew, each cell escaped, without a template lookup a cell."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from dashboards.charts import Chart

register = template.Library()


@register.simple_tag
def chart_table_head(chart: Chart) -> SafeString:
    """The heading row: the first column heads the rows; amounts (not `text_columns`) are right-aligned."""
    cells = "".join(
        f'<th scope="col" class="nhsuk-table__header'
        f'{" nhsuk-table__header--numeric" if index and index not in chart.text_columns else ""}">'
        f"{conditional_escape(column)}</th>" for index, column in enumerate(chart.columns))
    return mark_safe(f'<tr class="nhsuk-table__row">{cells}</tr>')  # noqa: S308 - every cell is escaped above


@register.simple_tag
def chart_table_rows(chart: Chart) -> SafeString:
    """The body's rows: each row's first cell heads it; amounts (not `text_columns`) are right-aligned."""
    rows = []
    for row in chart.rows:
        cells = [f'<th scope="row" class="nhsuk-table__header">{conditional_escape(cell)}</th>' if not index else
                 f'<td class="nhsuk-table__cell'
                 f'{" nhsuk-table__cell--numeric" if index not in chart.text_columns else ""}">'
                 f"{conditional_escape(cell)}</td>" for index, cell in enumerate(row)]
        rows.append(f'<tr class="nhsuk-table__row">{"".join(cells)}</tr>')
    return mark_safe("".join(rows))  # noqa: S308 - every cell is escaped above
