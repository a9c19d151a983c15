"""The register's totals and the year's sums of schemes: register totals, the portfolio summary, the programme
roll-up and targets, the RAG mix, and the dashboard's one read of a year's schemes (`year_scheme_sums`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from schemes import engine
from schemes.models import Programme, ProgrammeTarget, Rag, Scheme
from schemes.selectors.register import scheme_register

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class RegisterTotals:
    """The total of every money column of the register (the page's total row and the CSV's)."""

    schemes: int
    current_cost: Decimal | None  # the papers' "GROSS"; None when no scheme shown records one
    full_year_effect: Decimal  # the papers' "Net" saving
    plan_in_year: Decimal
    next_year_effect: Decimal
    most_likely: Decimal
    director_value: Decimal
    director_next_year: Decimal
    ytd_actual: Decimal
    figures_computed_at: datetime | None


_TOTALLED = ("current_cost", *engine.OVERRIDABLE, "ytd_actual", "figures_computed_at")


def register_totals(rows: Iterable[Scheme] | Iterable[Mapping[str, Any]]) -> RegisterTotals:
    """Totals of the rows shown, by the engine's rule (kept penny values, overridden or not): of schemes (the CSV)
    or of register_page_rows' plain values (the page)."""
    values: list[Mapping[str, Any]] = [
        row if isinstance(row, Mapping) else {name: getattr(row, name, None) for name in _TOTALLED} for row in rows]
    sums = engine.totals({name: s[name] for name in engine.OVERRIDABLE} for s in values)
    computed = [s["figures_computed_at"] for s in values if s["figures_computed_at"]]
    costs = [s["current_cost"] for s in values if s["current_cost"] is not None]
    return RegisterTotals(
        schemes=sums.schemes,
        current_cost=sum(costs, Decimal("0")) if costs else None,
        full_year_effect=sums.full_year_effect,
        plan_in_year=sums.plan_in_year,
        next_year_effect=sums.next_year_effect,
        most_likely=sums.most_likely,
        director_value=sums.director_value,
        director_next_year=sums.director_next_year,
        ytd_actual=sum((s["ytd_actual"] or Decimal("0") for s in values), Decimal("0")),
        figures_computed_at=max(computed) if computed else None,
    )


def totals_of(schemes: QuerySet[Scheme]) -> engine.Totals:
    """Totals of stored (kept) figures, computed by the database in one query."""
    return _totals(schemes.count(), schemes.aggregate(**{name: Sum(name) for name in engine.OVERRIDABLE}))


def _totals(count: int, sums: dict[str, Any]) -> engine.Totals:
    # SQLite's SUM of decimals comes back with float noise; keep pennies as the papers do.
    return engine.Totals(schemes=count,
                         **{name: engine.to_penny(Decimal(sums[name] or 0)) for name in engine.OVERRIDABLE})


@dataclass(frozen=True)
class PortfolioSummary:
    totals: engine.Totals
    rag_counts: dict[str, int]  # green, amber, red, unrated
    figures_computed_at: datetime | None


def portfolio_summary(
    user: Viewer, organisation: Organisation, year: FinancialYear, sums: YearSchemeSums | None = None,
) -> PortfolioSummary:
    """Totals, RAG mix and when figures were last computed, for the home page (one query: year_scheme_sums, unless
    `sums` has been read)."""
    sums = sums or year_scheme_sums(user, organisation, year)
    counts = {str(row.rag) or "unrated": row.schemes for row in sums.rag_mix}
    return PortfolioSummary(totals=sums.totals, rag_counts=counts, figures_computed_at=sums.figures_computed_at)


