"""What the scheme pages share: the working organisation and year, the one scheme lookup, and the form
redrawn after an edit conflict (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from governance.forms import CONFLICT, AnyForm, form_after_conflict
from governance.middleware import follow_into, working_of
from schemes import selectors
from schemes.models import Scheme

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation

# The 409 page helpers live in governance.forms (every app's edit pages use them); re-exported for the scheme pages.
__all__ = ["CONFLICT", "AnyForm", "form_after_conflict", "no_context_page", "scheme_or_404", "url_of_each", "working"]


def working(request: HttpRequest) -> tuple[Organisation | None, FinancialYear | None]:
    """The organisation and financial year chosen at the top of every page (either may be unset)."""
    chosen = working_of(request)
    return chosen.organisation, chosen.year


_PLACEHOLDER = 2_147_000_123  # an id no page has yet: it marks where a row's id goes


def url_of_each(name: str) -> Callable[[int], str]:
    """`pk -> reverse(name, args=[pk])` with the URL reversed once (a list reverses it a row otherwise)."""
    before, after = reverse(name, args=[_PLACEHOLDER]).split(str(_PLACEHOLDER))
    return lambda pk: f"{before}{pk}{after}"


def no_context_page(request: HttpRequest) -> HttpResponse:
    """The page asking for an organisation and year, for a page that needs them when none is chosen."""
    return render(request, "includes/no_context_page.html", status=200)


def scheme_or_404(request: HttpRequest, pk: int, *, for_page: bool = False) -> Scheme:
    """The scheme `pk` if the user may see it (else 404), which becomes the working organisation and year.

    `for_page` reads with it everything the scheme page shows (`selectors.scheme_for_page`).
    """
    try:
        if for_page:
            scheme = selectors.scheme_for_page(request.user, pk)
        else:
            scheme = selectors.schemes_for(request.user).get(pk=pk)
    except Scheme.DoesNotExist:
        raise Http404("No scheme you can see has that number.") from None
    follow_into(request, scheme.organisation, scheme.year)
    return scheme
