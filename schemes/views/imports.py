"""Importing a scheme workbook in two steps: check the file, then import it."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from governance.forms import SummaryError, form_errors
from governance.permissions import Action, acting_user, can, require
from schemes import uploads
from schemes.forms import WorkbookConfirmForm, WorkbookUploadForm
from schemes.importers import (
    ImportReport,
    WorkbookInvalid,
    problem_summary,
    workbook_check,
    workbook_import,
)
from schemes.views.common import CONFLICT, no_context_page, working

# What a workbook can record besides schemes. The services check each with the importing user's role,
# so a role without one of these can import only files that do not record it.
IMPORT_EXTRA_ACTIONS = (Action.RATE_SCHEMES, Action.ASSESS_DELIVERY, Action.OVERRIDE_FIGURES)


def _import_page(request: HttpRequest, organisation: Any, year: Any, *, form: WorkbookUploadForm | None = None,
                 errors: list[SummaryError] | None = None, problems: Any = (), file_name: str = "",
                 report: ImportReport | None = None, upload: uploads.PendingUpload | None = None,
                 status: int = 200) -> HttpResponse:
    form = form or WorkbookUploadForm()
    return render(request, "schemes/import.html", {
        "form": form,
        "errors": [*(errors or []), *form_errors(form)],
        **problem_summary(problems),
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
    organisation, year = working(request)
    if organisation is None or year is None:
        return no_context_page(request)
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
        report = workbook_check(actor=acting_user(request), organisation=organisation, year_name=year.name,
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
        report = workbook_import(actor=acting_user(request), organisation=organisation, year_name=year.name,
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
