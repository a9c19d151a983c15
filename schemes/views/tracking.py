"""Monthly tracking: the tracker index, a scheme's tracker (PMO edits open months) and a programme's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from governance.forms import SummaryError
from governance.permissions import Action, acting_user, can, require
from schemes import selectors, services
from schemes.forms import TrackerForm
from schemes.models import Programme, Scheme
from schemes.views.common import CONFLICT, url_of_each, working


@login_required
def tracker_index(request: HttpRequest) -> HttpResponse:
    """The working organisation and year's programmes (each with its tracker) and schemes."""
    organisation, year = working(request)
    programmes: Any = []
    schemes: Any = []
    if organisation and year:
        programme_href = url_of_each("schemes:programme-tracker")
        programmes = [(programme, programme_href(programme.pk))
                      for programme in selectors.programmes_for_tracker(request.user, organisation, year)]
        scheme_href = url_of_each("schemes:scheme-tracker")  # reversed once, not once a row
        schemes = [{**row, "href": scheme_href(row["pk"])}
                   for row in selectors.tracker_index_schemes(request.user, organisation, year)]
    return render(request, "schemes/tracker_index.html", {"programmes": programmes, "schemes": schemes})


def _tracker_columns(data: selectors.SchemeTracker, form: TrackerForm) -> list[dict[str, Any]]:
    return [
        {"month": tm.month, "label": data.labels[tm.month - 1], "figures": tm,
         "cell": form.cells.get(tm.month) if tm.month in form.editable_months else None,
         "row": data.rows.get(tm.month)}
        for tm in data.tracker.months
    ]


def _editable_months(request: HttpRequest, data: selectors.SchemeTracker) -> list[int]:
    if not can(request.user, Action.RECORD_PROGRESS, data.scheme.organisation):
        return []
    return [tm.month for tm in data.tracker.months if not tm.closed]


@login_required
@require_http_methods(["GET", "POST"])
def scheme_tracker(request: HttpRequest, pk: int) -> HttpResponse:
    """A scheme's M1..M12 plan, actual, forecast and variance, with YTD and FOT; PMO edits open months."""
    try:
        data = selectors.scheme_tracker(request.user, pk)
    except Scheme.DoesNotExist:
        raise Http404("No scheme you can see has that number.") from None
    form = TrackerForm(data, _editable_months(request, data))
    status = 200
    conflict_message = ""
    if request.method == "POST":
        require(request.user, Action.RECORD_PROGRESS, data.scheme.organisation)
        form = TrackerForm(data, _editable_months(request, data), data=request.POST)
        if form.is_valid():
            if not form.edits:
                messages.info(request, "You did not change any figures, so nothing was saved.")
                return redirect("schemes:scheme-tracker", pk=pk)
            try:
                saved = services.scheme_month_update(actor=acting_user(request), scheme=data.scheme, edits=form.edits)
            except services.EditConflict as conflict:
                form.show_conflict(conflict.current)
                conflict_message = str(conflict)
                status = CONFLICT
            except ValidationError as error:
                form.errors.extend(SummaryError(m) for m in error.messages)
            else:
                labels = ", ".join(data.labels[row.month - 1] for row in saved)
                messages.success(request, f"Saved {labels} for {data.scheme.reference}." if saved
                                 else "Nothing needed saving.")
                return redirect("schemes:scheme-tracker", pk=pk)
        # Redraw with what is saved now (a month may have closed meanwhile), keeping what the user typed.
        fresh = selectors.scheme_tracker(request.user, pk)
        form.tracker = fresh
        form.editable_months = _editable_months(request, fresh)
        data = fresh
    return render(request, "schemes/tracker.html", {
        "scheme": data.scheme, "data": data, "tracker": data.tracker, "columns": _tracker_columns(data, form),
        "form": form, "errors": form.errors, "conflict_message": conflict_message,
        "can_edit": bool(form.editable_months),
    }, status=status)


@login_required
def programme_tracker(request: HttpRequest, pk: int) -> HttpResponse:
    """A programme's schemes for the working year: monthly totals and one row per scheme (read-only)."""
    _, year = working(request)
    if year is None:
        raise Http404("Choose a financial year first.")
    try:
        data = selectors.programme_tracker(request.user, pk, year)
    except Programme.DoesNotExist:
        raise Http404("No programme you can see has that number.") from None
    return render(request, "schemes/tracker_programme.html", {"data": data, "tracker": data.totals})
