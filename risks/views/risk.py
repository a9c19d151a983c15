"""One risk: its page, history and decisions, and adding or editing it (an edit conflict answers 409)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from governance.forms import CONFLICT, add_service_errors, date_field, form_errors
from governance.middleware import follow_into, working_of
from governance.permissions import Action, acting_user, require
from governance.selectors import decisions_about
from governance.views import decision_about_page
from risks import selectors, services
from risks.forms import RiskForm
from risks.models import STAGE_LABELS, Risk
from risks.scoring import NOT_RECORDED
from risks.views.common import no_context_page, programme_and_scheme_choices


def _risk_or_404(request: HttpRequest, pk: int) -> Risk:
    try:
        risk = selectors.risk_for_page(request.user, pk)
    except Risk.DoesNotExist:
        raise Http404("No risk found that you can see.") from None
    if risk.year is not None:
        follow_into(request, risk.organisation, risk.year)
    return risk


@login_required
@require_safe
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk_or_404(request, pk)
    as_of_field = date_field("Scores on", required=False)
    as_of = None
    as_of_error = ""
    as_of_scores = None
    if request.GET.get("as_of"):
        try:
            as_of = as_of_field.clean(request.GET["as_of"])
        except ValidationError as error:
            as_of_error = " ".join(error.messages)
        else:
            version = selectors.risk_as_of(risk, as_of)
            as_of_scores = selectors.stage_scores(version) if version is not None else []
    return render(request, "risks/detail.html", {
        "risk": risk, "scores": selectors.stage_scores(risk), "reviews": selectors.risk_score_history(risk),
        "as_of": as_of, "as_of_text": request.GET.get("as_of", "")[:20], "as_of_error": as_of_error,
        "as_of_scores": as_of_scores, "not_recorded": NOT_RECORDED,
        "decisions": list(decisions_about(request.user, risk)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def risk_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a meeting's decision about this risk (shown on its page and the meeting's)."""
    risk = _risk_or_404(request, pk)
    year = risk.year or working_of(request).year
    if year is None:
        return render(request, "includes/no_context_page.html")
    return decision_about_page(request, risk, organisation=risk.organisation, year=year,
                               subject_name=f"risk {risk.title}", back_url=reverse("risks:detail", args=[risk.pk]))


@login_required
@require_safe
def risk_history(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk_or_404(request, pk)
    return render(request, "risks/history.html", {"risk": risk, "history": selectors.risk_change_history(risk)})


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return no_context_page(request)
    require(request.user, Action.RECORD_RISKS, organisation)
    form = RiskForm(request.POST or None, **programme_and_scheme_choices(request, organisation, year))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            risk = services.risk_create(actor=acting_user(request), organisation=organisation,
                                        year=year, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f'Risk "{risk.title}" added.')
            return redirect("risks:detail", pk=risk.pk)
    return render(request, "risks/edit.html", {"form": form, "risk": None, "errors": form_errors(form)})


def _conflict_rows(form: RiskForm, current: Risk) -> list[dict[str, str]]:
    """Where what the user typed and the saved version differ, field by field."""
    saved = RiskForm.initial_for(current)
    rows = []
    for name, value in form.changes().items():
        saved_value = saved.get(name)
        mine = "" if value is None else str(getattr(value, "pk", value))
        theirs = "" if saved_value in (None, "") else str(saved_value)
        if mine != theirs:
            field = form.fields[name]
            label = str(field.label)
            if name.endswith(("_likelihood", "_impact")) and not name.startswith("impact"):
                label = f"{STAGE_LABELS[name.rsplit('_', 1)[0]]} {label.lower()}"
            rows.append({"label": label, "yours": mine or "–", "saved": theirs or "–"})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk_or_404(request, pk)
    require(request.user, Action.RECORD_RISKS, risk.organisation)
    choices = programme_and_scheme_choices(request, risk.organisation, risk.year)
    initial = RiskForm.initial_for(risk)
    form = RiskForm(request.POST or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.risk_update(actor=acting_user(request), risk=risk,
                                         expected_version=form.cleaned_data["version"] or risk.version,
                                         changes=form.changes())
        except services.EditConflict as conflict:
            current = conflict.current
            rows = _conflict_rows(form, current)
            data = request.POST.copy()
            data["version"] = str(current.version)  # saving again is a deliberate overwrite
            form = RiskForm(data, initial=initial, **choices)
            form.is_valid()
            return render(request, "risks/edit.html", {
                "form": form, "risk": current, "conflict": str(conflict), "conflict_rows": rows,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f'Risk "{saved.title}" saved.')
            return redirect("risks:detail", pk=saved.pk)
    return render(request, "risks/edit.html", {"form": form, "risk": risk, "errors": form_errors(form)})
