"""Attach the user's working organisation and year (remembered in the session) to each request, and end
sessions that have been idle too long or have lasted longer than a working day."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from governance.selectors import working_context

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation

SESSION_ORGANISATION = "working_organisation_id"
SESSION_YEAR = "working_year_id"
SESSION_SIGNED_IN_AT = "signed_in_at"
SESSION_RENEWED_AT = "idle_expiry_renewed_at"
# How often a request renews the session's idle expiry (a save): not every request, which would write the
# session row on every page; so a session ends between IDLE - RENEW and IDLE seconds after the last request.
RENEW_EVERY_SECONDS = 120


def session_started(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """At sign-in (Django's user_logged_in): when the working day starts, and the idle expiry just set.

    Stamped here, in the session sign-in saves anyway, so a page after sign-in does not save it again.
    """
    now = time.time()
    request.session[SESSION_SIGNED_IN_AT] = now
    request.session[SESSION_RENEWED_AT] = now


class SessionLifetimeMiddleware:
    """Sign out a session older than SESSION_MAX_SECONDS (a working day), and keep an active one from
    reaching its idle expiry (SESSION_COOKIE_AGE after its last save, enforced by the session store)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in_at = session.setdefault(SESSION_SIGNED_IN_AT, now)
            if now - float(signed_in_at) > settings.SESSION_MAX_SECONDS:
                logout(request)
                messages.info(request, "You have been signed in for a working day, so you were signed out. "
                                       "Sign in again to carry on.")
                return redirect_to_login(request.get_full_path())
            if now - float(session.get(SESSION_RENEWED_AT, 0)) > RENEW_EVERY_SECONDS:
                session[SESSION_RENEWED_AT] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


class WorkingContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Lazy: API calls and static pages that never ask pay no queries.
        context = SimpleLazyObject(
            lambda: WorkingContext(
                *working_context(request.user, request.session.get(SESSION_ORGANISATION),
                                 request.session.get(SESSION_YEAR))
            )
        )
        request.working = context  # type: ignore[attr-defined]  # HttpRequest has no such attribute: read by working_of
        return self.get_response(request)


class WorkingContext:
    """The organisation and financial year the user is working in (either may be unset)."""

    def __init__(self, organisation: Organisation | None, year: FinancialYear | None) -> None:
        self.organisation = organisation
        self.year = year


def working_of(request: HttpRequest) -> WorkingContext:
    """The request's working organisation and year (WorkingContextMiddleware attaches them to every request)."""
    context: WorkingContext = request.working  # type: ignore[attr-defined]  # set by the middleware above
    return context


def follow_into(request: HttpRequest, organisation: Organisation, year: FinancialYear) -> None:
    """Make `organisation` and `year` the working ones (a link led the user to a record there).

    So the header, navigation and totals always match the record on the page.
    """
    if request.session.get(SESSION_ORGANISATION) == organisation.pk and request.session.get(SESSION_YEAR) == year.pk:
        return
    request.session[SESSION_ORGANISATION] = organisation.pk
    request.session[SESSION_YEAR] = year.pk
    request.working = WorkingContext(organisation, year)  # type: ignore[attr-defined]  # as the middleware does
