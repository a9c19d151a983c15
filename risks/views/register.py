"""The register (filtered, with its totals) and the heat map."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from governance.forms import form_field
from governance.middleware import working_of
from risks import selectors
from risks.filters import BAND_CHOICES, ONE_TO_FIVE, RiskFilterSet
from risks.forms import HeatMapForm
from risks.models import STAGE_LABELS, Category
from risks.scoring import BAND_MEANINGS, BAND_RANGES, NOT_RECORDED
from risks.views.common import no_context_page, programme_and_scheme_choices


def _bands() -> list[dict[str, Any]]:
    return [{"band": band, "low": BAND_RANGES[band][0], "high": BAND_RANGES[band][1],
             "meaning": BAND_MEANINGS[band]} for band, _ in BAND_CHOICES]


@login_required
@require_safe
def register(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return no_context_page(request)
    base = selectors.risk_register(request.user, organisation, year)
    filterset = RiskFilterSet(request.GET or None, queryset=base, request=request)
    choices = programme_and_scheme_choices(request, organisation, year)
    fields = filterset.form.fields
    for name, what in (("scheme", "Any scheme"), ("programme", "Any programme")):
        field = form_field(filterset.form, name, forms.ModelChoiceField)
        field.queryset = choices[f"{name}s"]
        field.empty_label = what
    for name, declared in (("band", BAND_CHOICES), ("category", Category.choices), ("likelihood", ONE_TO_FIVE),
                           ("impact", ONE_TO_FIVE)):
        fields[name].widget.choices = [("", "Any"), *declared]  # the filter's choices, "Any" for its blank
    risks = list(filterset.qs)
    stage = filterset.stage() if filterset.is_bound and filterset.is_valid() else "current"
    rows = [{"risk": risk, "scores": selectors.stage_scores(risk)} for risk in risks]
    return render(request, "risks/register.html", {
        "filter": filterset, "rows": rows, "stage_label": STAGE_LABELS[stage], "bands": _bands(),
        "not_recorded": NOT_RECORDED,
    })


@login_required
@require_safe
def heat_map(request: HttpRequest) -> HttpResponse:
    working = working_of(request)
    organisation, year = working.organisation, working.year
    if organisation is None or year is None:
        return no_context_page(request)
    form = HeatMapForm(request.GET or None)
    stage = form.cleaned_data.get("scores") or "current" if form.is_valid() else "current"
    base = selectors.risk_register(request.user, organisation, year)
    grid = selectors.risk_heat_map(base, stage)
    unscored = base.filter(**{f"{stage}_likelihood__isnull": True}).count()
    return render(request, "risks/heat_map.html", {
        "form": form, "grid": grid, "stage": stage, "stage_label": STAGE_LABELS[stage], "impacts": range(1, 6),
        "total": sum(cell.count for row in grid for cell in row), "unscored": unscored, "bands": _bands(),
    })
