from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR
from governance.models import FinancialYear
from governance.selectors import organisations_for


@login_required
@require_POST
def switch_context(request: HttpRequest) -> HttpResponse:
    """Remember the organisation and year the user chose (only ones they may see)."""
    organisation = organisations_for(request.user).filter(pk=request.POST.get("organisation") or 0).first()
    if organisation is not None:
        if request.session.get(SESSION_ORGANISATION) != organisation.pk:
            request.session.pop(SESSION_YEAR, None)
        request.session[SESSION_ORGANISATION] = organisation.pk
    year = FinancialYear.objects.filter(pk=request.POST.get("year") or 0).first()
    if year is not None:
        request.session[SESSION_YEAR] = year.pk
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)
