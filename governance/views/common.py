"""What governance's pages share: the working organisation and year, a month from the URL, a
plan action by id and the filtered list of the year's meetings or imports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from governance.forms import form_errors
from governance.middleware import working_of
from governance.models import PlanAction
from governance.selectors import plan_action_detail


def working_or_404(request: HttpRequest) -> tuple[Any, Any]:
    working = working_of(request)
    if working.organisation is None or working.year is None:
        raise Http404("Choose an organisation and financial year first.")
    return working.organisation, working.year


def month_or_404(month: int) -> int:
    if not 1 <= month <= 12:
        raise Http404("A month is M1 (April) to M12 (March).")
    return month


def plan_action_or_404(request: HttpRequest, pk: int) -> PlanAction:
    try:
        return plan_action_detail(request.user, pk)
    except PlanAction.DoesNotExist:
        raise Http404("No such action in your organisations' plans.") from None


def year_list(request: HttpRequest, filterset_class: type[django_filters.FilterSet],
              rows_of: Callable[[Any, Any, Any], QuerySet[Any]], template: str, name: str) -> HttpResponse:
    """A list of the working organisation's year, filtered by the query string (refused filters in words)."""
    if working_of(request).organisation is None or working_of(request).year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working_or_404(request)
    filterset = filterset_class(request.GET or None, queryset=rows_of(request.user, organisation, year),
                                request=request)
    return render(request, template, {
        "filterset": filterset,
        name: list(filterset.qs) if not filterset.is_bound or filterset.is_valid() else [],
        "errors": form_errors(filterset.form) if filterset.is_bound else [],
    })
