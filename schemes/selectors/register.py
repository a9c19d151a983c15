"""The register (the working organisation and year's schemes: filtered, sorted and totalled), the
programmes and their targets, and the home page's summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

from django.db.models import Count, DecimalField, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from governance.models import MonthStatus
from schemes import engine
from schemes.models import FigureOverride, Programme, ProgrammeTarget, Rag, Scheme, SchemeMonth
from schemes.selectors.scheme import schemes_for

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


def scheme_register(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> QuerySet[Scheme]:
    """The working organisation and year's schemes, in register order (register_rows adds YTD actual)."""
    return schemes_for(user).filter(organisation=organisation, year=year)


# The register's sortable columns: the `sort` GET parameter names one of these ("-" for descending).
REGISTER_SORTS: dict[str, str] = {
    "reference": "reference",
    "name": "name",
    "programme": "programme__name",
    "phase": "phase",
    "stage": "stage",
    "go_live": "go_live",
    "current_cost": "current_cost",
    "full_year_effect": "full_year_effect",
    "plan_in_year": "plan_in_year",
    "next_year_effect": "next_year_effect",
    "most_likely": "most_likely",
    "director_value": "director_value",
    "director_next_year": "director_next_year",
    "ytd_actual": "ytd_actual",
}


def latest_closed_month(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> int | None:
    """The latest month finance has closed for the organisation's year, if any (YTD runs to it)."""
    return (
        MonthStatus.objects.for_user(user)
        .filter(organisation=organisation, year=year, is_closed=True)
        .aggregate(month=Max("month"))["month"]
    )


# register_rows' default: YTD runs to the latest closed month, which the rows' query looks up itself.
LATEST_CLOSED: Final = "latest closed"


def _ytd_actual(through_month: int | None | Literal["latest closed"]) -> Subquery:
    """Sum of a scheme's actuals for M1..the latest closed month (all months with actuals if none is closed)."""
    last: Any = Value(through_month or 12)
    if through_month == LATEST_CLOSED:
        closed = (
            MonthStatus.objects.filter(
                organisation=OuterRef(OuterRef("organisation")), year=OuterRef(OuterRef("year")), is_closed=True
            )
            .order_by("-month")
            .values("month")[:1]
        )
        last = Coalesce(Subquery(closed), Value(12))
    sums = (
        SchemeMonth.objects.filter(scheme=OuterRef("pk"), actual__isnull=False)
        .filter(month__lte=last)
        .order_by()
        .values("scheme")
        .annotate(total=Sum("actual"))
        .values("total")
    )
    return Subquery(sums, output_field=DecimalField(max_digits=14, decimal_places=2))


def register_rows(
    user: Viewer, organisation: Organisation, year: FinancialYear, *,
    ytd_month: int | None | Literal["latest closed"] = LATEST_CLOSED,
) -> QuerySet[Scheme]:
    """The register's schemes with `ytd_actual` annotated and active overrides prefetched.

    `ytd_month` is the latest closed month when the caller has read it already (latest_closed_month; None: no
    month is closed), so the rows' query need not look it up a row.
    The number of queries does not grow with the number of schemes: one for the rows (YTD is a
    subquery) and one for the overrides.
    """
    active = FigureOverride.objects.filter(cleared_at__isnull=True).select_related("created_by")
    return (
        scheme_register(user, organisation, year)
        .annotate(ytd_actual=_ytd_actual(ytd_month))
        .prefetch_related(Prefetch("overrides", queryset=active, to_attr="active_overrides"))
    )


# What the register page shows of each scheme (its CSV reads whole schemes: it writes their override reasons too).
REGISTER_PAGE_COLUMNS = ("pk", "reference", "name", "programme__name", "phase", "stage", "go_live", "overall_rag",
                         "current_cost", *engine.OVERRIDABLE, "ytd_actual", "figures_computed_at")


def register_page_rows(schemes: QuerySet[Scheme]) -> list[dict[str, Any]]:
    """The register page's rows (register_rows, filtered and sorted) as plain values: only the columns shown, and
    under "overrides" each row's overrides in force as (figure, reason), newest first. Two queries."""
    rows = list(schemes.prefetch_related(None).values(*REGISTER_PAGE_COLUMNS))
    by_scheme: dict[int, list[tuple[str, str]]] = {row["pk"]: [] for row in rows}
    if rows:
        active = (FigureOverride.objects.filter(scheme_id__in=by_scheme, cleared_at__isnull=True)
                  .order_by("scheme_id", "figure", "-created_at").values_list("scheme_id", "figure", "reason"))
        for scheme_id, figure, reason in active:
            by_scheme[scheme_id].append((figure, reason))
    for row in rows:
        row["overrides"] = by_scheme[row["pk"]]
    return rows


def sort_register(schemes: QuerySet[Scheme], sort: str | None) -> tuple[QuerySet[Scheme], str]:
    """Order by a whitelisted column; returns the queryset and the sort actually applied ("" = default)."""
    sort = (sort or "").strip()
    key = sort.removeprefix("-")
    if key not in REGISTER_SORTS:
        return schemes, ""
    field = F(REGISTER_SORTS[key])
    ordering = field.desc(nulls_last=True) if sort.startswith("-") else field.asc(nulls_last=True)
    return schemes.order_by(ordering, "reference", "pk"), sort


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


def programmes_for(user: Viewer, organisation: Organisation) -> QuerySet[Programme]:
    """The organisation's programmes the user may see, by name (the register's filter, the scheme form)."""
    return Programme.objects.for_user(user).filter(organisation=organisation).order_by("name")


def programme_names(programme_ids: Iterable[int]) -> dict[int, str]:
    """Programmes' names by id, for pages that show a scheme's programme as it was (one query)."""
    return dict(Programme.objects.filter(pk__in=set(programme_ids)).values_list("pk", "name"))


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
