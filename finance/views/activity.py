"""Activity plan pages: thin (parse, call a service or selector, render). Editing needs KEEP_BUDGETS."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from finance import selectors, services
from finance.filters import ActivityLineFilterSet
from finance.forms.activity import (
    ActivityLineForm,
    ActivityMonthChoiceForm,
    ActivityMonthForm,
    line_initial,
    month_initial,
)
from finance.models import ActivityLine
from governance.formatting import format_pounds as format_count
from governance.forms import CONFLICT, add_service_errors, form_after_conflict
from governance.middleware import follow_into, working_of
from governance.permissions import Action, acting_user, allowed_actions, require

COUNTS = ("prior_outturn", "do_nothing", "qipp_change", "plan", "actual")


def _line_or_404(request: HttpRequest, pk: int) -> ActivityLine:
    line = selectors.activity_line_for_page(request.user, pk)
    if line is None:
        raise Http404("No such activity line")
    follow_into(request, line.organisation, line.year)  # the header shows the line's organisation
    return line


def _chosen_month(request: HttpRequest, default: int) -> int:
    form = ActivityMonthChoiceForm(request.GET)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    return month or default


@login_required
@require_safe
def activity(request: HttpRequest) -> HttpResponse:
    """The working year's activity plan: each line's bridge, and plan, actual and variance for a month and YTD."""
    working = working_of(request)
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working.organisation, working.year
    month = _chosen_month(request, selectors.activity_default_month(organisation, year))
    filterset = ActivityLineFilterSet(request.GET or None, queryset=selectors.activity_lines_for(request.user),
                                      request=request)
    lines = filterset.qs if filterset.is_bound and filterset.is_valid() else None
    rows = selectors.activity_plan(request.user, organisation, year, month, lines)
    return render(request, "finance/activity_plan.html", {
        "rows": rows, "month": month, "filter": filterset,
        "month_form": ActivityMonthChoiceForm(initial={"month": month}),
        "actuals_recorded": selectors.activity_actuals_recorded(rows),
        "inconsistent": [row for row in rows if not row.check.consistent],
        "can": allowed_actions(request.user, organisation),
    })


@login_required
@require_safe
def activity_line(request: HttpRequest, pk: int) -> HttpResponse:
    """One line: its bridge and checks, and its 12 months with plan, actual and variance (and the YTD to each)."""
    line = _line_or_404(request, pk)
    month = _chosen_month(request, selectors.activity_default_month(line.organisation, line.year))
    row = selectors.activity_row(line, month)
    months = []
    for number, kept in enumerate(row.months, start=1):
        months.append({"number": number, "kept": kept,
                       "position": selectors.activity_row(line, number).position})
    return render(request, "finance/activity_line.html", {
        "line": line, "row": row, "month": month, "months": months,
        "actuals_recorded": selectors.activity_actuals_recorded([row]),
        "can": allowed_actions(request.user, line.organisation),
    })


def _conflict_rows(form: Any, current: Any, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Where the user's version differs from the saved one."""
    rows = []
    for name in names:
        yours, saved = form.cleaned_data.get(name), getattr(current, name)
        if yours != saved:
            count = name in COUNTS
            rows.append({"label": str(form.fields[name].label),
                         "yours": format_count(yours) if count else (yours or "–"),
                         "saved": format_count(saved) if count else (saved or "–")})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def activity_month_edit(request: HttpRequest, pk: int, month: int) -> HttpResponse:
    """Record a month's actual (or correct its plan); a stale save answers 409 and keeps what was typed."""
    line = _line_or_404(request, pk)
    require(request.user, Action.KEEP_BUDGETS, line.organisation)
    if not 1 <= month <= 12:
        raise Http404("No such month")
    kept = selectors.activity_month_for_page(request.user, line, month)
    form = ActivityMonthForm(request.POST or None, initial=month_initial(kept))
    context: dict[str, Any] = {"line": line, "month": month, "kept": kept}
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            services.activity_month_record(
                actor=acting_user(request), line=line, month=month, plan=form.cleaned_data["plan"],
                actual=form.cleaned_data["actual"],
                # A month first saved by someone else while this form was open is a conflict too.
                expected_version=version if version is not None else (0 if kept is None else None),
            )
        except services.EditConflict as conflict:
            current = conflict.current
            rows = _conflict_rows(form, current, ("plan", "actual"))
            form = form_after_conflict(ActivityMonthForm, request.POST, saved={"version": current.version})
            return render(request, "finance/activity_month_edit.html", {
                **context, "form": form, "conflict": str(conflict), "conflict_rows": rows,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{line.code} M{month} saved.")
            return redirect("finance:activity-line", pk=line.pk)
    return render(request, "finance/activity_month_edit.html", {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def activity_line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line_or_404(request, pk)
    require(request.user, Action.KEEP_BUDGETS, line.organisation)
    form = ActivityLineForm(request.POST or None, initial=line_initial(line))
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_line_record(
                actor=acting_user(request), organisation=line.organisation, year=line.year, code=line.code,
                expected_version=form.cleaned_data["version"], **form.line_values(),
            )
        except services.EditConflict as conflict:
            current = conflict.current
            rows = _conflict_rows(form, current, ("title", "prior_outturn", "do_nothing", "qipp_change", "plan",
                                                  "published_change", "commentary"))
            form = form_after_conflict(ActivityLineForm, request.POST, saved={"version": current.version})
            return render(request, "finance/activity_line_edit.html", {
                "form": form, "line": line, "conflict": str(conflict), "conflict_rows": rows,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{line.code} saved.")
            return redirect("finance:activity-line", pk=line.pk)
    return render(request, "finance/activity_line_edit.html", {"form": form, "line": line})


@login_required
@require_safe
def activity_line_history(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line_or_404(request, pk)
    versions, month_versions = selectors.activity_history(line)
    return render(request, "finance/activity_line_history.html", {
        "line": line, "versions": versions, "month_versions": month_versions,
    })
