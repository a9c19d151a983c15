"""Choosing the working organisation and year, and the page to return to afterwards."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR
from governance.selectors import financial_year, organisations_for


def _id(value: str | None) -> int:
    """A posted id, or 0 (matches nothing) when it is not a whole number."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


@login_required
@require_POST
def switch_context(request: HttpRequest) -> HttpResponse:
    """Remember the organisation and year the user chose (only ones they may see)."""
    organisation = organisations_for(request.user).filter(pk=_id(request.POST.get("organisation"))).first()
    if organisation is not None:
        if request.session.get(SESSION_ORGANISATION) != organisation.pk:
            request.session.pop(SESSION_YEAR, None)
        request.session[SESSION_ORGANISATION] = organisation.pk
    year = financial_year(_id(request.POST.get("year")))
    if year is not None:
        request.session[SESSION_YEAR] = year.pk
    return HttpResponseRedirect(safe_next(request, request.POST.get("next", "")))


def safe_next(request: HttpRequest, next_url: str) -> str:
    """A page of ours to return to: only a path on this site (never a view name or another host), else home."""
    next_url = (next_url or "").strip()
    if (
        not next_url.startswith("/")
        or next_url.startswith("//")
        or "\\" in next_url
        or not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    ):
        return "/"
    return next_url
