"""Reading the board pack's inputs through the apps' selectors, scoped to the reader.

Where the pack's figures come from (docs/adr/0004-board-pack-from-the-month-end-report.md):
- a month with a month-end report: its current issue, the stored snapshot (budget table, every scheme's figures,
  ratings, overrides and twelve months as they were when it was issued, and the savings target), so a pack
  reissued later shows what was reported then;
- a month without one: today's stored figures, and the Summary says so;
- financial risks: the month's own register (finance keeps one per month); the improvement plan: the month's
  published update where there is one, else today's plan judged at the month's end; the risk register: today's
  (risks keeps no monthly register; its history is on each risk's page).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.utils import timezone

from dashboards.exports.inputs import (
    MONEY_FIGURES,
    RATING_DIMENSIONS,
    RISK_STAGES,
    ZERO,
    Bridge,
    MonthFigures,
    PackInputs,
    RiskRow,
    RiskScore,
    SchemeRow,
)
from governance.formatting import format_month

if TYPE_CHECKING:
    from finance.models import VarianceReportScheme
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


def shell_reader() -> User:
    """Who the shell's board_pack command reads as: its operator can read every organisation already. Never saved."""
    return User(username="board-pack command", is_active=True, is_superuser=True)


def _live_schemes(user: Viewer, organisation: Organisation, year: FinancialYear) -> list[SchemeRow]:
    """Today's stored scheme figures, latest ratings and months (a fixed number of queries)."""
    from schemes.selectors import latest_ratings, register_rows, scheme_months_for

    schemes = list(register_rows(user, organisation, year).select_related("programme")
                   .order_by("programme__name", "reference"))
    ratings = latest_ratings(schemes)
    months: dict[int, dict[int, MonthFigures]] = defaultdict(dict)
    for scheme_id, number, plan, actual, forecast in (
            scheme_months_for(user).filter(scheme__in=[s.pk for s in schemes])
            .values_list("scheme_id", "month", "plan", "actual", "forecast")):
        months[scheme_id][number] = MonthFigures(plan=plan, actual=actual, forecast=forecast)
    rows = []
    for scheme in schemes:
        rating = ratings.get(scheme.pk)
        rows.append(SchemeRow(
            reference=scheme.reference, programme=scheme.programme.name, name=scheme.name, phase=scheme.phase,
            go_live=format_month(scheme.go_live) if scheme.go_live else "", months_in_year=scheme.months_in_year,
            gross_saving=Decimal(scheme.gross_saving),
            figures={name: Decimal(getattr(scheme, name)) for name in MONEY_FIGURES},
            overrides={o.figure: o.reason for o in getattr(scheme, "active_overrides", [])},
            ratings={d: (getattr(rating, d, "") if rating else "") for d in RATING_DIMENSIONS},
            delivery_change_months=scheme.delivery_change_months,
            months=[months[scheme.pk].get(n, MonthFigures(plan=ZERO)) for n in range(1, 13)],
        ))
    return rows


def _snapshot_schemes(snapshot: list[VarianceReportScheme]) -> list[SchemeRow]:
    """The schemes as the report stored them when it was issued."""
    rows = []
    for stored in snapshot:
        rows.append(SchemeRow(
            reference=stored.reference, programme=stored.programme, name=stored.name, phase=stored.phase,
            go_live=stored.go_live, months_in_year=stored.months_in_year,
            gross_saving=stored.gross_saving,
            figures={name: getattr(stored, name) for name in MONEY_FIGURES},
            overrides=dict(stored.overrides),
            ratings={d: getattr(stored, f"{d}_rag") for d in RATING_DIMENSIONS},
            delivery_change_months=stored.delivery_change_months,
            months=[MonthFigures(plan=Decimal(m["plan"]),
                                 actual=None if m["actual"] is None else Decimal(m["actual"]),
                                 forecast=None if m["forecast"] is None else Decimal(m["forecast"]))
                    for m in stored.months],
        ))
    return rows


def _risks(user: Viewer, organisation: Organisation, year: FinancialYear) -> list[RiskRow]:
    from risks.selectors import risk_register

    rows = []
    for risk in risk_register(user, organisation, year):
        threatens = risk.scheme.name if risk.scheme else (risk.programme.name if risk.programme else "")
        rows.append(RiskRow(
            reference=risk.reference, title=risk.title, category=risk.get_category_display(), threatens=threatens,
            owner=risk.owner, mitigation=risk.mitigation, review_date=risk.review_date,
            scores={stage: RiskScore(getattr(risk, f"{stage}_likelihood"), getattr(risk, f"{stage}_impact"),
                                     risk.score(stage) or getattr(risk, f"{stage}_published_score"),
                                     risk.band(stage)) for stage in RISK_STAGES},
        ))
    return rows


def _plan(user: Viewer, organisation: Organisation, year: FinancialYear, month: int) -> tuple[list[dict[str, Any]],
                                                                                            str]:
    from governance.formatting import month_label
    from governance.models import PlanUpdate
    from governance.selectors import plan_actions, plan_as_at, plan_snapshot_rows, plan_update_detail

    try:
        update = plan_update_detail(user, organisation, year, month)
    except PlanUpdate.DoesNotExist:
        rows = plan_snapshot_rows(plan_actions(user, organisation, year), plan_as_at(year, timezone.localdate(),
                                                                                      month))
        return rows, (f"No update was published for {month_label(year.start_year, month)}: today's plan, overdue "
                      "actions judged at the month's end.")
    return update.rows, f"The {month_label(year.start_year, month)} update as published on " \
                        f"{update.published_at:%d %B %Y}."


def pack_inputs(
    user: Viewer | None, organisation: Organisation, year: FinancialYear, month: int, *, produced_at: datetime,
    commentary: str = "",
) -> PackInputs:
    """What the pack for `month` shows, read through the selectors scoped to `user` (None: the shell command)."""
    from finance.selectors import financial_risk_months, financial_risk_register, month_end_figures

    reader: Viewer = user if user is not None else shell_reader()
    figures = month_end_figures(reader, organisation, year, month)  # the dashboard's reader of the month, too
    report = figures.report
    schemes = _snapshot_schemes(figures.schemes) if figures.reported else _live_schemes(reader, organisation, year)
    month_bridge = figures.bridge
    bridge = Bridge(target=month_bridge.target, identified=sum((s.gross_saving for s in schemes), ZERO),
                    plan_in_year=month_bridge.identified_plan, most_likely=month_bridge.most_likely,
                    director_value=month_bridge.director_value, ytd_actual=month_bridge.ytd_actual,
                    forecast_outturn=month_bridge.forecast_outturn, unidentified=month_bridge.unidentified)
    register = next((r for r in financial_risk_months(reader, organisation, year) if r.month == month), None)
    plan_rows, plan_source = _plan(reader, organisation, year, month)
    return PackInputs(
        organisation=organisation, year=year, month=month, produced_at=produced_at, schemes=schemes, report=report,
        budget_lines=list(report.lines.all()) if report is not None else [], bridge=bridge,
        financial_risks=financial_risk_register(reader, register) if register is not None else None,
        risks=_risks(reader, organisation, year), plan_rows=plan_rows, plan_source=plan_source,
        commentary=commentary,
    )
