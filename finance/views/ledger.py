"""Importing a ledger in two steps: check the file (nothing saved, the preview shown), then import that file.

The checked file is kept on the server between the steps exactly as the scheme workbook is (schemes.uploads,
under its own session key): the confirmation imports the bytes that were checked, or refuses if they changed.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from finance.forms.ledger import LedgerConfirmForm, LedgerUploadForm
from finance.importers import LedgerPlan, WorkbookInvalid, ledger_check, ledger_import
from governance.forms import CONFLICT, SummaryError, form_errors
from governance.middleware import working_of
from governance.permissions import Action, acting_user, require
from schemes import uploads
from schemes.importers import problem_summary

SESSION_KEY = "finance_ledger_import"


def _page(request: HttpRequest, organisation: Any, year: Any, *, form: LedgerUploadForm | None = None,
          errors: list[SummaryError] | None = None, problems: Any = (), file_name: str = "",
          plan: LedgerPlan | None = None, upload: uploads.PendingUpload | None = None,
          status: int = 200) -> HttpResponse:
    form = form or LedgerUploadForm()
    return render(request, "finance/ledger_import.html", {
        "form": form,
        "errors": [*(errors or []), *form_errors(form)],
        **problem_summary(problems),
        "file_name": file_name,
        "plan": plan,
        "lines": [{"line": line, "details": plan.details(line)} for line in plan.lines] if plan else [],
        "upload": upload,
        "confirm_form": LedgerConfirmForm(initial={"digest": upload.digest}) if upload else None,
        "organisation": organisation,
        "year": year,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import_page(request: HttpRequest) -> HttpResponse:
    """Import a ledger into the working organisation and year: finance and administrators only."""
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return render(request, "includes/no_context_page.html", status=200)
    require(request.user, Action.KEEP_BUDGETS, organisation)
    if request.method == "GET":
        return _page(request, organisation, year)
    step = request.POST.get("step")
    if step == "cancel":
        uploads.discard(request.session, key=SESSION_KEY)
        messages.info(request, "Ledger import cancelled: nothing was saved.")
        return redirect("finance:ledger-import")
    if step == "confirm":
        return _confirm(request, organisation, year)
    uploads.discard(request.session, key=SESSION_KEY)  # a new upload replaces any file checked before
    form = LedgerUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, organisation, year, form=form)
    ledger = form.cleaned_data["ledger"]
    content = ledger.read()
    try:
        # Reads the file and compares it with what is saved: no transaction, nothing written.
        plan = ledger_check(actor=acting_user(request), organisation=organisation, year_name=year.name,
                            source=io.BytesIO(content), name=ledger.name)
    except WorkbookInvalid as invalid:
        return _page(request, organisation, year, form=form, problems=invalid.problems, file_name=ledger.name)
    upload = uploads.keep(request.session, content=content, name=ledger.name, sheet=plan.sheet or None,
                          organisation_id=organisation.pk, year_id=year.pk, key=SESSION_KEY)
    return _page(request, organisation, year, plan=plan, upload=upload)


def _confirm(request: HttpRequest, organisation: Any, year: Any) -> HttpResponse:
    upload = uploads.pending(request.session, key=SESSION_KEY)
    form = LedgerConfirmForm(request.POST)
    if upload is None:
        return _page(request, organisation, year, status=400, errors=[SummaryError(
            "There is no checked ledger waiting to be imported: it was imported or cancelled already, or you have "
            "signed in again since. Nothing has been saved. Choose the file and check it again."
        )])
    if not form.is_valid() or form.cleaned_data["digest"] != upload.digest:
        # Another tab checked a different file since this page was drawn: that one stays waiting.
        return _page(request, organisation, year, status=CONFLICT, errors=[SummaryError(
            f"You have checked another ledger file ({upload.name}) since this page was shown, perhaps in another "
            "tab, so the file is not the one this page previewed. Nothing has been saved. Choose the file you want "
            "to import and check it again."
        )])
    if (upload.organisation_id, upload.year_id) != (organisation.pk, year.pk):
        uploads.discard(request.session, key=SESSION_KEY)
        return _page(request, organisation, year, status=400, errors=[SummaryError(
            f"You changed the working organisation or year after checking {upload.name}. Nothing has been saved. "
            f"Check it again to import it into {organisation.name}, {year.name}."
        )])
    try:
        content = uploads.claim(upload)
    except uploads.UploadGone:
        uploads.forget(request.session, key=SESSION_KEY)
        return _page(request, organisation, year, status=CONFLICT, errors=[SummaryError(
            f"The ledger file you checked ({upload.name}) is no longer waiting on the server, or it is not the file "
            "you checked: it was imported already, or it was checked too long ago. Nothing has been saved. Look "
            "at the budget lines, or choose the file and check it again."
        )])
    try:
        plan = ledger_import(actor=acting_user(request), organisation=organisation, year_name=year.name,
                             source=io.BytesIO(content), name=upload.name)
    except WorkbookInvalid as invalid:
        return _page(request, organisation, year, problems=invalid.problems, file_name=upload.name)
    finally:
        uploads.discard(request.session, key=SESSION_KEY)
    counts = f"{len(plan.created)} created, {len(plan.updated)} updated, {len(plan.unchanged)} unchanged"
    if plan.changed:
        messages.success(request, f"Imported {upload.name} into {organisation.name}, {year.name}. Budget lines: "
                                  f"{counts}.")
    else:
        messages.info(request, f"{upload.name} matches what is already saved for {organisation.name}, {year.name}, "
                               f"so importing it changed nothing. Budget lines: {counts}.")
    # The import's record lists every budget line it touched, each linking to the line's page.
    return redirect("import", plan.record.pk) if plan.record else redirect("finance:budgets")
