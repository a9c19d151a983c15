"""Attach the user's working organisation and year (remembered in the session) to each request, end sessions that
have been idle too long or have lasted longer than a working day, send a member whose password an administrator
reset to change it first, set the Permissions-Policy header, and answer 503 when the database cannot be reached."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from governance.selectors import working_context, years_for

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation

SESSION_ORGANISATION = "working_organisation_id"
SESSION_YEAR = "working_year_id"
SESSION_RECENT_ORGANISATIONS = "recent_organisation_ids"  # newest first: the header's switcher offers them
RECENT_ORGANISATIONS = 10
SESSION_SIGNED_IN_AT = "signed_in_at"
SESSION_RENEWED_AT = "idle_expiry_renewed_at"
SESSION_PASSWORD_CHANGE_DUE = "password_change_due"
# How often a request renews the session's idle expiry (a save): not every request, which would write the
# session row on every page; so a session ends between IDLE - RENEW and IDLE seconds after the last request.
RENEW_EVERY_SECONDS = 120
# What a database that cannot be reached (stopped, restarting, out of connections) raises at request time.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
UNAVAILABLE_DETAIL = ("The QIPP portal is not available at the moment. If you were saving a change, it has not been "
                      "saved. Please try again in a few minutes.")
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)


def session_started(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """At sign-in (Django's user_logged_in): when the working day starts, and the idle expiry just set.

    Stamped here, in the session sign-in saves anyway, so a page after sign-in does not save it again.
    """
    now = time.time()
    request.session[SESSION_SIGNED_IN_AT] = now
    request.session[SESSION_RENEWED_AT] = now


def password_change_due_at_sign_in(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    """At sign-in (user_logged_in): note in the session whether an administrator's reset is waiting to be changed.

    Read once here, so PasswordChangeRequiredMiddleware costs pages no query.
    """
    from governance.models import PasswordChangeDue

    if PasswordChangeDue.objects.filter(user_id=user.pk).exists():
        request.session[SESSION_PASSWORD_CHANGE_DUE] = True


class PasswordChangeRequiredMiddleware:
    """Until a member given a temporary password by an administrator chooses their own, every page sends them to
    the password page (signing out, static files and the health check still work)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and request.session.get(SESSION_PASSWORD_CHANGE_DUE):
            allowed = (reverse("password_change"), reverse("password_change_done"), reverse("logout"),
                       reverse("health"), settings.STATIC_URL if settings.STATIC_URL.startswith("/")
                       else f"/{settings.STATIC_URL}")
            if not request.path.startswith(allowed):
                return HttpResponseRedirect(reverse("password_change"))
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header: settings.PERMISSIONS_POLICY's browser features off for every response.

    Django's SecurityMiddleware sets HSTS, nosniff and the referrer policy, django-csp the content policy;
    neither sets this one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


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
    """The organisation and financial year the user is working in (either may be unset), and the years the header
    offers for that organisation: read once a request, with the organisation they belong to (a context made for
    another organisation, as follow_into makes, reads its own)."""

    def __init__(self, organisation: Organisation | None, year: FinancialYear | None,
                 years: list[FinancialYear] | None = None) -> None:
        self.organisation = organisation
        self.year = year
        self._years = years

    @property
    def years(self) -> list[FinancialYear]:
        if self._years is None:
            self._years = years_for(self.organisation)
        return self._years


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
    remember_organisation(request, organisation.pk)
    request.working = WorkingContext(organisation, year)  # type: ignore[attr-defined]  # as the middleware does


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """HTTP 503 in the user's words: the page for people, the API's one error body for /api/.

    Drawn without the request's context (no menu, no user): those would read the database that is down.
    """
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": "service_unavailable", "detail": UNAVAILABLE_DETAIL},
                                              status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    """A database that cannot be reached answers 503 "Service unavailable", never a stack trace.

    Nothing is half-written: every write is a service in one transaction (`@transaction.atomic`), which rolls
    back as the error leaves it, before this answers. Placed after authentication: the session and user are
    read here, where their failure can be caught (inside later middleware it would become a 500).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            request.user.is_authenticated  # noqa: B018 - loads the session and user now, a database read
        except DATABASE_UNAVAILABLE:
            logger.exception("The database is unavailable: answered 503")
            return service_unavailable(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.error("The database is unavailable: answered 503", exc_info=exception)
        return service_unavailable(request)


def remember_organisation(request: HttpRequest, organisation_id: int) -> None:
    """Put the organisation first among those worked in lately (the header's switcher lists them first)."""
    recent = [pk for pk in recent_organisations(request) if pk != organisation_id]
    request.session[SESSION_RECENT_ORGANISATIONS] = [organisation_id, *recent][:RECENT_ORGANISATIONS]


def recent_organisations(request: HttpRequest) -> list[int]:
    """Ids of the organisations worked in lately, newest first (only whole numbers: the session is ours)."""
    stored = request.session.get(SESSION_RECENT_ORGANISATIONS)
    return [pk for pk in stored if isinstance(pk, int)] if isinstance(stored, list) else []
