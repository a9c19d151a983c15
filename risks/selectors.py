"""Risk reads, every one scoped to the user with `for_user`. Selectors never take row locks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet
from django.utils import timezone

from risks import scoring
from risks.models import STAGE_LABELS, STAGES, Risk

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


def with_scores(queryset: QuerySet[Risk]) -> QuerySet[Risk]:
    """Each stage's likelihood x impact as `<stage>_product`, for filtering and ordering in the database."""
    return queryset.annotate(**{
        f"{stage}_product": F(f"{stage}_likelihood") * F(f"{stage}_impact") for stage in STAGES
    })


def risks_for(user: Viewer) -> QuerySet[Risk]:
    """Every risk the user may see, with what a list shows of its organisation, year, programme and scheme."""
    return with_scores(
        Risk.objects.for_user(user).select_related("organisation", "year", "programme", "scheme")
    )


def risk_register(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> QuerySet[Risk]:
    """The working organisation and year's risk register, highest current score first."""
    return risks_for(user).filter(organisation=organisation, year=year).order_by(
        F("current_product").desc(nulls_last=True), "reference", "id"
    )


def risk_for_page(user: Viewer, pk: int) -> Risk:
    """One risk the user may see (Risk.DoesNotExist otherwise)."""
    return risks_for(user).get(pk=pk)


@dataclass(frozen=True)
class StageScore:
    """One of a risk's three scores as a page or the API shows it."""

    stage: str
    label: str
    likelihood: int | None
    impact: int | None
    score: int | None  # likelihood x impact, or a bare published score kept without them
    band: str | None
    recorded: bool  # likelihood and impact are recorded
    published: str  # the paper's own text, where kept
    discrepancy: str  # what the published text says that the computed score does not


def stage_scores(risk: Any) -> list[StageScore]:
    """The year-start, current and target scores of a risk (or of a historical version of one)."""
    rows = []
    for stage in STAGES:
        likelihood = getattr(risk, f"{stage}_likelihood")
        impact = getattr(risk, f"{stage}_impact")
        computed = scoring.risk_score(likelihood, impact)
        published = getattr(risk, f"{stage}_published") or ""
        score = computed if computed is not None else getattr(risk, f"{stage}_published_score")
        rows.append(StageScore(
            stage, STAGE_LABELS[stage], likelihood, impact, score,
            None if score is None else scoring.score_band(score), computed is not None, published,
            discrepancy(published, likelihood, impact),
        ))
    return rows


def discrepancy(published: str, likelihood: int | None, impact: int | None) -> str:
    """"published 20 4x4, but 4 x 4 = 16": where a paper's score disagrees with its likelihood x impact."""
    computed = scoring.risk_score(likelihood, impact)
    if not published or computed is None:
        return ""
    try:
        printed = scoring.parse_score_text(published)
    except ValueError:
        return f"published “{published}” could not be read"
    parts = []
    if printed.score is not None and printed.score != computed:
        parts.append(f"score {printed.score}")
    if printed.likelihood is not None and (printed.likelihood, printed.impact) != (likelihood, impact):
        parts.append(f"{printed.likelihood}×{printed.impact}")
    if printed.band is not None and printed.band != scoring.score_band(computed):
        parts.append(printed.band)
    if not parts:
        return ""
    return (f"Published “{published}” ({', '.join(parts)}), but {likelihood} × {impact} = {computed} "
            f"{scoring.score_band(computed)}")


def risk_as_of(risk: Risk, day: date) -> Any | None:
    """The risk as it stood at the end of `day` (a historical record), or None if it did not exist yet."""
    moment = timezone.make_aware(datetime.combine(day, time.max))
    return risk.history.filter(history_date__lte=moment).order_by("-history_date", "-history_id").first()


@dataclass(frozen=True)
class ScoreReview:
    """One dated change of a risk's scores: who, when and the three scores after it."""

    when: datetime
    who: str
    scores: list[StageScore]
    change: str  # "+" created, "~" changed


SCORE_HISTORY_FIELDS = tuple(
    f"{stage}_{part}" for stage in STAGES for part in ("likelihood", "impact", "published_score")
)


def risk_score_history(risk: Risk) -> list[ScoreReview]:
    """Each saved version whose scores differ from the one before, newest first (one query)."""
    versions = list(risk.history.select_related("history_user").order_by("history_date", "history_id"))
    reviews: list[ScoreReview] = []
    previous: tuple[Any, ...] | None = None
    for version in versions:
        key = tuple(getattr(version, name) for name in SCORE_HISTORY_FIELDS)
        if key != previous:
            user = version.history_user
            who = (user.get_full_name() or user.get_username()) if user is not None else "the system"
            reviews.append(ScoreReview(version.history_date, who, stage_scores(version), version.history_type))
        previous = key
    return reviews[::-1]


def risk_change_history(risk: Risk) -> list[dict[str, Any]]:
    """Every saved version of the risk, newest first, with the fields each changed (who, when, before, after)."""
    versions = list(risk.history.select_related("history_user").order_by("-history_date", "-history_id"))
    rows = []
    for index, version in enumerate(versions):
        user = version.history_user
        who = (user.get_full_name() or user.get_username()) if user is not None else "the system"
        older = versions[index + 1] if index + 1 < len(versions) else None
        changes = []
        if older is not None:
            for change in version.diff_against(older).changes:
                changes.append({"field": str(getattr(Risk._meta.get_field(change.field), "verbose_name",
                                                    change.field)),
                                "old": change.old, "new": change.new})
        rows.append({"when": version.history_date, "who": who, "type": version.get_history_type_display(),
                     "version": version.version, "changes": changes})
    return rows


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    count: int
    score: int
    band: str


def risk_heat_map(queryset: QuerySet[Risk], stage: str) -> list[list[HeatCell]]:
    """Likelihood (5 down to 1) by impact (1 to 5), the number of risks in each cell at `stage` (one query)."""
    if stage not in STAGES:
        raise ValueError(f"Unknown score {stage!r}")
    pairs = queryset.values_list(f"{stage}_likelihood", f"{stage}_impact")
    grid = scoring.heat_map(pairs)
    rows = []
    for row_index, counts in enumerate(grid):
        likelihood = scoring.HIGH - row_index
        rows.append([
            HeatCell(likelihood, impact, counts[impact - 1], likelihood * impact,
                     scoring.score_band(likelihood * impact))
            for impact in range(scoring.LOW, scoring.HIGH + 1)
        ])
    return rows


@dataclass(frozen=True)
class RiskSummary:
    """A year's register for a dashboard: the heat map now and at target, what is not on it, the top risks."""

    current: list[list[int]]  # risks.scoring.heat_map grids: likelihood 5 down to 1, impact 1 to 5
    target: list[list[int]]
    unscored_current: int
    unscored_target: int
    top: list[Risk]  # highest current score first


def risk_summary(user: Viewer, organisation: Organisation, year: FinancialYear, top: int = 5) -> RiskSummary:
    """The register's heat maps and its `top` risks by current score: one read of what they show of each risk,
    whatever its size."""
    risks = list(risk_register(user, organisation, year).select_related(None).only(
        "reference", "title", "owner", "current_likelihood", "current_impact", "target_likelihood", "target_impact"))
    current = [(risk.current_likelihood, risk.current_impact) for risk in risks]
    target = [(risk.target_likelihood, risk.target_impact) for risk in risks]
    return RiskSummary(
        current=scoring.heat_map(current), target=scoring.heat_map(target),
        unscored_current=sum(1 for pair in current if None in pair),
        unscored_target=sum(1 for pair in target if None in pair),
        top=[risk for risk in risks if risk.current_likelihood is not None][:top],
    )
