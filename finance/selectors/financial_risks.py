"""Finance reads: the savings gap set against identified schemes; the financial risks and mitigations register."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When

from finance import calculations
from finance.calculations import Amounts
from finance.models import FinancialRisk, FinancialRiskKind, FinancialRiskMonth

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class RegisterSide:
    """One kind's rows in a month's register, their sum, and the total the paper printed (if any)."""

    rows: list[FinancialRisk]
    total: Amounts
    published: Amounts | None
    differs: frozenset[str]


@dataclass(frozen=True)
class FinancialRiskRegister:
    month: FinancialRiskMonth
    risks: RegisterSide
    mitigations: RegisterSide
    shortfall: Amounts
    published_shortfall: Amounts | None
    shortfall_differs: frozenset[str]


def _published(register: FinancialRiskMonth, kind: str) -> Amounts | None:
    values = [getattr(register, f"published_{kind}_{part}") for part in ("total", "assessed", "in_forecast",
                                                                          "residual")]
    if any(value is None for value in values):
        return None
    return Amounts(*values)


def _side(register: FinancialRiskMonth, rows: list[FinancialRisk], kind: str) -> RegisterSide:
    total = calculations.register_total(
        Amounts(row.total_value, row.assessed_value, row.in_forecast, row.residual) for row in rows
    )
    published = _published(register, kind)
    return RegisterSide(rows=rows, total=total, published=published,
                        differs=frozenset(calculations.differences(total, published)))


def financial_risk_months(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> list[FinancialRiskMonth]:
    """The months of a year that have a register, latest first, with their row counts (one query)."""
    return list(
        FinancialRiskMonth.objects.for_user(user).filter(organisation=organisation, year=year)
        .annotate(row_count=Count("rows")).order_by("-month")
    )


def financial_risk_month_for_page(user: Viewer, pk: int) -> FinancialRiskMonth | None:
    return FinancialRiskMonth.objects.for_user(user).select_related("organisation", "year").filter(pk=pk).first()


def financial_risks_for(user: Viewer) -> QuerySet[FinancialRisk]:
    """Every row the user may read, with its month's organisation and year (for lists and the API)."""
    return FinancialRisk.objects.for_user(user).select_related("register__organisation", "register__year")


def financial_risk_register(
    user: Viewer, register: FinancialRiskMonth, rows: QuerySet[FinancialRisk] | None = None
) -> FinancialRiskRegister:
    """A month's register: risks, mitigations, their totals and the shortfall (one query for the rows).

    `rows` narrows what is listed (a filter); the totals are always the whole month's.
    """
    every = list(financial_risks_for(user).filter(register=register).order_by("kind", "position", "id"))
    shown = None if rows is None else set(rows.filter(register=register).values_list("pk", flat=True))
    risks = _side(register, [r for r in every if r.kind == FinancialRiskKind.RISK], "risks")
    mitigations = _side(register, [r for r in every if r.kind == FinancialRiskKind.MITIGATION], "mitigations")
    if shown is not None:
        risks = RegisterSide([r for r in risks.rows if r.pk in shown], risks.total, risks.published, risks.differs)
        mitigations = RegisterSide([r for r in mitigations.rows if r.pk in shown], mitigations.total,
                                   mitigations.published, mitigations.differs)
    shortfall = calculations.shortfall(risks.total, mitigations.total)
    published_shortfall = (calculations.shortfall(risks.published, mitigations.published)
                           if risks.published is not None and mitigations.published is not None else None)
    return FinancialRiskRegister(
        month=register, risks=risks, mitigations=mitigations, shortfall=shortfall,
        published_shortfall=published_shortfall,
        shortfall_differs=frozenset(calculations.differences(shortfall, published_shortfall)),
    )


def financial_risk_for_page(user: Viewer, pk: int) -> FinancialRisk | None:
    return financial_risks_for(user).filter(pk=pk).first()


def financial_risk_history(row: FinancialRisk) -> list[Any]:
    """Every saved version of a row, newest first, with who saved it (one query)."""
    return list(row.history.select_related("history_user").order_by("-history_date", "-history_id"))


FIGURES = ("total_value", "assessed_value", "in_forecast", "residual")  # Amounts' four, in its order


def financial_risk_months_for(user: Viewer) -> QuerySet[FinancialRiskMonth]:
    """Every month's register the user may read, with each kind's sums annotated (one query for any number):
    `summed` reads them."""
    sums: dict[str, Any] = {}
    for kind, prefix in ((FinancialRiskKind.RISK, "risks"), (FinancialRiskKind.MITIGATION, "mitigations")):
        for name in FIGURES:
            sums[f"{prefix}_{name}_sum"] = Sum(f"rows__{name}", filter=Q(rows__kind=kind))
    return FinancialRiskMonth.objects.for_user(user).select_related("organisation", "year").annotate(**sums)


def summed(month: FinancialRiskMonth, prefix: str) -> Amounts:
    """A month's rows of one kind ("risks" or "mitigations") added up, from financial_risk_months_for's sums."""
    return Amounts(*(getattr(month, f"{prefix}_{name}_sum") or Decimal("0") for name in FIGURES))


@dataclass(frozen=True)
class FinancialRiskSummary:
    """A month's register as a dashboard shows it: its month, each kind's totals and the shortfall."""

    month: int
    risks: Amounts
    mitigations: Amounts
    shortfall: Amounts


def financial_risk_summary_for_dashboard(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None,
) -> FinancialRiskSummary | None:
    """The register of `month` if there is one, else the latest month's before it, else the year's latest: its
    totals and shortfall, in one query."""
    latest = ["-month"] if month is None else [Case(When(month__lte=month, then=Value(0)), default=Value(1)), "-month"]
    register = (financial_risk_months_for(user).filter(organisation=organisation, year=year).order_by(*latest)
                .first())
    if register is None:
        return None
    risks, mitigations = summed(register, "risks"), summed(register, "mitigations")
    return FinancialRiskSummary(month=register.month, risks=risks, mitigations=mitigations,
                                shortfall=calculations.shortfall(risks, mitigations))