def programme_rollup(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> dict[str, engine.Totals]:
    """Totals per programme of the stored (overridden where set) figures, in programme order: one query."""
    rows = scheme_register(user, organisation, year).values("programme__name", *engine.OVERRIDABLE)
    return engine.rollup((row["programme__name"], row) for row in rows)


@dataclass(frozen=True)
class ProgrammeTargets:
    years: list[FinancialYear]
    rows: list[tuple[Programme, list[Decimal | None], Decimal]]
    totals: list[Decimal]
    grand_total: Decimal


def programme_targets(user: Viewer, organisation: Organisation) -> ProgrammeTargets | None:
    """Each programme's planned savings by year (NHS Surrey's four-year table), with totals: one query."""
    targets = list(
        ProgrammeTarget.objects.for_user(user).filter(programme__organisation=organisation)
        .select_related("programme", "year").order_by("programme__name", "year__start_year")
    )
    if not targets:
        return None
    years = sorted({t.year for t in targets}, key=lambda y: y.start_year)
    by_programme: dict[int, tuple[Programme, dict[int, Decimal]]] = {}
    for target in targets:
        by_programme.setdefault(target.programme_id, (target.programme, {}))[1][target.year_id] = target.planned_saving
    rows = []
    for programme, amounts in by_programme.values():
        cells = [amounts.get(year.pk) for year in years]
        rows.append((programme, cells, sum((c for c in cells if c is not None), Decimal("0"))))
    totals = [sum((row[1][i] or Decimal("0") for row in rows), Decimal("0")) for i in range(len(years))]
    return ProgrammeTargets(years=years, rows=rows, totals=totals, grand_total=sum(totals, Decimal("0")))


@dataclass(frozen=True)
class RagMixRow:
    rag: str  # "green", "amber", "red" or "" (not rated yet)
    schemes: int
    plan_in_year: Decimal
    most_likely: Decimal


RAGS = (Rag.GREEN, Rag.AMBER, Rag.RED, "")  # a RAG mix's order: Green to Red, then not rated yet


def rag_mix(user: Viewer, organisation: Organisation, year: FinancialYear) -> list[RagMixRow]:
    """Schemes by overall RAG rating with their stored plan and most likely (one query), Green to Red, then unrated."""
    return year_scheme_sums(user, organisation, year).rag_mix


@dataclass(frozen=True)
class YearSchemeSums:
    """What the pages add up over an organisation's year of schemes, read together (year_scheme_sums)."""

    totals: engine.Totals  # the stored (kept) figures, as totals_of
    rag_mix: list[RagMixRow]  # as rag_mix
    figures_computed_at: datetime | None  # the latest recompute of any of the schemes
    gross_saving: Decimal  # the savings gap's gross identified (full year)
    new_investment: Decimal  # TBC investments are NULL: they add nothing
    investment_tbc_schemes: int


def year_scheme_sums(user: Viewer, organisation: Organisation, year: FinancialYear) -> YearSchemeSums:
    """The year's schemes' totals, RAG mix, latest recompute and the savings gap's sums: one query, a row for each
    overall rating, whatever the number of schemes (the same sums as totals_of and finance's savings_gap)."""
    rows = (scheme_register(user, organisation, year).order_by().values("overall_rag")
            .annotate(**{name: Sum(name) for name in engine.OVERRIDABLE}, gross_saving=Sum("gross_saving"),
                      new_investment=Sum("new_investment"), tbc=Sum(1, filter=Q(investment_tbc=True)),
                      schemes=Count("pk"), computed=Max("figures_computed_at")))
    groups: dict[str, dict[str, Any]] = {row["overall_rag"]: dict(row) for row in rows}

    def total(name: str) -> Decimal:
        return sum((row[name] for row in groups.values() if row[name] is not None), Decimal("0"))

    computed = [row["computed"] for row in groups.values() if row["computed"] is not None]
    none: dict[str, Any] = {"schemes": 0, "plan_in_year": None, "most_likely": None}
    return YearSchemeSums(
        totals=_totals(sum(row["schemes"] for row in groups.values()),
                       {name: total(name) for name in engine.OVERRIDABLE}),
        rag_mix=[RagMixRow(rag=rag, schemes=row["schemes"],
                           plan_in_year=engine.to_penny(Decimal(row["plan_in_year"] or 0)),
                           most_likely=engine.to_penny(Decimal(row["most_likely"] or 0)))
                 for rag, row in ((rag, groups.get(rag, none)) for rag in RAGS)],
        figures_computed_at=max(computed) if computed else None, gross_saving=total("gross_saving"),
        new_investment=total("new_investment"), investment_tbc_schemes=sum(row["tbc"] or 0 for row in groups.values()))
