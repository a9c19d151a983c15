"""The administrators' Background jobs page: every recorded run of the working organisation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from governance.filters import JobRunFilterSet
from governance.forms import form_errors
from governance.middleware import working_of
from governance.permissions import Action, require
from governance.selectors import job_runs

RUNS_A_PAGE = 50


@login_required
@require_safe
def job_runs_page(request: HttpRequest) -> HttpResponse:
    """Administrators only (403 for every other role): runs are how they see the schedule and finance's jobs."""
    organisation = working_of(request).organisation
    if organisation is None:
        return render(request, "includes/no_context_page.html")
    require(request.user, Action.SEE_JOB_RUNS, organisation)
    filterset = JobRunFilterSet(request.GET or None, queryset=job_runs(request.user, organisation),
                                request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    page = Paginator(filterset.qs if valid else job_runs(request.user, organisation).none(),
                     RUNS_A_PAGE).get_page(request.GET.get("page"))
    return render(request, "governance/job_runs.html", {
        "filterset": filterset, "page": page, "runs": list(page.object_list),
        "errors": form_errors(filterset.form) if filterset.is_bound else [],
    })
