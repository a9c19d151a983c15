"""Monthly tracking: a scheme's or a programme's year, month by month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from governance.formatting import month_label
from governance.selectors import closed_months
from schemes import engine
from schemes.models import Programme, Scheme, SchemeMonth
from schemes.selectors.register import scheme_register
from schemes.selectors.scheme import schemes_for

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class SchemeTracker:
    """A scheme's year on the tracker: the engine's figures plus each month's stored row (or None)."""

    scheme: Scheme
    tracker: engine.Tracker
    rows: dict[int, SchemeMonth]
    labels: tuple[str, ...]

    def version(self, month: int) -> int:
        row = self.rows.get(month)
        return row.version if row else 0


def month_labels(year: FinancialYear) -> tuple[str, ...]:
    return tuple(month_label(year.start_year, m) for m in range(1, 13))


def scheme_tracker(user: Viewer, pk: int) -> SchemeTracker:
    """One scheme's tracker (raises Scheme.DoesNotExist when the user may not see it)."""
    scheme = schemes_for(user).get(pk=pk)
    rows = {row.month: row for row in SchemeMonth.objects.filter(scheme=scheme).select_related("updated_by")}
    tracker = engine.track(
        ((m, r.plan, r.actual, r.forecast) for m, r in rows.items()),
        closed_months(scheme.organisation, scheme.year),
    )
    return SchemeTracker(scheme=scheme, tracker=tracker, rows=rows, labels=month_labels(scheme.year))


@dataclass(frozen=True)
class ProgrammeTracker:
    programme: Programme
    year: FinancialYear
    schemes: list[tuple[Scheme, engine.Tracker]]
    totals: engine.Tracker
    labels: tuple[str, ...]


def programme_tracker(
    user: Viewer, pk: int, year: FinancialYear
) -> ProgrammeTracker:
    """A programme's schemes for one year with their months: a fixed number of queries however many schemes."""
    programme = Programme.objects.for_user(user).select_related("organisation").get(pk=pk)
    schemes = list(schemes_for(user).filter(programme=programme, year=year))
    rows: dict[int, list[tuple[int, Decimal, Decimal | None, Decimal | None]]] = {s.pk: [] for s in schemes}
    months = SchemeMonth.objects.filter(scheme__programme=programme, scheme__year=year, scheme__in=schemes)
    for scheme_id, month, plan, actual, forecast in months.values_list("scheme_id", "month", "plan", "actual",
                                                                         "forecast"):
        rows[scheme_id].append((month, plan, actual, forecast))
    closed = closed_months(programme.organisation, year)
    trackers = [(scheme, engine.track(rows[scheme.pk], closed)) for scheme in schemes]
    return ProgrammeTracker(
        programme=programme, year=year, schemes=trackers,
        totals=engine.tracker_totals([t for _, t in trackers], closed), labels=month_labels(year),
    )


def programmes_for_tracker(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> QuerySet[Programme]:
    """Programmes with schemes in the year, with their scheme count and in-year plan (one query)."""
    in_year = Q(schemes__year=year)
    return (
        Programme.objects.for_user(user)
        .filter(organisation=organisation, schemes__year=year)
        .annotate(scheme_count=Count("schemes", filter=in_year, distinct=True),
                  plan_total=Sum("schemes__plan_in_year", filter=in_year))
        .order_by("name")
    )


TRACKER_INDEX_COLUMNS = ("pk", "reference", "name", "programme__name")


def tracker_index_schemes(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> QuerySet[Scheme, dict[str, Any]]:
    """The year's schemes in register order, with only what the trackers' index shows: one query."""
    return scheme_register(user, organisation, year).values(*TRACKER_INDEX_COLUMNS)


def scheme_months_for(user: Viewer) -> QuerySet[SchemeMonth]:
    """Every scheme month the user may see, with what the API names them by (one query a page)."""
    return SchemeMonth.objects.for_user(user).select_related(
        "scheme__organisation", "scheme__year").order_by(
        "scheme__organisation__ods_code", "scheme__year__start_year", "scheme__reference", "scheme_id", "month")


@dataclass(frozen=True)
class MonthTotals:
    """An organisation-year's stored scheme figures for one month, added up: the plan, the actuals entered
    (None when no scheme has one for the month) and the forecast (each scheme's forecast, or its plan where none)."""

    month: int
    plan: Decimal
    actual: Decimal | None
    forecast_or_plan: Decimal


def monthly_totals(user: Viewer, organisation: Organisation, year: FinancialYear) -> list[MonthTotals]:
    """M1..M12 of the year's schemes, summed in the database (one query, whatever the number of schemes)."""
    rows = (SchemeMonth.objects.for_user(user).filter(scheme__organisation=organisation, scheme__year=year)
            .values("month").order_by("month")
            .annotate(plan_sum=Sum("plan"), actual_sum=Sum("actual"), actuals=Count("actual"),
                      forecast_sum=Sum(Coalesce("forecast", "plan"))))
    by_month = {row["month"]: row for row in rows}
    zero = Decimal("0")
    return [
        MonthTotals(month=m, plan=by_month[m]["plan_sum"] or zero,
                    actual=by_month[m]["actual_sum"] if by_month[m]["actuals"] else None,
                    forecast_or_plan=by_month[m]["forecast_sum"] or zero)
        if m in by_month else MonthTotals(month=m, plan=zero, actual=None, forecast_or_plan=zero)
        for m in range(1, 13)
    ]
