from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from governance.permissions import Action, require
from schemes import exports, services
from schemes.filters import SchemeFilterSet
from schemes.forms import OverrideClearForm, OverrideForm, SchemeForm
from schemes.models import Figure, Phase, Programme, Rag, Scheme, Stage
from schemes.selectors import (
    display_scheme_value,
    figure_workings,
    latest_closed_month,
    register_rows,
    register_totals,
    scheme_as_of_version,
    scheme_change_history,
    scheme_for_page,
    sort_register,
)

# --- Register ---------------------------------------------------------------------------------------


def _register(request: HttpRequest) -> tuple[SchemeFilterSet, Any, str]:
    """The register's filter form, its rows (filtered and sorted) and the sort applied."""
    working = request.working  # type: ignore[attr-defined]
    base = register_rows(request.user, working.organisation, working.year)
    filterset = SchemeFilterSet(request.GET or None, queryset=base, request=request)
    fields = filterset.form.fields
    for name, choices in (("phase", Phase.choices), ("stage", Stage.choices), ("rag", Rag.choices)):
        fields[name].widget.choices = [("", "Any"), *choices]  # what the select shows; validation is unchanged
    fields["programme"].queryset = Programme.objects.for_user(request.user).filter(organisation=working.organisation)
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
    lines = (writer.writerow(row) for row in exports.register_rows_for_csv(rows))
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
        return scheme_for_page(request.user, pk)
    except Scheme.DoesNotExist:
        raise Http404("No scheme found that you can see.") from None


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme_or_404(request, pk)
    return render(request, "schemes/detail.html", {
        "scheme": scheme,
        "workings": figure_workings(scheme),
        "history": scheme_change_history(scheme),
        "active_overrides": [o for o in scheme.overrides.all() if o.cleared_at is None],
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
            form.add_service_errors(error)
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
            }, status=409)
        except ValidationError as error:
            form.add_service_errors(error)
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
    form = OverrideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.figure_override_set(
                actor=request.user, scheme=scheme, figure=form.cleaned_data["figure"],
                value=form.cleaned_data["value"], reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            label = Figure(form.cleaned_data["figure"]).label
            messages.success(request, f"{label} of {scheme.reference} overridden. The reason is shown with the figure.")
            return redirect(reverse("schemes:detail", args=[scheme.pk]) + "#figures")
    return render(request, "schemes/override.html", {"form": form, "scheme": scheme,
                                                     "workings": figure_workings(scheme)})


@login_required
@require_http_methods(["GET", "POST"])
def figure_override_clear(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    scheme = _scheme_or_404(request, pk)
    require(request.user, Action.OVERRIDE_FIGURES, scheme.organisation)
    override = next((o for o in scheme.overrides.all() if o.figure == figure and o.cleared_at is None), None)
    if override is None:
        raise Http404("That figure is not overridden.")
    form = OverrideClearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.figure_override_clear(actor=request.user, scheme=scheme, figure=figure,
                                           reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"Override of {override.get_figure_display()} cleared: "
                                      "the figure is the formula's again.")
            return redirect(reverse("schemes:detail", args=[scheme.pk]) + "#figures")
    return render(request, "schemes/override_clear.html", {"form": form, "scheme": scheme, "override": override})
