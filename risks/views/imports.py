"""Importing a risk register: check first (nothing saved), then confirm."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from governance.forms import CONFLICT, SummaryError, form_errors
from governance.middleware import working_of
from governance.permissions import Action, acting_user, require
from risks import importers
from risks.forms import RiskConfirmForm, RiskUploadForm
from risks.views.common import no_context_page
from schemes import uploads
from schemes.importers import more_problems, split_problems


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
        return no_context_page(request)
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
