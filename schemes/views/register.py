"""The scheme register: the working organisation and year's schemes, filtered and sorted, as a page or CSV."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from governance.audit import export_recorded
from governance.exports import csv_lines
from governance.forms import form_field
from governance.models import FinancialYear
from schemes import exports, selectors
from schemes.filters import SchemeFilterSet
from schemes.models import Phase, Rag, Stage
from schemes.presentation import register_lines
from schemes.selectors import latest_closed_month, register_rows, register_totals, sort_register
from schemes.views.common import no_context_page, url_of_each, working

if TYPE_CHECKING:
    from governance.models import Organisation


def _register(
    request: HttpRequest, organisation: Organisation, year: FinancialYear, ytd_month: int | None
) -> tuple[SchemeFilterSet, Any, str]:
    """The register's filter form, its rows (filtered and sorted, YTD to `ytd_month`) and the sort applied."""
    base = register_rows(request.user, organisation, year, ytd_month=ytd_month)
    filterset = SchemeFilterSet(request.GET or None, queryset=base, request=request)
    fields = filterset.form.fields
    for name, choices in (("phase", Phase.choices), ("stage", Stage.choices), ("rag", Rag.choices)):
        fields[name].widget.choices = [("", "Any"), *choices]  # what the select shows; validation is unchanged
    programme = form_field(filterset.form, "programme", forms.ModelChoiceField)
    programme.queryset = selectors.programmes_for(request.user, organisation)
    programme.empty_label = "Any programme"
    fields["q"].help_text = "Reference, name, description, owner or programme"
    rows, sort = sort_register(filterset.qs, request.GET.get("sort"))
    return filterset, rows, sort


@login_required
@require_safe
def register(request: HttpRequest) -> HttpResponse:
    organisation, year = working(request)
    if organisation is None or year is None:
        return no_context_page(request)
    ytd_month = latest_closed_month(request.user, organisation, year)
    filterset, schemes, sort = _register(request, organisation, year, ytd_month)
    rows = selectors.register_page_rows(schemes)
    next_year = FinancialYear(start_year=year.start_year + 1).name  # not saved: only its name is shown
    return render(request, "schemes/register.html", {
        # Every figure says which year it is for; the next year's plan and director's value too.
        "plan_heading": f"Plan {year.name}", "next_plan_heading": f"Plan {next_year}",
        "director_heading": f"Director's value {year.name}",
        "next_director_heading": f"Director's value {next_year}",
        "filter": filterset,
        "lines": register_lines(rows, href=url_of_each("schemes:detail")),
        "totals": register_totals(rows),
        "sort": sort,
        "ytd_month": ytd_month,
        "csv_query": request.GET.urlencode(),
    })


@login_required
@require_safe
def register_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The register's rows as CSV: the same filters and order as the page (same query string)."""
    organisation, year = working(request)
    if organisation is None or year is None:
        raise Http404("Choose an organisation and year first.")
    ytd_month = latest_closed_month(request.user, organisation, year)
    _, queryset, _ = _register(request, organisation, year, ytd_month)
    rows = list(queryset)  # read once: the rows and their totals
    csv_rows = exports.register_rows_for_csv(rows, year_name=year.name, start_year=year.start_year,
                                             ytd_month=ytd_month, totals=register_totals(rows))
    lines = csv_lines(csv_rows)  # every cell through the one safe writer: formula-looking text stays text
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    name = f"qipp-schemes-{organisation.ods_code}-{year.name.replace('/', '-')}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    export_recorded(request, organisation_id=organisation.pk, what=name, details={"rows": len(rows)})
    return response


def _with_bom(lines: Any) -> Any:
    yield "\ufeff"  # so spreadsheet programs read the £ signs as UTF-8
    yield from lines
