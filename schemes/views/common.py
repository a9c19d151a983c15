"""What the scheme pages share: the working organisation and year, the one scheme lookup, and the form
redrawn after an edit conflict (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from governance.middleware import follow_into, working_of
from schemes import selectors
from schemes.models import Scheme

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation

CONFLICT = 409  # HTTP status of a page redrawn after an edit conflict

AnyForm = TypeVar("AnyForm", bound=forms.BaseForm)


def working(request: HttpRequest) -> tuple[Organisation | None, FinancialYear | None]:
    """The organisation and financial year chosen at the top of every page (either may be unset)."""
    chosen = working_of(request)
    return chosen.organisation, chosen.year


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


def form_after_conflict(
    form_class: type[AnyForm], data: QueryDict, *, saved: Mapping[str, Any], message: str = "", **kwargs: Any
) -> AnyForm:
    """The form redrawn after an EditConflict: what the user typed, checked again, ready to save again.

    `saved` replaces the version or token the page was drawn with by that of what is saved now, so
    that saving again from here is a deliberate overwrite. `message`, if given, is shown above the form.
    """
    data = data.copy()
    for name, value in saved.items():
        data[name] = str(value)
    form = form_class(data, **kwargs)
    form.is_valid()
    if message:
        form.add_error(None, message)
    return form
