"""Budget pages: the month-end budget table with the savings gap beside it, a line's months, and their edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from finance import selectors, services
from finance.filters import BudgetLineFilterSet
from finance.forms.budgets import (
    MONTH_AMOUNTS,
    PUBLISHED,
    BudgetLineForm,
    BudgetMonthChoiceForm,
    BudgetMonthForm,
    line_initial,
    month_initial,
)
from finance.models import BudgetLine
from governance.formatting import format_money
from governance.forms import CONFLICT, add_service_errors, form_after_conflict
from governance.middleware import follow_into, working_of
from governance.permissions import Action, acting_user, allowed_actions, require


def _line_or_404(request: HttpRequest, pk: int) -> BudgetLine:
    line = selectors.budget_line_for_page(request.user, pk)
    if line is None:
        raise Http404("No such budget line")
    follow_into(request, line.organisation, line.year)  # the header shows the line's organisation and year
    return line


@login_required
@require_safe
def budgets(request: HttpRequest) -> HttpResponse:
    """The working organisation's budget for the year at a month, beside its savings gap."""
    working = working_of(request)
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working.organisation, working.year
    chooser = BudgetMonthChoiceForm(request.GET)
    filterset = BudgetLineFilterSet(
        {key: value for key, value in request.GET.items() if key in ("q", "kind")} or None,
        queryset=selectors.budget_lines_for(request.user), request=request,
    )
    shown = filterset.qs if filterset.is_bound and filterset.is_valid() else None
    table = selectors.budget_table(request.user, organisation, year, chooser.chosen(), shown)
    chooser = BudgetMonthChoiceForm(initial={"month": table.month})
    return render(request, "finance/budget_lines.html", {
        "table": table, "chooser": chooser, "filter": filterset,
        "gap": selectors.savings_gap(request.user, organisation, year),
        "can": allowed_actions(request.user, organisation),
    })


@login_required
@require_safe
def line(request: HttpRequest, pk: int) -> HttpResponse:
    budget_line = _line_or_404(request, pk)
    page = selectors.budget_line_page(budget_line, BudgetMonthChoiceForm(request.GET).chosen())
    return render(request, "finance/budget_line.html", {
        "line": budget_line, "page": page, "chooser": BudgetMonthChoiceForm(initial={"month": page.month}),
        "can": allowed_actions(request.user, budget_line.organisation),
    })


@login_required
@require_http_methods(["GET", "POST"])
def line_add(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working.organisation, working.year
    require(request.user, Action.KEEP_BUDGETS, organisation)
    form = BudgetLineForm(request.POST or None, initial={
        "kind": "spend", "position": selectors.next_budget_position(request.user, organisation, year)})
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"].strip()
        try:
            # Version 0: a line of that name already saved is a conflict, never silently changed.
            saved = services.budget_line_record(actor=acting_user(request), organisation=organisation, year=year,
                                                name=name, expected_version=0, **form.line_values())
        except services.EditConflict:
            form.add_error("name", f"There is already a line called \u201c{name}\u201d in {year.name}: "
                                   "choose another name, or edit that line.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Budget line \u201c{saved.name}\u201d added.")
            return redirect(saved)
    return render(request, "finance/budget_line_edit.html", {"form": form, "organisation": organisation,
                                                              "year": year})


def _differences(form: Any, current: Any, fields: list[tuple[str, str]], money: set[str]) -> list[dict[str, str]]:
    """Where the user's version differs from the saved one (for the 409 page)."""
    rows = []
    for name, label in fields:
        yours, saved = form.cleaned_data.get(name), getattr(current, name)
        if yours != saved:
            rows.append({"label": label,
                         "yours": format_money(yours) if name in money else (yours or "–"),
                         "saved": format_money(saved) if name in money else (saved or "–")})
    return rows


def _conflict_page(request: HttpRequest, template: str, context: dict[str, Any], conflict: services.EditConflict,
                   rows: list[dict[str, str]], form: Any) -> HttpResponse:
    """The edit page again (409): what the user typed, with the saved version's number, and where they differ."""
    return render(request, template, context | {"form": form, "conflict": str(conflict), "conflict_rows": rows},
                  status=CONFLICT)


LINE_EDITABLE = [("kind", "Kind"), ("section", "Section"), ("position", "Position"), ("commentary", "Commentary"),
                 ("published_month", "Published figures are for"), *PUBLISHED]


@login_required
@require_http_methods(["GET", "POST"])
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    budget_line = _line_or_404(request, pk)
    require(request.user, Action.KEEP_BUDGETS, budget_line.organisation)
    form = BudgetLineForm(request.POST or None, initial=line_initial(budget_line), editing=True)
    context = {"form": form, "line": budget_line, "organisation": budget_line.organisation, "year": budget_line.year}
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_line_record(
                actor=acting_user(request), organisation=budget_line.organisation, year=budget_line.year,
                name=budget_line.name, expected_version=form.cleaned_data["version"], **form.line_values(),
            )
        except services.EditConflict as conflict:
            rows = _differences(form, conflict.current, LINE_EDITABLE, set(dict(PUBLISHED)))
            return _conflict_page(request, "finance/budget_line_edit.html", context, conflict, rows,
                                  form_after_conflict(BudgetLineForm, request.POST,
                                                      saved={"version": conflict.current.version}, editing=True))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Budget line \u201c{budget_line.name}\u201d saved.")
            return redirect(budget_line)
    return render(request, "finance/budget_line_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def month_edit(request: HttpRequest, pk: int, month: int) -> HttpResponse:
    budget_line = _line_or_404(request, pk)
    if not 1 <= month <= 12:
        raise Http404("Months run from M1 (April) to M12 (March)")
    require(request.user, Action.KEEP_BUDGETS, budget_line.organisation)
    record = next((m for m in budget_line.months.all() if m.month == month), None)
    form = BudgetMonthForm(request.POST or None, initial=month_initial(record))
    context = {"form": form, "line": budget_line, "month": month, "record": record}
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_month_record(actor=acting_user(request), line=budget_line, month=month,
                                         expected_version=form.cleaned_data["version"], **form.month_values())
        except services.EditConflict as conflict:
            rows = _differences(form, conflict.current, list(MONTH_AMOUNTS), set(dict(MONTH_AMOUNTS)))
            return _conflict_page(request, "finance/budget_month_edit.html", context, conflict, rows,
                                  form_after_conflict(BudgetMonthForm, request.POST,
                                                      saved={"version": conflict.current.version}))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{budget_line.name} M{month} saved.")
            return redirect(budget_line)
    return render(request, "finance/budget_month_edit.html", context)


@login_required
@require_safe
def line_history(request: HttpRequest, pk: int) -> HttpResponse:
    budget_line = _line_or_404(request, pk)
    versions, month_versions = selectors.budget_line_history(budget_line)
    return render(request, "finance/budget_line_history.html", {
        "line": budget_line, "versions": versions, "month_versions": month_versions,
    })
