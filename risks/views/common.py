"""What the risk pages share: the page asking for an organisation and year, and the programmes and
schemes a risk can be linked to.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schemes.models import Programme, Scheme


def no_context_page(request: HttpRequest) -> HttpResponse:
    """The page asking for an organisation and year, for a page that needs them when none is chosen."""
    return render(request, "includes/no_context_page.html", status=200)


def programme_and_scheme_choices(request: HttpRequest, organisation: Any, year: Any) -> dict[str, Any]:
    programmes = Programme.objects.for_user(request.user).filter(organisation=organisation).order_by("name")
    schemes = Scheme.objects.for_user(request.user).filter(organisation=organisation)
    if year is not None:
        schemes = schemes.filter(year=year)
    return {"programmes": programmes, "schemes": schemes.order_by("reference")}
