"""Attach the user's working organisation and year (remembered in the session) to each request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from governance.selectors import working_context

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation

SESSION_ORGANISATION = "working_organisation_id"
SESSION_YEAR = "working_year_id"


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
