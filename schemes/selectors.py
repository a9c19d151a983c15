"""Reads and calculations over schemes, always scoped to the user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace as with_changes
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from governance.formatting import format_money, format_month, format_person, month_label
from governance.models import MonthStatus
from schemes import engine
from schemes.models import (
    DirectorAssessment,
    Figure,
    FigureOverride,
    KeyStage,
    PanelSitting,
    Programme,
    ProgrammeTarget,
    Rag,
    Scheme,
    SchemeMonth,
    SchemeRating,
    StageChange,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from governance.models import FinancialYear, Organisation


def schemes_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Scheme]:
    return (
        Scheme.objects.for_user(user)
        .select_related("organisation", "year", "programme")
        .order_by("programme__name", "reference")
    )


def scheme_register(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> QuerySet[Scheme]:
    """The working organisation and year's schemes, in register order (register_rows adds YTD actual)."""
    return schemes_for(user).filter(organisation=organisation, year=year)


def latest_rating(scheme: Scheme) -> SchemeRating | None:
    return scheme.ratings.select_related("sitting").order_by("-sitting__held_on", "-id").first()


def latest_assessment(scheme: Scheme) -> DirectorAssessment | None:
    """The assessment in use: the one with the newest date."""
    return scheme.director_assessments.order_by("-assessed_on", "-created_at").first()


def newest_assessment(scheme: Scheme) -> DirectorAssessment | None:
    """The assessment recorded last, whatever its date: its id is the director's page's edit token."""
    return scheme.director_assessments.order_by("-created_at", "-id").first()


def active_overrides(scheme: Scheme) -> dict[str, FigureOverride]:
    """The scheme's overrides in force, by figure (uses `scheme.overrides` as prefetched, if it is)."""
    return {o.figure: o for o in scheme.overrides.all() if o.cleared_at is None}


def rag_factors(organisation: Organisation) -> engine.RagFactors:
    return engine.RagFactors(organisation.green_factor, organisation.amber_factor, organisation.red_factor)


def scheme_engine_inputs(scheme: Scheme, **replace: Any) -> engine.SchemeInputs:
    """Everything the engine needs about one scheme, as plain values.

    `replace` lets a page preview a change (e.g. a director's assessment) before it is saved.
    """
    saved = scheme.pk is not None  # a scheme being created has no ratings, assessments or overrides yet
    return engine_inputs(
        scheme,
        rating=latest_rating(scheme) if saved else None,
        assessment=latest_assessment(scheme) if saved else None,
        overrides={figure: o.value for figure, o in active_overrides(scheme).items()} if saved else {},
        **replace,
    )


def engine_inputs(
    scheme: Scheme, *, rating: SchemeRating | None, assessment: DirectorAssessment | None,
    overrides: dict[str, Decimal], **replace: Any,
) -> engine.SchemeInputs:
    """The engine's inputs from a scheme and its latest rating, assessment and active overrides."""
    values: dict[str, Any] = {
        "year_start": scheme.year.start_year,
        "go_live": scheme.go_live,
        "gross_saving": scheme.gross_saving,
        "new_investment": scheme.new_investment,
        "overall_rag": rating.overall if rating else None,
        "delivery_change_months": assessment.change_months if assessment else 0,
        "factors": rag_factors(scheme.organisation),
        "overrides": overrides,
        "monthly_profile": [Decimal(v) for v in scheme.monthly_profile] if scheme.monthly_profile else None,
    }
    values.update(replace)
    return engine.SchemeInputs(**values)


def recompute_inputs(scheme_ids: list[int]) -> list[tuple[Scheme, engine.SchemeInputs]]:
    """Lock the schemes and gather every engine input in five queries, however many schemes."""
    schemes = list(
        Scheme.objects.select_for_update(of=("self",)).select_related("organisation", "year")
        .filter(pk__in=scheme_ids).order_by("pk")
    )
    ratings = latest_ratings(schemes)
    assessments: dict[int, DirectorAssessment] = {}
    for assessment in DirectorAssessment.objects.filter(scheme_id__in=scheme_ids).order_by(
        "scheme_id", "-assessed_on", "-created_at"
    ):
        assessments.setdefault(assessment.scheme_id, assessment)
    overrides: dict[int, dict[str, Decimal]] = {}
    for override in FigureOverride.objects.filter(scheme_id__in=scheme_ids, cleared_at__isnull=True):
        overrides.setdefault(override.scheme_id, {})[override.figure] = override.value
    return [
        (scheme, engine_inputs(scheme, rating=ratings.get(scheme.pk), assessment=assessments.get(scheme.pk),
                               overrides=overrides.get(scheme.pk, {})))
        for scheme in schemes
    ]


