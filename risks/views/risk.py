"""Risk register pages: thin (parse, call a service or selector, render)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from governance.forms import CONFLICT, SummaryError, add_service_errors, date_field, form_errors, form_field
from governance.middleware import follow_into, working_of
from governance.permissions import Action, acting_user, require
from governance.selectors import decisions_about
from governance.views import decision_about_page
from risks import importers, selectors, services
from risks.filters import BAND_CHOICES, ONE_TO_FIVE, RiskFilterSet
from risks.forms import HeatMapForm, RiskConfirmForm, RiskForm, RiskUploadForm
from risks.models import STAGE_LABELS, Category, Risk
from risks.scoring import BAND_MEANINGS, BAND_RANGES, NOT_RECORDED
from schemes import uploads
from schemes.importers import more_problems, split_problems
from schemes.models import Programme, Scheme


def _no_context_page(request: HttpRequest) -> HttpResponse:
    """The page asking for an organisation and year, for a page that needs them when none is chosen."""
    return render(request, "includes/no_context_page.html", status=200)


def _choices(request: HttpRequest, organisation: Any, year: Any) -> dict[str, Any]:
    programmes = Programme.objects.for_user(request.user).filter(organisation=organisation).order_by("name")
    schemes = Scheme.objects.for_user(request.user).filter(organisation=organisation)
    if year is not None:
        schemes = schemes.filter(year=year)
    return {"programmes": programmes, "schemes": schemes.order_by("reference")}


def _bands() -> list[dict[str, Any]]:
    return [{"band": band, "low": BAND_RANGES[band][0], "high": BAND_RANGES[band][1],
             "meaning": BAND_MEANINGS[band]} for band, _ in BAND_CHOICES]


@login_required
def register(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return _no_context_page(request)
    base = selectors.risk_register(request.user, organisation, year)
    filterset = RiskFilterSet(request.GET or None, queryset=base, request=request)
    choices = _choices(request, organisation, year)
    fields = filterset.form.fields
    for name, what in (("scheme", "Any scheme"), ("programme", "Any programme")):
        field = form_field(filterset.form, name, forms.ModelChoiceField)
        field.queryset = choices[f"{name}s"]
        field.empty_label = what
    for name, declared in (("band", BAND_CHOICES), ("category", Category.choices), ("likelihood", ONE_TO_FIVE),
                           ("impact", ONE_TO_FIVE)):
        fields[name].widget.choices = [("", "Any"), *declared]  # the filter's choices, "Any" for its blank
    risks = list(filterset.qs)
    stage = filterset.stage() if filterset.is_bound and filterset.is_valid() else "current"
    rows = [{"risk": risk, "scores": selectors.stage_scores(risk)} for risk in risks]
    return render(request, "risks/register.html", {
        "filter": filterset, "rows": rows, "stage_label": STAGE_LABELS[stage], "bands": _bands(),
        "not_recorded": NOT_RECORDED,
    })


@login_required
def heat_map(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return _no_context_page(request)
    form = HeatMapForm(request.GET or None)
    stage = form.cleaned_data.get("scores") or "current" if form.is_valid() else "current"
    base = selectors.risk_register(request.user, organisation, year)
    grid = selectors.risk_heat_map(base, stage)
    unscored = base.filter(**{f"{stage}_likelihood__isnull": True}).count()
    return render(request, "risks/heat_map.html", {
        "form": form, "grid": grid, "stage": stage, "stage_label": STAGE_LABELS[stage], "impacts": range(1, 6),
        "total": sum(cell.count for row in grid for cell in row), "unscored": unscored, "bands": _bands(),
    })


def _risk_or_404(request: HttpRequest, pk: int) -> Risk:
    try:
        risk = selectors.risk_for_page(request.user, pk)
    except Risk.DoesNotExist:
        raise Http404("No risk found that you can see.") from None
    if risk.year is not None:
        follow_into(request, risk.organisation, risk.year)
    return risk


@login_required
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
def risk_history(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk_or_404(request, pk)
    return render(request, "risks/history.html", {"risk": risk, "history": selectors.risk_change_history(risk)})


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return _no_context_page(request)
    require(request.user, Action.RECORD_RISKS, organisation)
    form = RiskForm(request.POST or None, **_choices(request, organisation, year))
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
    choices = _choices(request, risk.organisation, risk.year)
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


# --- Import (check first, nothing saved; then confirm) -------------------------------------------------


class _RiskUploadSession:
    """The session seen by schemes.uploads under the risk import's own key, so a risk register checked here
    and a scheme workbook checked on the scheme import page wait side by side."""

    KEY = "risks_register_import"

    def __init__(self, session: Any) -> None:
        self.session = session

    def get(self, key: str, default: Any = None) -> Any:
        return self.session.get(self.KEY, default)

    def pop(self, key: str, default: Any = None) -> Any:
        return self.session.pop(self.KEY, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.session[self.KEY] = value


def _import_page(request: HttpRequest, *, form: RiskUploadForm | None = None, problems: Any = (),
                 errors: list[SummaryError] | None = None, report: Any = None, upload: Any = None,
                 file_name: str = "", status: int = 200) -> HttpResponse:
    shown, more = split_problems(list(problems))
    form = form or RiskUploadForm()
    return render(request, "risks/import.html", {
        "form": form, "errors": errors if errors is not None else form_errors(form), "problems": shown,
        "more_problems": more_problems(more) if more else "", "report": report, "upload": upload,
        "file_name": file_name,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def risk_import_page(request: HttpRequest) -> HttpResponse:
    """Import a risk register into the working organisation and year: posting a file checks it and shows
    what importing would do, saving nothing; "Import" then imports that same kept file, all or nothing."""
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return _no_context_page(request)
    require(request.user, Action.RECORD_RISKS, organisation)
    session = _RiskUploadSession(request.session)
    if request.method == "GET":
        return _import_page(request)
    step = request.POST.get("step")
    if step == "cancel":
        uploads.discard(session)
        messages.info(request, "Import cancelled: nothing was saved.")
        return redirect("risks:import")
    if step == "confirm":
        return _import_confirm(request, session, organisation, year)
    uploads.discard(session)
    form = RiskUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form)
    workbook = form.cleaned_data["workbook"]
    content = workbook.read()
    try:
        report = importers.risk_import_check(actor=acting_user(request), organisation=organisation, year_name=year.name,
                                             source=io.BytesIO(content), name=workbook.name)
    except importers.WorkbookInvalid as invalid:
        return _import_page(request, form=form, problems=invalid.problems, file_name=workbook.name)
    upload = uploads.keep(session, content=content, name=workbook.name, sheet=None,
                          organisation_id=organisation.pk, year_id=year.pk)
    return _import_page(request, report=report, upload=upload)


def _import_confirm(request: HttpRequest, session: Any, organisation: Any, year: Any) -> HttpResponse:
    upload = uploads.pending(session)
    form = RiskConfirmForm(request.POST)
    if upload is None:
        return _import_page(request, status=400, errors=[SummaryError(
            "There is no checked register waiting to be imported: it was imported or cancelled already. Nothing "
            "has been saved. Choose the workbook and check it again.")])
    if not form.is_valid() or form.cleaned_data["digest"] != upload.digest:
        return _import_page(request, status=CONFLICT, errors=[SummaryError(
            f"You have checked another workbook ({upload.name}) since this page was shown, perhaps in another tab. "
            "Nothing has been saved. Choose the workbook you want to import and check it again.")])
    if (upload.organisation_id, upload.year_id) != (organisation.pk, year.pk):
        uploads.discard(session)
        return _import_page(request, status=400, errors=[SummaryError(
            f"You changed the working organisation or year after checking {upload.name}. Nothing has been saved. "
            f"Check it again to import it into {organisation.name}, {year.name}.")])
    try:
        content = uploads.claim(upload)
    except uploads.UploadGone as gone:
        uploads.forget(session)
        return _import_page(request, status=400, errors=[SummaryError(str(gone))])
    try:
        report = importers.risk_import(actor=acting_user(request), organisation=organisation, year_name=year.name,
                                       source=io.BytesIO(content), name=upload.name)
    except importers.WorkbookInvalid as invalid:
        return _import_page(request, problems=invalid.problems, file_name=upload.name)
    finally:
        uploads.discard(session)
    messages.success(request, f"{upload.name} imported into {organisation.name}, {year.name}: "
                              f"{len(report.created)} created, {len(report.updated)} updated, "
                              f"{len(report.unchanged)} unchanged.")
    return redirect("risks:register")
