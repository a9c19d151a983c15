from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from schemes.filters import SchemeFilterSet
from schemes.selectors import active_overrides, scheme_register, schemes_for, totals_of


@login_required
def register(request: HttpRequest) -> HttpResponse:
    working = request.working  # type: ignore[attr-defined]
    base = scheme_register(request.user, working.organisation, working.year)
    filterset = SchemeFilterSet(request.GET or None, queryset=base, request=request)
    schemes = filterset.qs
    return render(request, "schemes/register.html",
                  {"filter": filterset, "schemes": schemes, "totals": totals_of(schemes)})


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(schemes_for(request.user), pk=pk)
    return render(request, "schemes/detail.html", {"scheme": scheme, "overrides": active_overrides(scheme)})
