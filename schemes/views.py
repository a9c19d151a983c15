from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from governance.forms import SummaryError, add_service_errors, form_errors
from governance.middleware import follow_into
from governance.permissions import Action, can, require
from schemes import exports, selectors, services, uploads
from schemes.filters import SchemeFilterSet
from schemes.forms import (
    DIMENSIONS,
    DirectorAssessmentForm,
    KeyStageForm,
    KeyStageTemplateForm,
    OverrideClearForm,
    OverrideForm,
    PanelSittingForm,
    SchemeForm,
    StageChangeForm,
    TrackerForm,
    WorkbookConfirmForm,
    WorkbookUploadForm,
    panel_rows,
    read_panel_rows,
    read_seen_tokens,
)
from schemes.importers import (
    ImportReport,
    WorkbookInvalid,
    more_problems,
    split_problems,
    workbook_check,
    workbook_import,
)
from schemes.models import (
    STAGE_GATEWAYS,
    Figure,
    GatewayDecision,
    KeyStage,
    PanelSitting,
    Phase,
    Programme,
    Rag,
    Scheme,
    Stage,
)
from schemes.presentation import display_scheme_value, figure_workings, scheme_change_history
from schemes.selectors import (
    active_overrides,
    latest_closed_month,
    override_token,
    register_rows,
    register_totals,
    scheme_as_of_version,
    scheme_for_page,
    sort_register,
)

CONFLICT = 409  # HTTP status of a page redrawn after an edit conflict

# --- Register ---------------------------------------------------------------------------------------


def _register(request: HttpRequest) -> tuple[SchemeFilterSet, Any, str]:
    """The register's filter form, its rows (filtered and sorted) and the sort applied."""
    working = request.working  # type: ignore[attr-defined]
    base = register_rows(request.user, working.organisation, working.year)
    filterset = SchemeFilterSet(request.GET or None, queryset=base, request=request)
    fields = filterset.form.fields
    for name, choices in (("phase", Phase.choices), ("stage", Stage.choices), ("rag", Rag.choices)):
        fields[name].widget.choices = [("", "Any"), *choices]  # what the select shows; validation is unchanged
    fields["programme"].queryset = _programmes(request, working.organisation)
    fields["programme"].empty_label = "Any programme"
    fields["q"].help_text = "Reference, name, description, owner or programme"
    rows, sort = sort_register(filterset.qs, request.GET.get("sort"))
    return filterset, rows, sort


def _no_working_context(request: HttpRequest) -> HttpResponse | None:
    working = request.working  # type: ignore[attr-defined]
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html", status=200)
    return None


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if (response := _no_working_context(request)) is not None:
        return response
    working = request.working  # type: ignore[attr-defined]
    filterset, rows, sort = _register(request)
    rows = list(rows)
    return render(request, "schemes/register.html", {
        "filter": filterset,
        "schemes": rows,
        "totals": register_totals(rows),
        "sort": sort,
        "ytd_month": latest_closed_month(request.user, working.organisation, working.year),
        "csv_query": request.GET.urlencode(),
    })


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def register_csv(request: HttpRequest) -> HttpResponse:
    """The register's rows as CSV: the same filters and order as the page (same query string)."""
    working = request.working  # type: ignore[attr-defined]
    if working.organisation is None or working.year is None:
        raise Http404("Choose an organisation and year first.")
    _, rows, _ = _register(request)
    writer = csv.writer(_Echo())
    ytd_month = latest_closed_month(request.user, working.organisation, working.year)
    csv_rows = exports.register_rows_for_csv(rows, year_name=working.year.name, start_year=working.year.start_year,
                                             ytd_month=ytd_month)
    lines = (writer.writerow(row) for row in csv_rows)
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    name = f"qipp-schemes-{working.organisation.ods_code}-{working.year.name.replace('/', '-')}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _with_bom(lines: Any) -> Any:
    yield "\ufeff"  # so spreadsheet programs read the £ signs as UTF-8
    yield from lines


