from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from governance import services
from governance.formatting import month_label
from governance.forms import MonthReopenForm, SummaryError, add_service_errors, form_errors
from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR
from governance.models import FinancialYear
from governance.permissions import Action, can, require
from governance.selectors import month_history, month_rows, month_statuses, organisations_for


def _id(value: str | None) -> int:
    """A posted id, or 0 (matches nothing) when it is not a whole number."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


@login_required
@require_POST
def switch_context(request: HttpRequest) -> HttpResponse:
    """Remember the organisation and year the user chose (only ones they may see)."""
    organisation = organisations_for(request.user).filter(pk=_id(request.POST.get("organisation"))).first()
    if organisation is not None:
        if request.session.get(SESSION_ORGANISATION) != organisation.pk:
            request.session.pop(SESSION_YEAR, None)
        request.session[SESSION_ORGANISATION] = organisation.pk
    year = FinancialYear.objects.filter(pk=_id(request.POST.get("year"))).first()
    if year is not None:
        request.session[SESSION_YEAR] = year.pk
    return HttpResponseRedirect(safe_next(request, request.POST.get("next", "")))


def safe_next(request: HttpRequest, next_url: str) -> str:
    """A page of ours to return to: only a path on this site (never a view name or another host), else home."""
    next_url = (next_url or "").strip()
    if (
        not next_url.startswith("/")
        or next_url.startswith("//")
        or "\\" in next_url
        or not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    ):
        return "/"
    return next_url



def _working(request: HttpRequest) -> tuple[Any, Any]:
    working = request.working  # type: ignore[attr-defined]
    if working.organisation is None or working.year is None:
        raise Http404("Choose an organisation and financial year first.")
    return working.organisation, working.year


def _month(month: int) -> int:
    if not 1 <= month <= 12:
        raise Http404("A month is M1 (April) to M12 (March).")
    return month


def _page(request: HttpRequest, errors: list[SummaryError] | None = None, status: int = 200) -> HttpResponse:
    organisation, year = _working(request)
    today = timezone.localdate()
    rows = month_rows(request.user, organisation, year, today)
    return render(request, "governance/months.html", {
        "rows": rows, "history": month_history(request.user, organisation, year)[:50], "errors": errors or [],
        "can_close": can(request.user, Action.CLOSE_MONTHS, organisation),
        "labels": {row["month"]: row["label"] for row in rows}, "today": today,
    }, status=status)


@login_required
def months(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def month_close(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = _working(request)
    month = _month(month)
    try:
        services.month_close(actor=request.user, organisation=organisation, year=year, month=month)
    except ValidationError as error:
        return _page(request, [SummaryError(m) for m in error.messages])
    messages.success(request, f"{month_label(year.start_year, month)} is closed: its actuals and forecasts are now "
                              "read-only.")
    return redirect("months")


@login_required
@require_http_methods(["GET", "POST"])
def month_reopen(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = _working(request)
    month = _month(month)
    require(request.user, Action.CLOSE_MONTHS, organisation)
    label = month_label(year.start_year, month)
    form = MonthReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.month_reopen(actor=request.user, organisation=organisation, year=year, month=month,
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
