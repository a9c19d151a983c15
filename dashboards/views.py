from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from dashboards import panels
from dashboards.forms import BoardPackForm
from dashboards.services import BOARD_PACK_TASK, board_pack_queue
from finance.selectors import board_pack_download, board_pack_run, board_pack_runs, portfolio_rows, savings_gap
from governance.audit import export_recorded
from governance.formatting import month_label
from governance.forms import add_service_errors
from governance.middleware import follow_into, working_of
from governance.models import FinancialYear, JobStatus, Organisation, Role
from governance.permissions import Action, acting_user, allowed_actions, require, role_in
from governance.selectors import organisations_for
from schemes.selectors import (
    latest_closed_month,
    portfolio_summary,
    programme_rollup,
    programme_targets,
    year_scheme_sums,
)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The year at a glance; a governing-body viewer, who reads rather than keeps the registers, has the dashboard
    as home (rendered here, so Home stays the current item; the glance is still at `at-a-glance`)."""
    working = working_of(request)
    if working.organisation and working.year and role_in(request.user, working.organisation) == Role.VIEWER:
        return _dashboard(request, working.organisation, working.year)
    return at_a_glance(request)


@login_required
@require_safe
def at_a_glance(request: HttpRequest) -> HttpResponse:
    """The working organisation's year at a glance: totals, savings gap, RAG mix, programme targets."""
    working = working_of(request)
    context = {}
    if working.organisation and working.year:
        sums = year_scheme_sums(request.user, working.organisation, working.year)
        context = {
            "summary": portfolio_summary(request.user, working.organisation, working.year, sums),
            "gap": savings_gap(request.user, working.organisation, working.year, sums),
            "ytd_month": latest_closed_month(request.user, working.organisation, working.year),
            "programmes": programme_rollup(request.user, working.organisation, working.year),
            "targets": programme_targets(request.user, working.organisation),
        }
    return render(request, "dashboards/home.html", context)


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """The governing body's view of the working organisation and year, drawn from stored figures only."""
    working = working_of(request)
    if working.organisation and working.year:
        return _dashboard(request, working.organisation, working.year)
    return render(request, "dashboards/dashboard.html", {})


@login_required
@require_safe
def organisation_dashboard(request: HttpRequest, ods_code: str, start_year: int) -> HttpResponse:
    """One organisation's dashboard for a year (the portfolio's drill-down): it becomes the working one, so the
    header and every other page follow. Another organisation's is not found."""
    organisation = organisations_for(request.user).filter(ods_code=ods_code).first()
    financial_year = FinancialYear.objects.filter(start_year=start_year).first()  # shared reference data
    if organisation is None or financial_year is None:
        raise Http404("No such organisation or year among yours.")
    follow_into(request, organisation, financial_year)
    return _dashboard(request, organisation, financial_year)


def _dashboard(request: HttpRequest, organisation: Organisation, year: FinancialYear) -> HttpResponse:
    """The dashboard as at the month asked for (`?month=1..12`), else the data month."""
    month = request.GET.get("month", "")
    chosen = int(month) if month.isdigit() and 1 <= int(month) <= 12 else None
    return render(request, "dashboards/dashboard.html", {
        "page": panels.dashboard_page(request.user, organisation, year, chosen), "chosen_month": chosen,
        "months": [(m, month_label(year.start_year, m)) for m in range(1, 13)]})


@login_required
@require_safe
def portfolio(request: HttpRequest) -> HttpResponse:
    """Every organisation of the user, one row each, each drilling down to its dashboard."""
    return render(request, "dashboards/portfolio.html", {"rows": portfolio_rows(request.user)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["GET", "POST"])
def board_packs(request: HttpRequest) -> HttpResponse:
    """The working year's board packs (any member may download one); finance and administrators produce them."""
    working = working_of(request)
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working.organisation, working.year
    default_month = latest_closed_month(request.user, organisation, year) or 1
    form = BoardPackForm(request.POST or None, initial={"month": default_month})
    if request.method == "POST":
        require(request.user, Action.PRODUCE_BOARD_PACK, organisation)
        if form.is_valid():
            try:
                run = board_pack_queue(actor=acting_user(request), organisation=organisation, year=year,
                                       month=form.cleaned_data["month"], commentary=form.cleaned_data["commentary"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Board pack for M{run.month} asked for.")
                return redirect("board-pack", pk=run.pk)
    return render(request, "dashboards/board_packs.html", {
        "runs": board_pack_runs(request.user, organisation, year, BOARD_PACK_TASK), "form": form,
        "can": allowed_actions(request.user, organisation),
    })


@login_required
@require_safe
def board_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """One run's progress: queued, running, ready (with the download) or failed (with the reason). While it is
    queued or running, static/js/board_pack.js reloads the page every few seconds."""
    found = board_pack_run(request.user, pk, BOARD_PACK_TASK)
    if found is None or found.run.organisation is None or found.run.year is None:
        raise Http404("No such board pack")
    follow_into(request, found.run.organisation, found.run.year)
    pending = found.pack is None and found.run.status in (JobStatus.QUEUED, JobStatus.STARTED)
    return render(request, "dashboards/board_pack.html", {"run": found.run, "pack": found.pack, "pending": pending})


@login_required
@require_safe
def board_pack_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The produced .xlsx, for members of its organisation only (404 for anyone else)."""
    pack = board_pack_download(request.user, pk)
    if pack is None:
        raise Http404("No such board pack")
    response = HttpResponse(bytes(pack.content), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{pack.file_name}"'
    response["Content-Length"] = str(pack.size)
    response["Cache-Control"] = "private, no-store"
    export_recorded(request, organisation_id=pack.organisation_id, what=pack.file_name,
                    details={"bytes": pack.size})
    return response
