"""The register (the working organisation and year's schemes: filtered, sorted and totalled), the
programmes and their targets, and the home page's summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Literal

from django.db.models import DecimalField, F, Max, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from governance.models import MonthStatus
from schemes import engine
from schemes.models import FigureOverride, Programme, Scheme, SchemeMonth
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


def programmes_for(user: Viewer, organisation: Organisation) -> QuerySet[Programme]:
    """The organisation's programmes the user may see, by name (the register's filter, the scheme form)."""
    return Programme.objects.for_user(user).filter(organisation=organisation).order_by("name")


def programme_names(programme_ids: Iterable[int]) -> dict[int, str]:
    """Programmes' names by id, for pages that show a scheme's programme as it was (one query)."""
    return dict(Programme.objects.filter(pk__in=set(programme_ids)).values_list("pk", "name"))
