"""Pages for monthly tracking, the RAG panel, the director's assessment, stage gates and key stages.

Thin: read through selectors, parse with tracking_forms, write through services. Every form works
as a plain POST; a stale save is answered with HTTP 409 and nothing saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from governance.permissions import Action, can, require
from schemes import selectors, services
from schemes.models import STAGE_GATEWAYS, KeyStage, PanelSitting, Programme, Scheme, Stage
from schemes.tracking_forms import (
    DIMENSIONS,
    DirectorAssessmentForm,
    KeyStageForm,
    KeyStageTemplateForm,
    PanelSittingForm,
    StageChangeForm,
    SummaryError,
    TrackerForm,
    add_service_errors,
    form_errors,
    panel_rows,
    read_panel_rows,
)

CONFLICT = 409


def _scheme(request: HttpRequest, pk: int) -> Scheme:
    try:
        return selectors.schemes_for(request.user).get(pk=pk)
    except Scheme.DoesNotExist:
        raise Http404("No scheme you can see has that number.") from None


def _working(request: HttpRequest) -> tuple[Any, Any]:
    working = request.working  # type: ignore[attr-defined]
    return working.organisation, working.year


# --- Monthly tracker -----------------------------------------------------------------------------------


@login_required
def tracker_index(request: HttpRequest) -> HttpResponse:
    """The working organisation and year's programmes (each with its tracker) and schemes."""
    organisation, year = _working(request)
    programmes: Any = []
    schemes: Any = []
    if organisation and year:
        programmes = selectors.programmes_for_tracker(request.user, organisation, year)
        schemes = selectors.scheme_register(request.user, organisation, year)
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
                saved = services.scheme_month_update(actor=request.user, scheme=data.scheme, edits=form.edits)
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
    _, year = _working(request)
    if year is None:
        raise Http404("Choose a financial year first.")
    try:
        data = selectors.programme_tracker(request.user, pk, year)
    except Programme.DoesNotExist:
        raise Http404("No programme you can see has that number.") from None
    return render(request, "schemes/tracker_programme.html", {"data": data, "tracker": data.totals})


# --- RAG panel -----------------------------------------------------------------------------------------


@login_required
def panel_list(request: HttpRequest) -> HttpResponse:
    organisation, year = _working(request)
    sittings: Any = selectors.panel_sittings(request.user, organisation, year) if organisation and year else []
    return render(request, "schemes/panel_list.html", {"sittings": sittings})


@login_required
@require_http_methods(["GET", "POST"])
def panel_new(request: HttpRequest) -> HttpResponse:
    """Rate every scheme of the working organisation and year at one dated sitting (all or nothing)."""
    organisation, year = _working(request)
    if organisation is None or year is None:
        raise Http404("Choose an organisation and financial year first.")
    require(request.user, Action.RATE_SCHEMES, organisation)
    schemes = list(selectors.scheme_register(request.user, organisation, year))
    rows = panel_rows(schemes, selectors.latest_ratings(schemes))
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
                    actor=request.user, organisation=organisation, year=year, held_on=form.cleaned_data["held_on"],
                    panel=form.cleaned_data["panel"].strip(), notes=form.cleaned_data["notes"], ratings=ratings,
                )
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


# --- Director's assessment -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def director_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a director's change in delivery; "Preview" shows the effect and saves nothing."""
    scheme = _scheme(request, pk)
    form = DirectorAssessmentForm(request.POST or None, initial={"change_months": scheme.delivery_change_months})
    preview = None
    if request.method == "POST":
        require(request.user, Action.ASSESS_DELIVERY, scheme.organisation)
        if form.is_valid():
            data = form.cleaned_data
            if "preview" in request.POST:
                preview = selectors.director_preview(scheme, data["change_months"])
            else:
                try:
                    services.director_assessment_record(
                        actor=request.user, scheme=scheme, assessed_on=data["assessed_on"],
                        change_months=data["change_months"], director=data["director"].strip(),
                        note=data["note"].strip(),
                    )
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
    })


# --- Stage gates ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a scheme between stages with the gateway approval recorded."""
    scheme = _scheme(request, pk)
    form = StageChangeForm(request.POST or None, scheme=scheme)
    status = 200
    conflict: services.EditConflict | None = None
    if request.method == "POST":
        require(request.user, Action.APPROVE_GATEWAYS, scheme.organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.scheme_stage_change(
                    actor=request.user, scheme=scheme, expected_version=data["version"], to_stage=data["to_stage"],
                    approver=data["approver"], decided_on=data["decided_on"], decision=data["decision"],
                    note=data["note"], confirmed=data["confirmed"],
                )
            except services.EditConflict as error:
                conflict = error
                status = CONFLICT
                # Redraw against the saved scheme: saving again now is a deliberate decision on the new stage.
                scheme = _scheme(request, pk)
                data = request.POST.copy()
                data["version"] = str(scheme.version)
                form = StageChangeForm(data, scheme=scheme)
                form.is_valid()
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{scheme.reference} moved from {Stage(change.from_stage).label} to "
                                          f"{Stage(change.to_stage).label}.")
                return redirect("schemes:stage", pk=scheme.pk)
    return render(request, "schemes/stage.html", {
        "scheme": scheme, "form": form, "errors": form_errors(form), "conflict": conflict,
        "history": selectors.stage_changes(scheme), "gateways": _gateway_table(),
        "can_move": can(request.user, Action.APPROVE_GATEWAYS, scheme.organisation),
    }, status=status)


