"""RAG panel sittings and directors' assessments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from governance.forms import SummaryError, add_service_errors, form_errors
from governance.permissions import Action, acting_user, can, require
from schemes import selectors, services
from schemes.forms import (
    DIMENSIONS,
    DirectorAssessmentForm,
    PanelSittingForm,
    panel_rows,
    read_panel_rows,
    read_seen_tokens,
    show_panel_conflict,
)
from schemes.models import PanelSitting
from schemes.views.common import CONFLICT, form_after_conflict, scheme_or_404, working


@login_required
@require_safe
def panel_list(request: HttpRequest) -> HttpResponse:
    organisation, year = working(request)
    sittings: Any = selectors.panel_sittings(request.user, organisation, year) if organisation and year else []
    return render(request, "schemes/panel_list.html", {"sittings": sittings})


@login_required
@require_http_methods(["GET", "POST"])
def panel_new(request: HttpRequest) -> HttpResponse:
    """Rate every scheme of the working organisation and year at one dated sitting (all or nothing)."""
    organisation, year = working(request)
    if organisation is None or year is None:
        raise Http404("Choose an organisation and financial year first.")
    require(request.user, Action.RATE_SCHEMES, organisation)
    schemes = list(selectors.scheme_register(request.user, organisation, year))
    rows = panel_rows(schemes, selectors.latest_ratings(schemes), selectors.rating_tokens(s.pk for s in schemes))
    form = PanelSittingForm(request.POST or None)
    errors: list[SummaryError] = []
    status = 200
    if request.method == "POST":
        form_ok = form.is_valid()
        ratings, row_errors = read_panel_rows(request.POST, rows, request.POST.getlist("scheme"))
        errors = form_errors(form) + row_errors
        if any("not in this organisation" in e.text for e in row_errors):
            status = 400
        if form_ok and not row_errors:
            try:
                sitting = services.panel_sitting_record(
                    actor=acting_user(request), organisation=organisation, year=year,
                    held_on=form.cleaned_data["held_on"],
                    panel=form.cleaned_data["panel"].strip(), notes=form.cleaned_data["notes"], ratings=ratings,
                    seen_tokens=read_seen_tokens(request.POST, rows),
                )
            except services.EditConflict as conflict:
                show_panel_conflict(rows, conflict.current, selectors.latest_ratings(conflict.current),
                                    selectors.rating_tokens(s.pk for s in schemes))
                errors.append(SummaryError(str(conflict)))
                status = CONFLICT
            except ValidationError as error:
                errors.extend(SummaryError(m) for m in error.messages)
            else:
                messages.success(request, f"Recorded the {sitting.panel} of {sitting.held_on:%d/%m/%Y}: "
                                          f"{len(ratings)} schemes rated.")
                return redirect("schemes:panel-sitting", pk=sitting.pk)
    return render(request, "schemes/panel_new.html",
                  {"form": form, "rows": rows, "dimensions": DIMENSIONS, "errors": errors}, status=status)


@login_required
def panel_sitting(request: HttpRequest, pk: int) -> HttpResponse:
    """A sitting's ratings and the schemes' stored most likely values, with when they were computed."""
    try:
        sitting = selectors.panel_sitting(request.user, pk)
    except PanelSitting.DoesNotExist:
        raise Http404("No panel sitting you can see has that number.") from None
    ratings = list(selectors.sitting_ratings(sitting))
    computed = [r.scheme.figures_computed_at for r in ratings if r.scheme.figures_computed_at]
    return render(request, "schemes/panel_sitting.html", {
        "sitting": sitting, "ratings": ratings, "dimensions": DIMENSIONS,
        "computed_at": max(computed) if computed else None,
        "pending": any(r.scheme.figures_computed_at is None for r in ratings),
        "total_plan": sum((r.scheme.plan_in_year for r in ratings), start=0),
        "total_most_likely": sum((r.scheme.most_likely for r in ratings), start=0),
    })


@login_required
@require_http_methods(["GET", "POST"])
def director_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a director's change in delivery; "Preview" shows the effect and saves nothing."""
    scheme = scheme_or_404(request, pk)
    latest = selectors.newest_assessment(scheme)
    form = DirectorAssessmentForm(request.POST or None, initial={
        "change_months": scheme.delivery_change_months, "seen": latest.pk if latest else 0,
    })
    preview = None
    status = 200
    if request.method == "POST":
        require(request.user, Action.ASSESS_DELIVERY, scheme.organisation)
        if form.is_valid():
            data = form.cleaned_data
            if "preview" in request.POST:
                preview = selectors.director_preview(scheme, data["change_months"])
            else:
                try:
                    services.director_assessment_record(
                        actor=acting_user(request), scheme=scheme, assessed_on=data["assessed_on"],
                        change_months=data["change_months"], director=data["director"].strip(),
                        note=data["note"].strip(), expected_latest_id=data["seen"] if data["seen"] is not None else -1,
                    )
                except services.EditConflict as conflict:
                    # Saving again from here records this assessment on purpose, after the one saved meanwhile.
                    form = form_after_conflict(DirectorAssessmentForm, request.POST,
                                               saved={"seen": conflict.current.pk}, message=str(conflict))
                    status = CONFLICT
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, f"Recorded the director's assessment of {scheme.reference}: "
                                              f"{data['change_months']:+d} months.")
                    return redirect("schemes:director", pk=scheme.pk)
    return render(request, "schemes/director.html", {
        "scheme": scheme, "form": form, "errors": form_errors(form), "preview": preview,
        "assessments": selectors.director_assessments(scheme),
        "can_assess": can(request.user, Action.ASSESS_DELIVERY, scheme.organisation),
    }, status=status)
