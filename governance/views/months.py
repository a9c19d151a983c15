"""The Months page: closing and reopening months, with the month's history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from governance import services
from governance.formatting import month_label
from governance.forms import MonthReopenForm, SummaryError, add_service_errors, form_errors
from governance.permissions import Action, acting_user, can, require
from governance.selectors import month_history, month_rows, month_statuses
from governance.views.common import month_or_404, working_or_404


def _page(request: HttpRequest, errors: list[SummaryError] | None = None, status: int = 200) -> HttpResponse:
    organisation, year = working_or_404(request)
    today = timezone.localdate()
    rows = month_rows(request.user, organisation, year, today)
    return render(request, "governance/months.html", {
        "rows": rows, "history": month_history(request.user, organisation, year)[:50], "errors": errors or [],
        "can_close": can(request.user, Action.CLOSE_MONTHS, organisation),
        "labels": {row["month"]: row["label"] for row in rows}, "today": today,
    }, status=status)


@login_required
@require_safe
def months(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def month_close(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = working_or_404(request)
    month = month_or_404(month)
    try:
        services.month_close(actor=acting_user(request), organisation=organisation, year=year, month=month)
    except ValidationError as error:
        return _page(request, [SummaryError(m) for m in error.messages])
    messages.success(request, f"{month_label(year.start_year, month)} is closed: its actuals and forecasts are now "
                              "read-only.")
    return redirect("months")


@login_required
@require_http_methods(["GET", "POST"])
def month_reopen(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = working_or_404(request)
    month = month_or_404(month)
    require(request.user, Action.CLOSE_MONTHS, organisation)
    label = month_label(year.start_year, month)
    form = MonthReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.month_reopen(actor=acting_user(request), organisation=organisation, year=year, month=month,
                                  reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{label} is open again: its actuals and forecasts can be changed.")
            return redirect("months")
    status = month_statuses(request.user, organisation, year).get(month)
    return render(request, "governance/month_reopen.html", {
        "form": form, "errors": form_errors(form), "label": label, "month": month, "status": status,
    })