def _gateway_table() -> list[dict[str, Any]]:
    return [{"stage": stage, "approvals": [label for _, label in STAGE_GATEWAYS[stage.value]]} for stage in Stage]


# --- Key stages ----------------------------------------------------------------------------------------


@login_required
def key_stages(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    rows = selectors.key_stages(scheme)
    return render(request, "schemes/key_stages.html", {
        "scheme": scheme, "rows": rows, "template_form": KeyStageTemplateForm(),
        "can_edit": can(request.user, Action.EDIT_SCHEMES, scheme.organisation),
        "slipped": sum(1 for r in rows if r.slipped_days),
    })


@login_required
def key_stages_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    return render(request, "schemes/key_stages_timeline.html",
                  {"scheme": scheme, "timeline": selectors.key_stage_timeline(scheme)})


@login_required
@require_POST
def key_stages_template(request: HttpRequest, pk: int) -> HttpResponse:
    """Add Bexley's 20 key stages (those the scheme lacks), baselined a month apart."""
    scheme = _scheme(request, pk)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    form = KeyStageTemplateForm(request.POST)
    if form.is_valid():
        try:
            added = services.key_stages_from_template(actor=request.user, scheme=scheme,
                                                      first_date=form.cleaned_data["first_date"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if added:
                messages.success(request, f"Added {len(added)} of Bexley's key stages to {scheme.reference}.")
            else:
                messages.info(request, f"{scheme.reference} already has all of Bexley's key stages: nothing added.")
            return redirect("schemes:key-stages", pk=scheme.pk)
    rows = selectors.key_stages(scheme)
    return render(request, "schemes/key_stages.html", {
        "scheme": scheme, "rows": rows, "template_form": form, "errors": form_errors(form), "can_edit": True,
        "slipped": sum(1 for r in rows if r.slipped_days),
    })


def _key_stage_changes(data: dict[str, Any]) -> dict[str, Any]:
    changes = {key: data[key] for key in ("name", "baseline_date", "current_date", "completed_on", "note")}
    changes["name"] = changes["name"].strip()
    changes["note"] = changes["note"].strip()
    if data.get("order") is not None:
        changes["order"] = data["order"]
    return changes


@login_required
@require_http_methods(["GET", "POST"])
def key_stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    form = KeyStageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key_stage = services.key_stage_create(actor=request.user, scheme=scheme,
                                                  **_key_stage_changes(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f'Added "{key_stage.name}".')
            return redirect("schemes:key-stages", pk=scheme.pk)
    return render(request, "schemes/key_stages_form.html",
                  {"scheme": scheme, "form": form, "errors": form_errors(form), "key_stage": None})


@login_required
@require_http_methods(["GET", "POST"])
def key_stage_edit(request: HttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    try:
        key_stage = selectors.key_stage_for_user(request.user, scheme, stage_pk)
    except KeyStage.DoesNotExist:
        raise Http404("This scheme has no such key stage.") from None
    initial = {name: getattr(key_stage, name) for name in ("name", "baseline_date", "current_date", "completed_on",
                                                            "order", "note", "version")}
    form = KeyStageForm(request.POST or None, initial=initial)
    status = 200
    conflict: services.EditConflict | None = None
    if request.method == "POST" and form.is_valid():
        try:
            key_stage = services.key_stage_update(
                actor=request.user, key_stage=key_stage, expected_version=form.cleaned_data["version"],
                changes=_key_stage_changes(form.cleaned_data),
            )
        except services.EditConflict as error:
            conflict = error
            status = CONFLICT
            # Saving again from here overwrites knowingly: the form now states the saved version.
            data = form.data.copy()
            data["version"] = str(error.current.version)
            form = KeyStageForm(data, initial=initial)
            form.is_valid()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f'Saved "{key_stage.name}".')
            return redirect("schemes:key-stages", pk=scheme.pk)
    return render(request, "schemes/key_stages_form.html", {
        "scheme": scheme, "form": form, "errors": form_errors(form), "key_stage": key_stage, "conflict": conflict,
    }, status=status)