# --- Scheme page ------------------------------------------------------------------------------------


def _scheme_or_404(request: HttpRequest, pk: int) -> Scheme:
    try:
        scheme = scheme_for_page(request.user, pk)
    except Scheme.DoesNotExist:
        raise Http404("No scheme found that you can see.") from None
    follow_into(request, scheme.organisation, scheme.year)
    return scheme


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme_or_404(request, pk)
    return render(request, "schemes/detail.html", {
        "scheme": scheme,
        "workings": figure_workings(scheme),
        "history": scheme_change_history(scheme),
        "active_overrides": list(active_overrides(scheme).values()),
    })


# --- Create and edit --------------------------------------------------------------------------------


def _programmes(request: HttpRequest, organisation: Any) -> Any:
    return Programme.objects.for_user(request.user).filter(organisation=organisation).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def scheme_create(request: HttpRequest) -> HttpResponse:
    if (response := _no_working_context(request)) is not None:
        return response
    working = request.working  # type: ignore[attr-defined]
    require(request.user, Action.EDIT_SCHEMES, working.organisation)
    form = SchemeForm(request.POST or None, programmes=_programmes(request, working.organisation),
                      year=working.year)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            scheme = services.scheme_create(
                actor=request.user, organisation=working.organisation, year=working.year,
                programme=changes.pop("programme"), reference=changes.pop("reference"), name=changes.pop("name"),
                **changes,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Scheme {scheme.reference} {scheme.name} created.")
            return redirect("schemes:detail", pk=scheme.pk)
    return render(request, "schemes/edit.html", {"form": form, "scheme": None})


def _value(scheme: Any, name: str) -> Any:
    return getattr(scheme, "programme_id" if name == "programme" else name)


def _as_post_value(name: str, value: Any) -> dict[str, str]:
    """A saved value as the edit form would post it."""
    if name == "go_live":
        return {"go_live_month": str(value.month) if value else "", "go_live_year": str(value.year) if value else ""}
    if isinstance(value, bool):
        return {name: "on"} if value else {}
    return {name: "" if value is None else str(value)}


def _conflict(form: SchemeForm, current: Scheme, started_from: Any, posted: Any) -> tuple[list[dict[str, str]], Any]:
    """Side-by-side rows where the user's version differs from the saved one, and the form data to show next.

    Fields only the other person changed take the saved value in the re-shown form, so saving again
    keeps their change; fields the user changed keep what the user typed.
    """
    programmes = dict(Programme.objects.filter(organisation=current.organisation).values_list("pk", "name"))
    data = posted.copy()
    data["version"] = str(current.version)  # saving again now is a knowing choice
    rows = []
    for name in form.changes():
        yours = form.cleaned_data.get(name)
        yours = yours.pk if isinstance(yours, Programme) else yours
        saved = _value(current, name)
        if yours == saved:
            continue
        before = _value(started_from, name) if started_from is not None else None
        if started_from is not None and yours == before:
            note = "Changed by someone else: the form below now shows the saved value"
            data.pop(name, None)  # an unticked box posts nothing
            for key, value in _as_post_value(name, saved).items():
                data[key] = value  # QueryDict.update would append, not replace
        elif started_from is not None and saved == before:
            note = "Changed by you"
        else:
            note = "Changed by you and by someone else"
        rows.append({
            "label": str(form.fields[name].label),
            "yours": display_scheme_value(name, yours, programmes),
            "saved": display_scheme_value(name, saved, programmes),
            "note": note,
        })
    return rows, data


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme_or_404(request, pk)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    programmes = _programmes(request, scheme.organisation)
    form = SchemeForm(request.POST or None, instance=scheme, programmes=programmes, year=scheme.year)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.scheme_update(
                actor=request.user, scheme=scheme, expected_version=form.cleaned_data["version"],
                changes=form.changes(),
            )
        except services.EditConflict as conflict:
            current = conflict.current
            started_from = scheme_as_of_version(scheme, form.cleaned_data["version"])
            rows, data = _conflict(form, current, started_from, request.POST)
            form = SchemeForm(data, instance=scheme, programmes=programmes, year=scheme.year)
            form.is_valid()
            return render(request, "schemes/edit.html", {
                "form": form, "scheme": scheme, "conflict": str(conflict), "conflict_rows": rows, "current": current,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Scheme {saved.reference} {saved.name} saved.")
            return redirect("schemes:detail", pk=saved.pk)
    return render(request, "schemes/edit.html", {"form": form, "scheme": scheme})


# --- Overrides --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def figure_override(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme_or_404(request, pk)
    require(request.user, Action.OVERRIDE_FIGURES, scheme.organisation)
    initial = {}
    if request.GET.get("figure") in Figure.values:
        initial = {"figure": request.GET["figure"], "value": getattr(scheme, request.GET["figure"])}
    form = OverrideForm(request.POST or None, initial={**initial, "seen": override_token(scheme)})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.figure_override_set(
                actor=request.user, scheme=scheme, figure=form.cleaned_data["figure"],
                value=form.cleaned_data["value"], reason=form.cleaned_data["reason"],
                expected_token=_seen(form),
            )
        except services.EditConflict as conflict:
            status = _show_override_conflict(form, conflict, scheme)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            label = Figure(form.cleaned_data["figure"]).label
            messages.success(request, f"{label} of {scheme.reference} overridden. The reason is shown with the figure.")
            return redirect(reverse("schemes:detail", args=[scheme.pk]) + "#figures")
    return render(request, "schemes/override.html", {"form": form, "scheme": scheme,
                                                     "workings": figure_workings(scheme)}, status=status)


def _seen(form: Any) -> int:
    """The token the page was drawn with; a missing one never matches (treated as changed)."""
    return form.cleaned_data["seen"] if form.cleaned_data.get("seen") is not None else -1


def _show_override_conflict(form: Any, conflict: services.EditConflict, scheme: Scheme) -> int:
    form.add_error(None, str(conflict))
    form.data = form.data.copy()
    form.data["seen"] = str(override_token(scheme))  # saving again is then a deliberate choice
    scheme.refresh_from_db()
    return CONFLICT


@login_required
@require_http_methods(["GET", "POST"])
def figure_override_clear(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    scheme = _scheme_or_404(request, pk)
    require(request.user, Action.OVERRIDE_FIGURES, scheme.organisation)
    override = active_overrides(scheme).get(figure)
    if override is None:
        raise Http404("That figure is not overridden.")
    form = OverrideClearForm(request.POST or None, initial={"seen": override_token(scheme)})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.figure_override_clear(actor=request.user, scheme=scheme, figure=figure,
                                           reason=form.cleaned_data["reason"], expected_token=_seen(form))
        except services.EditConflict as conflict:
            status = _show_override_conflict(form, conflict, scheme)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Override of {override.get_figure_display()} cleared: "
                                      "the figure is the formula's again.")
            return redirect(reverse("schemes:detail", args=[scheme.pk]) + "#figures")
    return render(request, "schemes/override_clear.html", {"form": form, "scheme": scheme, "override": override},
                  status=status)


def _scheme(request: HttpRequest, pk: int) -> Scheme:
    try:
        scheme = selectors.schemes_for(request.user).get(pk=pk)
    except Scheme.DoesNotExist:
        raise Http404("No scheme you can see has that number.") from None
    follow_into(request, scheme.organisation, scheme.year)
    return scheme


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
                    actor=request.user, organisation=organisation, year=year, held_on=form.cleaned_data["held_on"],
                    panel=form.cleaned_data["panel"].strip(), notes=form.cleaned_data["notes"], ratings=ratings,
                    seen_tokens=read_seen_tokens(request.POST, rows),
                )
            except services.EditConflict as conflict:
                # Keep what this user chose; show what the other person saved; a second save replaces it.
                latest = selectors.latest_ratings(conflict.current)
                for row in rows:
                    saved = latest.get(row.scheme.pk)
                    if row.scheme in conflict.current and saved is not None:
                        saved_values = ", ".join(f"{label} {getattr(saved, key)}" for key, label in DIMENSIONS)
                        row.errors.append(f"Saved meanwhile: {saved_values}")
                tokens = selectors.rating_tokens(s.pk for s in schemes)
                for row in rows:
                    row.token = tokens.get(row.scheme.pk, 0)
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


# --- Director's assessment -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def director_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a director's change in delivery; "Preview" shows the effect and saves nothing."""
    scheme = _scheme(request, pk)
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
                        actor=request.user, scheme=scheme, assessed_on=data["assessed_on"],
                        change_months=data["change_months"], director=data["director"].strip(),
                        note=data["note"].strip(), expected_latest_id=data["seen"] if data["seen"] is not None else -1,
                    )
                except services.EditConflict as conflict:
                    form.add_error(None, str(conflict))
                    form.data = form.data.copy()
                    form.data["seen"] = str(conflict.current.pk)  # saving again records this one on purpose
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
        valid = form.is_valid()
        if not valid and _drawn_before(form, scheme):
            # The page was drawn for a stage the scheme has since left, so its choices no longer fit:
            # that is someone else's save (409), not the user's mistake.
            conflict, status = services.EditConflict(_stage_moved(scheme), current=scheme), CONFLICT
            form = _stage_form_again(request, scheme)
        elif valid:
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
                scheme = _scheme(request, pk)
                form = _stage_form_again(request, scheme)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if change.decision == GatewayDecision.NOT_APPROVED:
                    messages.success(request, f"Recorded: the gateway from {Stage(change.from_stage).label} to "
                                              f"{Stage(change.to_stage).label} was not approved; {scheme.reference} "
                                              f"stays at {Stage(change.from_stage).label}.")
                else:
                    messages.success(request, f"{scheme.reference} moved from {Stage(change.from_stage).label} to "
                                              f"{Stage(change.to_stage).label}.")
                return redirect("schemes:stage", pk=scheme.pk)
    return render(request, "schemes/stage.html", {
        "scheme": scheme, "form": form, "errors": form_errors(form), "conflict": conflict,
        "history": selectors.stage_changes(scheme), "gateways": _gateway_table(),
        "can_move": can(request.user, Action.APPROVE_GATEWAYS, scheme.organisation),
    }, status=status)


def _drawn_before(form: StageChangeForm, scheme: Scheme) -> bool:
    """Whether the posted form states a version of the scheme other than the one saved now."""
    try:
        return int(form.data.get("version", "")) != scheme.version
    except (TypeError, ValueError):
        return False


def _stage_moved(scheme: Scheme) -> str:
    return (f"{scheme.reference} {scheme.name} was changed by someone else (it is now at stage "
            f"{scheme.get_stage_display()}). Nothing has been saved: check the stage and record the move again.")


def _stage_form_again(request: HttpRequest, scheme: Scheme) -> StageChangeForm:
    """What the user posted, redrawn against the saved scheme: saving again is a deliberate decision on it."""
    data = request.POST.copy()
    data["version"] = str(scheme.version)
    form = StageChangeForm(data, scheme=scheme)
    form.is_valid()
    return form


def _gateway_table() -> list[dict[str, Any]]:
    return [{"stage": stage, "approvals": [label for _, label in STAGE_GATEWAYS[stage.value]]} for stage in Stage]


# --- Key stages ----------------------------------------------------------------------------------------


@login_required
def key_stages(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    return _key_stages_page(request, scheme, KeyStageTemplateForm(),
                            can_edit=can(request.user, Action.EDIT_SCHEMES, scheme.organisation))


def _key_stages_page(request: HttpRequest, scheme: Scheme, template_form: KeyStageTemplateForm, *,
                     can_edit: bool) -> HttpResponse:
    rows = selectors.key_stages(scheme)
    return render(request, "schemes/key_stages.html", {
        "scheme": scheme, "rows": rows, "template_form": template_form, "errors": form_errors(template_form),
        "can_edit": can_edit, "slipped": sum(1 for r in rows if r.slipped_days),
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
    return _key_stages_page(request, scheme, form, can_edit=True)


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


def _editable_key_stage(request: HttpRequest, pk: int, stage_pk: int) -> tuple[Scheme, KeyStage]:
    """The scheme and one of its key stages, for a user allowed to change them (else 403 or 404)."""
    scheme = _scheme(request, pk)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    try:
        return scheme, selectors.key_stage_for_user(request.user, scheme, stage_pk)
    except KeyStage.DoesNotExist:
        raise Http404("This scheme has no such key stage.") from None


@login_required
@require_http_methods(["GET", "POST"])
def key_stage_edit(request: HttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    scheme, key_stage = _editable_key_stage(request, pk, stage_pk)
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


@login_required
@require_POST
def key_stage_remove(request: HttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    scheme, key_stage = _editable_key_stage(request, pk, stage_pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # a garbled version never matches: treated as changed
    try:
        services.key_stage_remove(actor=request.user, key_stage=key_stage, expected_version=version)
    except services.EditConflict as error:
        messages.error(request, str(error))
        return redirect("schemes:key-stage-edit", pk=scheme.pk, stage_pk=stage_pk)
    messages.success(request, f'Removed "{key_stage.name}" from the plan. The change history keeps it.')
    return redirect("schemes:key-stages", pk=scheme.pk)


# --- Workbook import -----------------------------------------------------------------------------------

# What a workbook can record besides schemes. The services check each with the importing user's role,
# so a role without one of these can import only files that do not record it.
IMPORT_EXTRA_ACTIONS = (Action.RATE_SCHEMES, Action.ASSESS_DELIVERY, Action.OVERRIDE_FIGURES)


def _import_page(request: HttpRequest, organisation: Any, year: Any, *, form: WorkbookUploadForm | None = None,
                 errors: list[SummaryError] | None = None, problems: Any = (), file_name: str = "",
                 report: ImportReport | None = None, upload: uploads.PendingUpload | None = None,
                 status: int = 200) -> HttpResponse:
    form = form or WorkbookUploadForm()
    # The first problems are listed and the rest counted: a file of 100,000 bad rows made a 17 MB page.
    problems = list(problems)
    shown, more = split_problems(problems)
    return render(request, "schemes/import.html", {
        "form": form,
        "errors": [*(errors or []), *form_errors(form)],
        "problems": shown,
        "problem_count": len(problems),
        "problem_count_text": f"{len(problems):,}",
        "more_problems": more,
        "more_problems_text": more_problems(more),
        "file_name": file_name,
        "report": report,
        "upload": upload,
        "confirm_form": WorkbookConfirmForm(initial={"digest": upload.digest}) if upload else None,
        "scheme_count": len(report.created) + len(report.updated) + len(report.unchanged) if report else 0,
        "organisation": organisation,
        "year": year,
        "missing_actions": [a.value for a in IMPORT_EXTRA_ACTIONS if not can(request.user, a, organisation)],
    }, status=status)


def _role_refusal(refused: PermissionDenied) -> SummaryError:
    return SummaryError(
        f"{refused} The workbook records more than schemes (RAG ratings, changes in delivery or figures that "
        "differ from the formula), so importing it needs a role that may record those too, such as "
        "administrator. Nothing has been saved."
    )


@login_required
@require_http_methods(["GET", "POST"])
def workbook_import_page(request: HttpRequest) -> HttpResponse:
    """Import a scheme workbook into the working organisation and year, in two steps.

    Posting a file checks it and shows what importing would do, saving nothing; the file is kept on
    the server (schemes/uploads.py) and "Import N schemes" imports that same file for real.
    """
    if (response := _no_working_context(request)) is not None:
        return response
    organisation, year = _working(request)
    require(request.user, Action.EDIT_SCHEMES, organisation)
    if request.method == "GET":
        return _import_page(request, organisation, year)
    step = request.POST.get("step")
    if step == "cancel":
        uploads.discard(request.session)
        messages.info(request, "Import cancelled: nothing was saved.")
        return redirect("schemes:import")
    if step == "confirm":
        return _import_confirm(request, organisation, year)
    uploads.discard(request.session)  # a new upload replaces any file checked before
    form = WorkbookUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, organisation, year, form=form)
    workbook = form.cleaned_data["workbook"]
    content = workbook.read()
    sheet = form.cleaned_data["sheet"]
    try:
        # Reads the file and compares it with what is saved: no transaction, nothing written.
        report = workbook_check(actor=request.user, organisation=organisation, year_name=year.name,
                                source=io.BytesIO(content), sheet=sheet, name=workbook.name)
    except WorkbookInvalid as invalid:
        return _import_page(request, organisation, year, form=form, problems=invalid.problems,
                            file_name=workbook.name)
    except PermissionDenied as refused:
        return _import_page(request, organisation, year, form=form, errors=[_role_refusal(refused)], status=403)
    upload = uploads.keep(request.session, content=content, name=workbook.name, sheet=sheet,
                          organisation_id=organisation.pk, year_id=year.pk)
    return _import_page(request, organisation, year, report=report, upload=upload)


def _import_confirm(request: HttpRequest, organisation: Any, year: Any) -> HttpResponse:
    upload = uploads.pending(request.session)
    form = WorkbookConfirmForm(request.POST)
    if upload is None:
        return _import_page(request, organisation, year, status=400, errors=[SummaryError(
            "There is no checked workbook waiting to be imported: it was imported or cancelled already, or you "
            "have signed in again since. Nothing has been saved. Choose the workbook and check it again."
        )])
    if not form.is_valid() or form.cleaned_data["digest"] != upload.digest:
        # Another tab checked a different file since this page was drawn: that one stays waiting.
        return _import_page(request, organisation, year, status=CONFLICT, errors=[SummaryError(
            f"You have checked another workbook ({upload.name}) since this page was shown, perhaps in another "
            "tab. Nothing has been saved. Choose the workbook you want to import and check it again."
        )])
    if (upload.organisation_id, upload.year_id) != (organisation.pk, year.pk):
        uploads.discard(request.session)
        return _import_page(request, organisation, year, status=400, errors=[SummaryError(
            f"You changed the working organisation or year after checking {upload.name}. Nothing has been saved. "
            f"Check it again to import it into {organisation.name}, {year.name}."
        )])
    try:
        content = uploads.claim(upload)
    except uploads.UploadGone as gone:
        uploads.forget(request.session)
        return _import_page(request, organisation, year, status=400, errors=[SummaryError(str(gone))])
    try:
        report = workbook_import(actor=request.user, organisation=organisation, year_name=year.name,
                                 source=io.BytesIO(content), sheet=upload.sheet, name=upload.name)
    except WorkbookInvalid as invalid:
        return _import_page(request, organisation, year, problems=invalid.problems, file_name=upload.name)
    except PermissionDenied as refused:
        return _import_page(request, organisation, year, errors=[_role_refusal(refused)], status=403)
    finally:
        uploads.discard(request.session)
    counts = (f"{len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged; "
              + _overrides_kept(len(report.overrides)))
    if report.changed:
        messages.success(request, f"Imported {upload.name} into {organisation.name}, {year.name}: {counts}.")
    else:
        messages.info(request, f"{upload.name} matches what is already saved for {organisation.name}, "
                               f"{year.name}, so importing it changed nothing: {counts}.")
    return redirect("schemes:register")


def _overrides_kept(count: int) -> str:
    if count == 1:
        return "1 figure kept as a published override"
    return f"{count or 'no'} figures kept as published overrides"
