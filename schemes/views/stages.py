"""Stage gates (moving a scheme between stages) and key stages (its dated milestones)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from governance.forms import add_service_errors, form_errors
from governance.permissions import Action, acting_user, can, require
from schemes import selectors, services
from schemes.forms import KeyStageForm, KeyStageTemplateForm, StageChangeForm
from schemes.models import STAGE_GATEWAYS, GatewayDecision, KeyStage, Scheme, Stage
from schemes.views.common import CONFLICT, form_after_conflict, scheme_or_404


@login_required
@require_http_methods(["GET", "POST"])
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a scheme between stages with the gateway approval recorded."""
    scheme = scheme_or_404(request, pk)
    form = StageChangeForm(request.POST or None, scheme=scheme)
    status = 200
    conflict: services.EditConflict | None = None
    if request.method == "POST":
        require(request.user, Action.APPROVE_GATEWAYS, scheme.organisation)
        valid = form.is_valid()
        if not valid and _drawn_before(form, scheme):
            # The page was drawn for a stage the scheme has since left, so its choices no longer fit:
            # that is someone else's save (409), not the user's mistake.
            conflict, status = services.stage_moved(scheme), CONFLICT
            form = form_after_conflict(StageChangeForm, request.POST, saved={"version": scheme.version}, scheme=scheme)
        elif valid:
            data = form.cleaned_data
            try:
                change = services.scheme_stage_change(
                    actor=acting_user(request), scheme=scheme, expected_version=data["version"],
                    to_stage=data["to_stage"],
                    approver=data["approver"], decided_on=data["decided_on"], decision=data["decision"],
                    note=data["note"], confirmed=data["confirmed"],
                )
            except services.EditConflict as error:
                conflict = error
                status = CONFLICT
                scheme = scheme_or_404(request, pk)
                # What the user posted, redrawn against the saved scheme: saving again is a deliberate decision on it.
                form = form_after_conflict(StageChangeForm, request.POST, saved={"version": scheme.version},
                                           scheme=scheme)
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


def _gateway_table() -> list[dict[str, Any]]:
    return [{"stage": stage, "approvals": [label for _, label in STAGE_GATEWAYS[stage.value]]} for stage in Stage]


@login_required
@require_safe
def key_stages(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = scheme_or_404(request, pk)
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
@require_safe
def key_stages_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = scheme_or_404(request, pk)
    return render(request, "schemes/key_stages_timeline.html",
                  {"scheme": scheme, "timeline": selectors.key_stage_timeline(scheme)})


@login_required
@require_POST
def key_stages_template(request: HttpRequest, pk: int) -> HttpResponse:
    """Add Bexley's 20 key stages (those the scheme lacks), baselined a month apart."""
    scheme = scheme_or_404(request, pk)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    form = KeyStageTemplateForm(request.POST)
    if form.is_valid():
        try:
            added = services.key_stages_from_template(actor=acting_user(request), scheme=scheme,
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
    scheme = scheme_or_404(request, pk)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    form = KeyStageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key_stage = services.key_stage_create(actor=acting_user(request), scheme=scheme,
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
    scheme = scheme_or_404(request, pk)
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
                actor=acting_user(request), key_stage=key_stage, expected_version=form.cleaned_data["version"],
                changes=_key_stage_changes(form.cleaned_data),
            )
        except services.EditConflict as error:
            conflict = error
            status = CONFLICT
            # Saving again from here overwrites knowingly: the form now states the saved version.
            form = form_after_conflict(KeyStageForm, request.POST, saved={"version": error.current.version},
                                       initial=initial)
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
        services.key_stage_remove(actor=acting_user(request), key_stage=key_stage, expected_version=version)
    except services.EditConflict as error:
        messages.error(request, str(error))
        return redirect("schemes:key-stage-edit", pk=scheme.pk, stage_pk=stage_pk)
    messages.success(request, f'Removed "{key_stage.name}" from the plan. The change history keeps it.')
    return redirect("schemes:key-stages", pk=scheme.pk)
