"""The savings bridge of an organisation's year, as at a month: from the QIPP target to the forecast outturn.

One reader of today's bridge for every place that shows it (the governing-body dashboard, the portfolio, the board
pack's Summary), so they never disagree; a month with a month-end report shows that report's instead (`month_end`).
Everything comes from stored figures: the schemes' recomputed totals, their stored months and the financial plan;
nothing is recalculated from scheme inputs here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce

from finance import calculations
from finance.models import FinancialPlan
from finance.selectors.plan import savings_gap
from governance.models import FinancialYear, MonthStatus, Organisation
from governance.selectors import organisations_for
from schemes.engine import to_penny
from schemes.models import Rag, Scheme, SchemeMonth
from schemes.selectors import MonthTotals, YearSchemeSums, latest_closed_month, monthly_totals, year_scheme_sums

if TYPE_CHECKING:
    from governance.permissions import Viewer

ZERO = Decimal("0")


@dataclass(frozen=True)
class SavingsBridge:
    """The bridge's steps (pounds). `target` and `unidentified` are None where the year has no financial plan."""

    month: int | None  # the data month: the month asked for, else the latest closed month, else the latest actual
    month_closed: bool  # the data month is closed (its actuals are final)
    target: Decimal | None  # the QIPP commitment (savings requirement) of the financial plan
    identified_plan: Decimal  # in-year plan of the schemes identified
    most_likely: Decimal  # the plan adjusted by each scheme's overall RAG rating
    director_value: Decimal  # most likely moved by the directors' change in delivery
    ytd_actual: Decimal  # actuals M1 to the data month
    forecast_outturn: Decimal  # actuals to the data month, then each month's forecast (its plan where none)
    unidentified: Decimal | None  # the QIPP commitment not yet found in schemes (target less gross identified)
    schemes: int
    figures_computed_at: datetime | None  # when the schemes' figures were last recomputed


def data_month(closed: int | None, totals: Sequence[MonthTotals]) -> int | None:
    """The month a dashboard's figures are for: the latest closed month, else the latest month with an actual."""
    if closed:
        return closed
    entered = [t.month for t in totals if t.actual is not None]
    return max(entered) if entered else None


def year_to_date_and_outturn(totals: Sequence[MonthTotals], month: int | None) -> tuple[Decimal, Decimal]:
    """(YTD actual to `month`, forecast outturn: those actuals, then the forecast or plan of the later months)."""
    through = month or 0
    ytd = sum((t.actual or ZERO for t in totals if t.month <= through), ZERO)
    return ytd, ytd + sum((t.forecast_or_plan for t in totals if t.month > through), ZERO)


def savings_bridge(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None = None,
) -> SavingsBridge:
    """Today's bridge for `organisation`'s `year` as at `month` (default: the data month). A fixed number of queries.

    A month's bridge as reported, for the pages and the board pack, is finance.selectors.month_end_figures's."""
    closed = latest_closed_month(user, organisation, year)
    months = monthly_totals(user, organisation, year)
    chosen = month if month is not None else data_month(closed, months)
    return savings_bridge_of(user, organisation, year, chosen, months=months,
                             month_closed=chosen is not None and closed is not None and chosen <= closed)


def savings_bridge_of(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None, *, month_closed: bool,
    months: Sequence[MonthTotals], sums: YearSchemeSums | None = None,
) -> SavingsBridge:
    """Today's bridge as at `month`, given the year's month totals (schemes.selectors.monthly_totals) and, if read,
    its schemes' sums (schemes.selectors.year_scheme_sums)."""
    ytd, outturn = year_to_date_and_outturn(months, month)
    sums = sums or year_scheme_sums(user, organisation, year)
    totals = sums.totals
    gap = savings_gap(user, organisation, year, sums)
    return SavingsBridge(
        month=month, month_closed=month_closed,
        target=gap.qipp_commitment if gap else None, identified_plan=totals.plan_in_year,
        most_likely=totals.most_likely, director_value=totals.director_value, ytd_actual=ytd,
        forecast_outturn=outturn, unidentified=gap.unidentified if gap else None, schemes=totals.schemes,
        figures_computed_at=sums.figures_computed_at,
    )


@dataclass(frozen=True)
class PortfolioRow:
    """One organisation's year on the portfolio: its bridge's headline steps and its RAG mix."""

    organisation: Organisation
    year: FinancialYear
    bridge: SavingsBridge
    rag_counts: dict[str, int]  # green, amber, red, unrated


