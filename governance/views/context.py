"""Choosing the working organisation and year, and the page to return to afterwards."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR, remember_organisation
from governance.selectors import financial_year, organisations_for, organisations_matching


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
        remember_organisation(request, organisation.pk)
    year = financial_year(_id(request.POST.get("year")))
    if year is not None:
        request.session[SESSION_YEAR] = year.pk
    return HttpResponseRedirect(safe_next(request, request.POST.get("next", "")))


@login_required
@require_safe
def organisation_switch(request: HttpRequest) -> HttpResponse:
    """Find an organisation to work in by its name or ODS code (a plain GET form: no script), then choose it.

    The header lists only a few organisations; a superuser of a national instance can see hundreds. What was
    typed is shown back only beside matches (theirs): a page never names another organisation's code.
    """
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL in text
    return render(request, "governance/organisation_switch.html", {
        "q": text, "found": organisations_matching(request.user, text) if text else None,
        "next": safe_next(request, request.GET.get("next", "")),
    })


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
