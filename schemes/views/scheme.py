"""One scheme: its page, creating and editing it, and overriding its computed figures."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from governance.forms import add_service_errors
from governance.permissions import Action, acting_user, require
from governance.selectors import decisions_about
from governance.views import decision_about_page
from schemes import selectors, services
from schemes.forms import OverrideClearForm, OverrideForm, SchemeForm
from schemes.models import Figure, Programme, Scheme
from schemes.presentation import display_scheme_value, figure_workings, scheme_change_history
from schemes.selectors import active_overrides, override_token, scheme_as_of_version
from schemes.views.common import CONFLICT, AnyForm, form_after_conflict, no_context_page, scheme_or_404, working


@login_required
@require_safe
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = scheme_or_404(request, pk, for_page=True)
    return render(request, "schemes/detail.html", {
        "scheme": scheme,
        "workings": figure_workings(scheme),
        "history": scheme_change_history(scheme),
        "active_overrides": list(active_overrides(scheme).values()),
        "decisions": list(decisions_about(request.user, scheme)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def scheme_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a meeting's decision about this scheme (shown on its page and the meeting's)."""
    scheme = scheme_or_404(request, pk)
    return decision_about_page(request, scheme, organisation=scheme.organisation, year=scheme.year,
                               subject_name=f"scheme {scheme.reference} {scheme.name}",
                               back_url=reverse("schemes:detail", args=[scheme.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def scheme_create(request: HttpRequest) -> HttpResponse:
    organisation, year = working(request)
    if organisation is None or year is None:
        return no_context_page(request)
    require(request.user, Action.EDIT_SCHEMES, organisation)
    form = SchemeForm(request.POST or None, programmes=selectors.programmes_for(request.user, organisation), year=year)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            scheme = services.scheme_create(
                actor=acting_user(request), organisation=organisation, year=year,
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
    chosen = form.cleaned_data.get("programme")
    programmes = selectors.programme_names({current.programme_id, *([chosen.pk] if chosen else [])})
    data = posted.copy()
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
    scheme = scheme_or_404(request, pk, for_page=True)
    require(request.user, Action.EDIT_SCHEMES, scheme.organisation)
    programmes = selectors.programmes_for(request.user, scheme.organisation)
    form = SchemeForm(request.POST or None, instance=scheme, programmes=programmes, year=scheme.year)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.scheme_update(
                actor=acting_user(request), scheme=scheme, expected_version=form.cleaned_data["version"],
                changes=form.changes(),
            )
        except services.EditConflict as conflict:
            current = conflict.current
            started_from = scheme_as_of_version(scheme, form.cleaned_data["version"])
            rows, data = _conflict(form, current, started_from, request.POST)
            form = form_after_conflict(SchemeForm, data, saved={"version": current.version}, instance=scheme,
                                       programmes=programmes, year=scheme.year)
            return render(request, "schemes/edit.html", {
                "form": form, "scheme": scheme, "conflict": str(conflict), "conflict_rows": rows, "current": current,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Scheme {saved.reference} {saved.name} saved.")
            return redirect("schemes:detail", pk=saved.pk)
    return render(request, "schemes/edit.html", {"form": form, "scheme": scheme})


@login_required
@require_http_methods(["GET", "POST"])
def figure_override(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = scheme_or_404(request, pk, for_page=True)
    require(request.user, Action.OVERRIDE_FIGURES, scheme.organisation)
    initial = {}
    if request.GET.get("figure") in Figure.values:
        initial = {"figure": request.GET["figure"], "value": getattr(scheme, request.GET["figure"])}
    form = OverrideForm(request.POST or None, initial={**initial, "seen": override_token(scheme)})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        save = partial(services.figure_override_set, actor=acting_user(request), scheme=scheme, figure=data["figure"],
                       value=data["value"], reason=data["reason"])
        done = f"{Figure(data['figure']).label} of {scheme.reference} overridden. The reason is shown with the figure."
        form, status, saved = _save_override(request, form, scheme, save, done)
        if saved is not None:
            return saved
    return render(request, "schemes/override.html", {"form": form, "scheme": scheme,
                                                     "workings": figure_workings(scheme)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def figure_override_clear(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    scheme = scheme_or_404(request, pk, for_page=True)
    require(request.user, Action.OVERRIDE_FIGURES, scheme.organisation)
    override = active_overrides(scheme).get(figure)
    if override is None:
        raise Http404("That figure is not overridden.")
    form = OverrideClearForm(request.POST or None, initial={"seen": override_token(scheme)})
    status = 200
    if request.method == "POST" and form.is_valid():
        save = partial(services.figure_override_clear, actor=acting_user(request), scheme=scheme, figure=figure,
                       reason=form.cleaned_data["reason"])
        done = f"Override of {override.get_figure_display()} cleared: the figure is the formula's again."
        form, status, saved = _save_override(request, form, scheme, save, done)
        if saved is not None:
            return saved
    return render(request, "schemes/override_clear.html", {"form": form, "scheme": scheme, "override": override},
                  status=status)


def _save_override(
    request: HttpRequest, form: AnyForm, scheme: Scheme, save: Callable[..., object], done: str
) -> tuple[AnyForm, int, HttpResponse | None]:
    """Set or clear an override, stating the token the page was drawn with (a missing one never matches).

    Returns the form and status to draw the page with, and the redirect to the scheme's figures once saved.
    After someone else's change the page is drawn again (409) with the figures as they are now.
    """
    seen = form.cleaned_data.get("seen")
    try:
        save(expected_token=seen if seen is not None else -1)
    except services.EditConflict as conflict:
        scheme.refresh_from_db()
        return form_after_conflict(type(form), request.POST, saved={"seen": override_token(scheme)},
                                   message=str(conflict)), CONFLICT, None
    except ValidationError as error:
        add_service_errors(form, error)
        return form, 200, None
    messages.success(request, done)
    return form, 200, redirect(reverse("schemes:detail", args=[scheme.pk]) + "#figures")
