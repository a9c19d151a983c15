"""Financial risks and mitigations pages: thin (parse, call a service or selector, render)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from finance import calculations, selectors, services
from finance.calculations import Amounts
from finance.filters import FinancialRiskFilterSet
from finance.forms.financial_risks import AMOUNTS, FinancialRiskForm, MonthStartForm, row_initial
from finance.models import FinancialRisk, FinancialRiskKind, FinancialRiskMonth
from governance.formatting import format_money
from governance.forms import CONFLICT, add_service_errors, form_after_conflict
from governance.middleware import follow_into, working_of
from governance.permissions import Action, acting_user, allowed_actions, require

FIGURES = ("total_value", "assessed_value", "in_forecast", "residual")


@dataclass(frozen=True)
class Line:
    """A row or total as the register shows it: risks negative (in brackets, adverse), mitigations positive."""

    total_value: Decimal | None
    assessed_value: Decimal | None
    in_forecast: Decimal | None
    residual: Decimal | None


def _signed(amounts: Amounts | FinancialRisk | None, sign: int) -> Line | None:
    if amounts is None:
        return None
    return Line(*(getattr(amounts, name) * sign for name in FIGURES))


def _rows(rows: list[FinancialRisk], sign: int) -> list[dict[str, Any]]:
    shown = []
    for row in rows:
        percent = calculations.assessed_percent(row.total_value, row.assessed_value)
        text = "–" if percent is None else f"{percent}%"
        shown.append({"row": row, "line": _signed(row, sign), "percent": text,
                      "published_percent": row.published_percent if row.published_percent not in ("", text) else ""})
    return shown


def _side(side: selectors.RegisterSide, sign: int) -> dict[str, Any]:
    return {"rows": _rows(side.rows, sign), "total": _signed(side.total, sign),
            "published": _signed(side.published, sign), "differs": side.differs}


def _month_or_404(request: HttpRequest, pk: int) -> FinancialRiskMonth:
    register = selectors.financial_risk_month_for_page(request.user, pk)
    if register is None:
        raise Http404("No such financial risks register")
    follow_into(request, register.organisation, register.year)  # the header shows the register's organisation
    return register


def _row_or_404(request: HttpRequest, pk: int) -> FinancialRisk:
    row = selectors.financial_risk_for_page(request.user, pk)
    if row is None:
        raise Http404("No such financial risk or mitigation")
    follow_into(request, row.register.organisation, row.register.year)
    return row


@login_required
@require_http_methods(["GET", "POST"])
def months(request: HttpRequest) -> HttpResponse:
    """The working year's monthly registers (each month readable as it was) and starting a new month."""
    working = working_of(request)
    if working.organisation is None or working.year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working.organisation, working.year
    existing = selectors.financial_risk_months(request.user, organisation, year)
    form = MonthStartForm(request.POST or None, months=FinancialRiskMonth.objects.for_user(request.user).filter(
        organisation=organisation, year=year).order_by("-month"),
        initial={"month": min(existing[0].month + 1, 12) if existing else 1,
                 "copy_from": existing[0].pk if existing else None})
    if request.method == "POST":
        require(request.user, Action.KEEP_FINANCIAL_RISKS, organisation)
        if form.is_valid():
            try:
                register = services.financial_risk_month_start(
                    actor=acting_user(request), organisation=organisation, year=year, month=form.cleaned_data["month"],
                    copy_from=form.cleaned_data["copy_from"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Financial risks register for M{register.month} started.")
                return redirect("finance:financial-risks-month", pk=register.pk)
    return render(request, "finance/financial_risk_months.html", {"months": existing, "form": form})


@login_required
def month(request: HttpRequest, pk: int) -> HttpResponse:
    register = _month_or_404(request, pk)
    filterset = FinancialRiskFilterSet(request.GET or None, queryset=selectors.financial_risks_for(request.user),
                                       request=request)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else None
    view = selectors.financial_risk_register(request.user, register, filtered)
    return render(request, "finance/financial_risk_month.html", {
        "register": register, "filter": filterset, "can": allowed_actions(request.user, register.organisation),
        "risks": _side(view.risks, -1), "mitigations": _side(view.mitigations, 1),
        "shortfall": _signed(view.shortfall, 1), "published_shortfall": _signed(view.published_shortfall, 1),
        "shortfall_differs": view.shortfall_differs,
    })


@login_required
@require_http_methods(["GET", "POST"])
def row_add(request: HttpRequest, pk: int) -> HttpResponse:
    register = _month_or_404(request, pk)
    require(request.user, Action.KEEP_FINANCIAL_RISKS, register.organisation)
    kind = request.GET.get("kind")
    form = FinancialRiskForm(request.POST or None,
                             initial={"kind": kind if kind in FinancialRiskKind.values else None})
    if request.method == "POST" and form.is_valid():
        try:
            row = services.financial_risk_create(actor=acting_user(request), register=register,
                                                 kind=form.cleaned_data["kind"], **form.row_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{row.get_kind_display()} \u201c{row.description}\u201d added to "
                                      f"M{register.month}.")
            return redirect("finance:financial-risks-month", pk=register.pk)
    return render(request, "finance/financial_risk_edit.html", {"form": form, "register": register})


def _conflict_rows(form: FinancialRiskForm, current: FinancialRisk) -> list[dict[str, str]]:
    """Where the user's version differs from the saved one."""
    rows = []
    for name in (*(n for n, _ in AMOUNTS), "description", "published_percent", "exec_lead", "process_to_manage",
                 "commentary"):
        yours, saved = form.cleaned_data.get(name), getattr(current, name)
        if yours != saved:
            money = name in dict(AMOUNTS)
            rows.append({"label": str(form.fields[name].label),
                         "yours": format_money(yours) if money else (yours or "–"),
                         "saved": format_money(saved) if money else (saved or "–")})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def row_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row_or_404(request, pk)
    register = row.register
    require(request.user, Action.KEEP_FINANCIAL_RISKS, register.organisation)
    form = FinancialRiskForm(request.POST or None, initial=row_initial(row), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.financial_risk_update(actor=acting_user(request), row=row,
                                                   expected_version=form.cleaned_data["version"],
                                                   changes=form.row_values())
        except services.EditConflict as conflict:
            current = conflict.current
            rows = _conflict_rows(form, current)
            # What the user typed, with the saved version's number: saving again is a knowing overwrite.
            form = form_after_conflict(FinancialRiskForm, request.POST, saved={"version": current.version},
                                       editing=True)
            return render(request, "finance/financial_risk_edit.html", {
                "form": form, "register": register, "row": row, "conflict": str(conflict), "conflict_rows": rows,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{saved.get_kind_display()} \u201c{saved.description}\u201d saved.")
            return redirect("finance:financial-risks-month", pk=register.pk)
    return render(request, "finance/financial_risk_edit.html", {"form": form, "register": register, "row": row})


@login_required
@require_safe
def row_history(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row_or_404(request, pk)
    versions = selectors.financial_risk_history(row)
    return render(request, "finance/financial_risk_history.html", {
        "row": row, "register": row.register, "versions": versions,
        "can": allowed_actions(request.user, row.register.organisation),
    })