def totals_of(schemes: QuerySet[Scheme]) -> engine.Totals:
    """Totals of stored (kept) figures, computed by the database in one query."""
    sums = schemes.aggregate(**{name: Sum(name) for name in engine.OVERRIDABLE})
    return engine.Totals(
        schemes=schemes.count(),
        # SQLite's SUM of decimals comes back with float noise; keep pennies as the papers do.
        **{name: engine.to_penny(Decimal(sums[name] or 0)) for name in engine.OVERRIDABLE},
    )


# --- Monthly tracking, panel sittings, stage gates and key stages ------------------------------------


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


def scheme_tracker(user: AbstractBaseUser | AnonymousUser, pk: int) -> SchemeTracker:
    """One scheme's tracker (raises Scheme.DoesNotExist when the user may not see it)."""
    from governance.selectors import closed_months

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
    user: AbstractBaseUser | AnonymousUser, pk: int, year: FinancialYear
) -> ProgrammeTracker:
    """A programme's schemes for one year with their months: a fixed number of queries however many schemes."""
    from governance.selectors import closed_months

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
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
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


def latest_ratings(schemes: Iterable[Scheme]) -> dict[int, SchemeRating]:
    """Each scheme's latest rating, newest sitting first (one query for any number of schemes)."""
    ids = [s.pk for s in schemes]
    latest: dict[int, SchemeRating] = {}
    ratings = SchemeRating.objects.filter(scheme_id__in=ids).select_related("sitting").order_by(
        "scheme_id", "-sitting__held_on", "-id"
    )
    for rating in ratings:
        latest.setdefault(rating.scheme_id, rating)
    return latest


def rating_tokens(scheme_ids: Iterable[int]) -> dict[int, int]:
    """A number per scheme that changes whenever any of its ratings is saved (its latest history row).

    The panel page sends back the tokens it was drawn with, so a second panel member's save cannot
    silently overwrite ratings recorded in the meantime.
    """
    rows = (
        SchemeRating.history.filter(scheme_id__in=list(scheme_ids))
        .values("scheme_id")
        .annotate(latest=Max("history_id"))
    )
    return {row["scheme_id"]: row["latest"] for row in rows}


def override_token(scheme: Scheme) -> int:
    """Changes whenever an override of the scheme is set or cleared (its latest history row)."""
    return FigureOverride.history.filter(scheme_id=scheme.pk).aggregate(latest=Max("history_id"))["latest"] or 0