def portfolio_rows(user: Viewer) -> list[PortfolioRow]:
    """Every organisation the user belongs to, each for the year its dashboard opens in (the latest with schemes,
    else the newest year), with the same figures as its savings bridge. Seven queries, however many organisations."""
    organisations = list(organisations_for(user))
    sums = {name: Sum(name) for name in ("plan_in_year", "most_likely", "director_value", "gross_saving")}
    counts = {rag or "unrated": Count("pk", filter=Q(overall_rag=rag)) for rag in (Rag.GREEN, Rag.AMBER, Rag.RED, "")}
    schemes: dict[tuple[int, int], dict[str, Any]] = {
        (row["organisation"], row["year"]): dict(row) for row in Scheme.objects.for_user(user).order_by()
        .values("organisation", "year", "year__start_year")
        .annotate(**sums, **counts, schemes=Count("pk"), computed=Max("figures_computed_at"))}
    newest = FinancialYear.objects.order_by("-start_year").first()
    chosen: dict[int, int] = {}
    for organisation_id, year_id in sorted(schemes, key=lambda key: schemes[key]["year__start_year"]):
        chosen[organisation_id] = year_id  # the latest year with schemes wins
    for organisation in organisations:
        if organisation.pk not in chosen and newest is not None:
            chosen[organisation.pk] = newest.pk
    years = FinancialYear.objects.in_bulk(set(chosen.values()))
    month_rows = (SchemeMonth.objects.for_user(user).order_by()
                  .values("scheme__organisation", "scheme__year", "month")
                  .annotate(plan_sum=Sum("plan"), actual_sum=Sum("actual"), actuals=Count("actual"),
                            forecast_sum=Sum(Coalesce("forecast", "plan"))))
    by_month: dict[tuple[int, int], dict[int, MonthTotals]] = {}
    for month_row in month_rows:
        by_month.setdefault((month_row["scheme__organisation"], month_row["scheme__year"]), {})[month_row["month"]] = (
            MonthTotals(month=month_row["month"], plan=month_row["plan_sum"] or ZERO,
                        actual=month_row["actual_sum"] if month_row["actuals"] else None,
                        forecast_or_plan=month_row["forecast_sum"] or ZERO))
    closed: dict[tuple[int, int], int] = {
        (status["organisation"], status["year"]): status["month"] for status in MonthStatus.objects.for_user(user)
              .filter(is_closed=True).order_by().values("organisation", "year").annotate(month=Max("month"))}
    plans = {(plan.organisation_id, plan.year_id): plan for plan in FinancialPlan.objects.for_user(user)}
    rows: list[PortfolioRow] = []
    for organisation in organisations:
        opens_in = chosen.get(organisation.pk)
        if opens_in is None:
            continue  # no financial years at all yet
        key = (organisation.pk, opens_in)
        figures: dict[str, Any] = schemes.get(key, {})
        months = [by_month.get(key, {}).get(m) or MonthTotals(m, ZERO, None, ZERO) for m in range(1, 13)]
        month = data_month(closed.get(key), months)
        ytd, outturn = year_to_date_and_outturn(months, month)
        plan = plans.get(key)
        gross = _penny(figures.get("gross_saving"))
        target = None if plan is None else calculations.plan_position(
            plan.allocation, plan.planned_expenditure, plan.planned_qipp).qipp_commitment
        bridge = SavingsBridge(
            month=month, month_closed=month is not None and closed.get(key) is not None,
            target=target, identified_plan=_penny(figures.get("plan_in_year")),
            most_likely=_penny(figures.get("most_likely")), director_value=_penny(figures.get("director_value")),
            ytd_actual=ytd, forecast_outturn=outturn, unidentified=None if target is None else target - gross,
            schemes=figures.get("schemes", 0), figures_computed_at=figures.get("computed"))
        rows.append(PortfolioRow(organisation=organisation, year=years[opens_in], bridge=bridge,
                                 rag_counts={name: figures.get(name, 0) for name in counts}))
    return rows


def _penny(value: object) -> Decimal:
    # SQLite's SUM of decimals comes back with float noise; keep pennies as the register's totals do.
    return to_penny(Decimal(value or 0))  # type: ignore[arg-type]  # a Decimal, or a float from SQLite
