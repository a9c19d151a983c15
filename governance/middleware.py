"""Attach the user's working organisation and year (remembered in the session) to each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from governance.selectors import working_context

SESSION_ORGANISATION = "working_organisation_id"
SESSION_YEAR = "working_year_id"


class WorkingContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Lazy: API calls and static pages that never ask pay no queries.
        context = SimpleLazyObject(
            lambda: _Context(
                *working_context(request.user, request.session.get(SESSION_ORGANISATION),
                                 request.session.get(SESSION_YEAR))
            )
        )
        request.working = context  # type: ignore[attr-defined]
        return self.get_response(request)


class _Context:
    def __init__(self, organisation, year) -> None:  # type: ignore[no-untyped-def]
        self.organisation = organisation
        self.year = year


def follow_into(request: HttpRequest, organisation: object, year: object) -> None:
    """Make `organisation` and `year` the working ones (a link led the user to a record there).

    So the header, navigation and totals always match the record on the page.
    """
    if request.session.get(SESSION_ORGANISATION) == organisation.pk and request.session.get(SESSION_YEAR) == year.pk:  # type: ignore[attr-defined]
        return
    request.session[SESSION_ORGANISATION] = organisation.pk  # type: ignore[attr-defined]
    request.session[SESSION_YEAR] = year.pk  # type: ignore[attr-defined]
    request.working = _Context(organisation, year)  # type: ignore[attr-defined]