def panel_sittings(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> QuerySet[PanelSitting]:
    return (
        PanelSitting.objects.for_user(user)
        .filter(organisation=organisation, year=year)
        .select_related("recorded_by")
        .annotate(rating_count=Count("ratings"))
        .order_by("-held_on", "-created_at")
    )


def panel_sitting(user: AbstractBaseUser | AnonymousUser, pk: int) -> PanelSitting:
    return PanelSitting.objects.for_user(user).select_related("organisation", "year", "recorded_by").get(pk=pk)


def sitting_ratings(sitting: PanelSitting) -> QuerySet[SchemeRating]:
    return sitting.ratings.select_related("scheme", "scheme__programme").order_by(
        "scheme__programme__name", "scheme__reference"
    )


def director_assessments(scheme: Scheme) -> QuerySet[DirectorAssessment]:
    return scheme.director_assessments.select_related("recorded_by").order_by("-assessed_on", "-created_at")


def stage_changes(scheme: Scheme) -> QuerySet[StageChange]:
    return scheme.stage_changes.select_related("recorded_by").order_by("-decided_on", "-created_at")


@dataclass(frozen=True)
class KeyStageRow:
    key_stage: KeyStage
    slipped_days: int


def key_stages(scheme: Scheme) -> list[KeyStageRow]:
    return [
        KeyStageRow(ks, engine.slippage_days(ks.baseline_date, ks.current_date, ks.completed_on))
        for ks in scheme.key_stages.order_by("order", "id")
    ]


def key_stage_for_user(user: AbstractBaseUser | AnonymousUser, scheme: Scheme, pk: int) -> KeyStage:
    return KeyStage.objects.for_user(user).select_related("scheme", "scheme__organisation").get(pk=pk, scheme=scheme)


# --- Register, scheme page and history (pages) -----------------------------------------------------

# The register's sortable columns: the `sort` GET parameter names one of these ("-" for descending).
REGISTER_SORTS: dict[str, str] = {
    "reference": "reference",
    "name": "name",
    "programme": "programme__name",
    "phase": "phase",
    "stage": "stage",
    "go_live": "go_live",
    "plan_in_year": "plan_in_year",
    "most_likely": "most_likely",
    "director_value": "director_value",
    "ytd_actual": "ytd_actual",
}


def latest_closed_month(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> int | None:
    """The latest month finance has closed for the organisation's year, if any (YTD runs to it)."""
    return (
        MonthStatus.objects.for_user(user)
        .filter(organisation=organisation, year=year, is_closed=True)
        .aggregate(month=Max("month"))["month"]
    )


def _ytd_actual() -> Subquery:
    """Sum of a scheme's actuals for M1..the latest closed month (all months with actuals if none is closed)."""
    closed = (
        MonthStatus.objects.filter(
            organisation=OuterRef(OuterRef("organisation")), year=OuterRef(OuterRef("year")), is_closed=True
        )
        .order_by("-month")
        .values("month")[:1]
    )
    sums = (
        SchemeMonth.objects.filter(scheme=OuterRef("pk"), actual__isnull=False)
        .filter(month__lte=Coalesce(Subquery(closed), Value(12)))
        .order_by()
        .values("scheme")
        .annotate(total=Sum("actual"))
        .values("total")
    )
    return Subquery(sums, output_field=DecimalField(max_digits=14, decimal_places=2))


def register_rows(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> QuerySet[Scheme]:
    """The register's schemes with `ytd_actual` annotated and active overrides prefetched.

    The number of queries does not grow with the number of schemes: one for the rows (YTD is a
    subquery) and one for the overrides.
    """
    active = FigureOverride.objects.filter(cleared_at__isnull=True).select_related("created_by")
    return (
        scheme_register(user, organisation, year)
        .annotate(ytd_actual=_ytd_actual())
        .prefetch_related(Prefetch("overrides", queryset=active, to_attr="active_overrides"))
    )


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
    schemes: int
    plan_in_year: Decimal
    most_likely: Decimal
    director_value: Decimal
    next_year_effect: Decimal
    ytd_actual: Decimal
    figures_computed_at: datetime | None


def register_totals(rows: Iterable[Scheme]) -> RegisterTotals:
    """Totals of the rows shown, by the engine's rule (kept penny values, overridden or not)."""
    rows = list(rows)
    sums = engine.totals({name: getattr(s, name) for name in engine.OVERRIDABLE} for s in rows)
    computed = [s.figures_computed_at for s in rows if s.figures_computed_at]
    return RegisterTotals(
        schemes=sums.schemes,
        plan_in_year=sums.plan_in_year,
        most_likely=sums.most_likely,
        director_value=sums.director_value,
        next_year_effect=sums.next_year_effect,
        ytd_actual=sum((getattr(s, "ytd_actual", None) or Decimal("0") for s in rows), Decimal("0")),
        figures_computed_at=max(computed) if computed else None,
    )


@dataclass(frozen=True)
class PortfolioSummary:
    totals: engine.Totals
    rag_counts: dict[str, int]  # green, amber, red, unrated
    figures_computed_at: datetime | None


def portfolio_summary(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
) -> PortfolioSummary:
    """Totals, RAG mix and when figures were last computed, for the home page (two queries)."""
    schemes = scheme_register(user, organisation, year)
    counts = schemes.aggregate(
        green=Count("pk", filter=Q(overall_rag=Rag.GREEN)),
        amber=Count("pk", filter=Q(overall_rag=Rag.AMBER)),
        red=Count("pk", filter=Q(overall_rag=Rag.RED)),
        unrated=Count("pk", filter=Q(overall_rag="")),
        computed=Max("figures_computed_at"),
    )
    computed = counts.pop("computed")
    return PortfolioSummary(totals=totals_of(schemes), rag_counts=counts, figures_computed_at=computed)


def programme_rollup(
    user: AbstractBaseUser | AnonymousUser, organisation: Organisation, year: FinancialYear
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


def programme_targets(user: AbstractBaseUser | AnonymousUser, organisation: Organisation) -> ProgrammeTargets | None:
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


def scheme_for_page(user: AbstractBaseUser | AnonymousUser, pk: int) -> Scheme:
    """One scheme with everything its page shows, in a bounded number of queries.

    Raises Scheme.DoesNotExist when the user may not see it (the view turns that into a 404).
    """
    return (
        schemes_for(user)
        .prefetch_related(
            Prefetch("months", queryset=SchemeMonth.objects.order_by("month")),
            Prefetch(
                "ratings",
                queryset=SchemeRating.objects.select_related("sitting").order_by("-sitting__held_on", "-id"),
            ),
            Prefetch(
                "director_assessments",
                queryset=DirectorAssessment.objects.select_related("recorded_by").order_by(
                    "-assessed_on", "-created_at"
                ),
            ),
            Prefetch(
                "overrides",
                queryset=FigureOverride.objects.select_related("created_by", "cleared_by").order_by("-created_at"),
            ),
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("recorded_by")),
            Prefetch("key_stages", queryset=KeyStage.objects.order_by("order", "id")),
            # Risks sit above schemes (risks app): prefetched by name, in the Risk model's own order.
            "risks",
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class FigureWorking:
    figure: str
    label: str
    value: Decimal
    formula: str
    override: FigureOverride | None
    formula_value: Decimal | None  # what the formula gives when the figure is overridden


def figure_workings(scheme: Scheme) -> list[FigureWorking]:
    """Each computed figure with the inputs of its formula spelled out (uses prefetched data only)."""
    money = format_money
    overrides = active_overrides(scheme)
    factors = rag_factors(scheme.organisation)
    inputs = engine.SchemeInputs(
        year_start=scheme.year.start_year,
        go_live=scheme.go_live,
        gross_saving=scheme.gross_saving,
        new_investment=scheme.new_investment,
        overall_rag=scheme.overall_rag or None,
        delivery_change_months=scheme.delivery_change_months,
        factors=factors,
        overrides={name: o.value for name, o in overrides.items()},
    )
    # What the formula gives for an overridden figure: the engine with every other override kept.
    formula_values = {
        name: getattr(engine.compute(with_changes(inputs, overrides={k: v for k, v in inputs.overrides.items()
                                                                  if k != name})), name)
        for name in overrides
    }

    def result(name: str) -> str:
        return money(formula_values.get(name, getattr(scheme, name)))

    factor = factors.factor(scheme.overall_rag or None)
    rag = scheme.get_overall_rag_display() if scheme.overall_rag else "not rated yet"
    percent = f"{factor * 100:.0f}%"
    fye, plan = scheme.full_year_effect, scheme.plan_in_year
    months, adjusted, change = scheme.months_in_year, scheme.adjusted_months, scheme.delivery_change_months
    investment = "TBC (counts as £0)" if scheme.investment_tbc else money(scheme.new_investment or 0)
    go_live = format_month(scheme.go_live) if scheme.go_live else "none (live all year)"
    clamp = "" if months + change == adjusted else f" (kept within 0 to 12, so {adjusted})"
    if "plan_in_year" in overrides:
        base = f"(in-year plan {money(plan)} + FYE {money(fye)} × {change:+d} months ÷ 12)"
        next_year = f"FYE {money(fye)} − delivery this year before the rating factor = {result('director_next_year')}"
    else:
        base = f"FYE {money(fye)} × {adjusted} months ÷ 12"
        next_year = f"FYE {money(fye)} × (12 − {adjusted}) months ÷ 12 = {result('director_next_year')}"
    texts = {
        "full_year_effect": (
            f"gross saving {money(scheme.gross_saving)} − new investment {investment} = {result('full_year_effect')}"
        ),
        "plan_in_year": (
            f"FYE {money(fye)} × {months} months ÷ 12 = {result('plan_in_year')} "
            f"(go-live {go_live}: {months} months in year)"
        ),
        "next_year_effect": f"FYE {money(fye)} − in-year plan {money(plan)} = {result('next_year_effect')}",
        "most_likely": f"in-year plan {money(plan)} × {percent} (overall rating {rag}) = {result('most_likely')}",
        "director_value": (
            f"months {months} {'+' if change >= 0 else '−'} change {abs(change)} = {months + change} adjusted months"
            f"{clamp}; {base} × {percent} ({rag}) = {result('director_value')}"
        ),
        "director_next_year": next_year,
    }
    rows = []
    for figure in Figure:
        override = overrides.get(figure.value)
        rows.append(
            FigureWorking(
                figure=figure.value,
                label=str(figure.label),
                value=getattr(scheme, figure.value),
                formula=texts[figure.value],
                override=override,
                formula_value=formula_values.get(figure.value),
            )
        )
    return rows


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    what: str  # "Created", "Changed", "Override set", "Override cleared"
    field: str
    old: str
    new: str
    note: str = ""


HISTORY_IGNORED = {"version", "id"}


def display_scheme_value(field_name: str, value: Any, programmes: dict[int, str]) -> str:
    """A scheme field's value as words for a page: choices by label, money as £, go-live as Mmm-yy."""
    if value is None or value == "":
        return "(blank)"
    if field_name == "programme":
        return programmes.get(value, f"programme #{value}")
    field = Scheme._meta.get_field(field_name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date) and field_name == "go_live":
        return format_month(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format_money(value)
    if field_name == "monthly_profile" and isinstance(value, list):
        return ", ".join(format_money(v) for v in value)
    return str(value)


def _who(user: Any) -> str:
    return format_person(user, "System (import or task)")


def scheme_change_history(scheme: Scheme) -> list[HistoryRow]:
    """Every change to the scheme's fields (who, when, field: from -> to) and its overrides, newest first.

    Two queries: the history records (with their users) and the programme names; overrides come
    from `scheme.overrides` (prefetched by `scheme_for_page`).
    """
    records = list(scheme.history.select_related("history_user").order_by("history_date", "history_id"))
    programme_ids = {r.programme_id for r in records if r.programme_id}
    programmes = dict(Programme.objects.filter(pk__in=programme_ids).values_list("pk", "name"))
    rows: list[HistoryRow] = []
    previous = None
    for record in records:
        who = _who(record.history_user)
        if previous is None or record.history_type == "+":
            rows.append(HistoryRow(record.history_date, who, "Created", "", "", f"{record.reference} {record.name}"))
        else:
            delta = record.diff_against(previous, excluded_fields=HISTORY_IGNORED)
            for change in sorted(delta.changes, key=lambda c: Scheme._meta.get_field(c.field).creation_counter):
                label = str(Scheme._meta.get_field(change.field).verbose_name)
                rows.append(HistoryRow(
                    record.history_date, who, "Changed", label[:1].upper() + label[1:],
                    display_scheme_value(change.field, change.old, programmes),
                    display_scheme_value(change.field, change.new, programmes),
                ))
        previous = record
    labels = dict(Figure.choices)
    for override in scheme.overrides.all():
        label = str(labels.get(override.figure, override.figure))
        rows.append(HistoryRow(
            override.created_at, _who(override.created_by), "Override set", label, "",
            format_money(override.value), override.reason,
        ))
        if override.cleared_at:
            rows.append(HistoryRow(
                override.cleared_at, _who(override.cleared_by), "Override cleared", label,
                format_money(override.value), "formula value", override.clear_reason,
            ))
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows


@dataclass(frozen=True)
class DirectorPreview:
    change_months: int
    figures: engine.SchemeFigures


def director_preview(scheme: Scheme, change_months: int) -> DirectorPreview:
    """What the scheme's figures would be with this change in delivery (nothing is saved)."""
    try:
        figures = engine.compute(scheme_engine_inputs(scheme, delivery_change_months=change_months))
    except engine.ProfileError:
        figures = engine.compute(scheme_engine_inputs(scheme, delivery_change_months=change_months,
                                                      monthly_profile=None))
    return DirectorPreview(change_months=change_months, figures=figures)


@dataclass(frozen=True)
class TimelineRow:
    row: KeyStageRow
    cells: tuple[str, ...]  # per month: "", "baseline", "current", "both", "completed", "slip"


@dataclass(frozen=True)
class Timeline:
    months: tuple[date, ...]
    rows: tuple[TimelineRow, ...]
    truncated: bool


def key_stage_timeline(scheme: Scheme, max_months: int = 36) -> Timeline:
    """Key stages over months: where each was baselined, where it is now, and the slip between."""
    rows = key_stages(scheme)
    months, truncated = engine.timeline_months(
        [d for r in rows for d in (r.key_stage.baseline_date, r.key_stage.current_date, r.key_stage.completed_on)],
        max_months=max_months,
    )
    out = []
    for r in rows:
        ks = r.key_stage
        out.append(TimelineRow(r, tuple(engine.timeline_marker(m, ks.baseline_date, ks.current_date, ks.completed_on)
                                        for m in months)))
    return Timeline(months=tuple(months), rows=tuple(out), truncated=truncated)


def scheme_as_of_version(scheme: Scheme, version: int | None) -> Any | None:
    """The scheme's fields as they were saved at `version` (its history record), if known."""
    if version is None:
        return None
    return scheme.history.filter(version=version).order_by("-history_date", "-history_id").first()
