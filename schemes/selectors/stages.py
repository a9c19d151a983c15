"""Stage gates (a scheme's moves between stages) and key stages (its dated milestones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from schemes import engine
from schemes.models import KeyStage, Scheme, StageChange

if TYPE_CHECKING:
    from governance.permissions import Viewer


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


def key_stage_for_user(user: Viewer, scheme: Scheme, pk: int) -> KeyStage:
    return KeyStage.objects.for_user(user).select_related("scheme", "scheme__organisation").get(pk=pk, scheme=scheme)


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


def stage_changes_for(user: Viewer) -> QuerySet[StageChange]:
    return StageChange.objects.for_user(user).select_related(
        "scheme__organisation", "scheme__year").order_by("scheme__organisation__ods_code", "-decided_on", "-id")


def key_stages_for(user: Viewer) -> QuerySet[KeyStage]:
    return KeyStage.objects.for_user(user).select_related(
        "scheme__organisation", "scheme__year").order_by("scheme__organisation__ods_code", "scheme__reference",
                                                         "order", "id")
