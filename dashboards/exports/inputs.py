"""What the board pack shows, as plain rows, and where each comes from.

The sheets take plain rows, never models, so that a month's stored snapshot (the month-end report, issued) and
today's figures (for a month with no report yet) fill the same sheets the same way. `pack_inputs` reads them
through the apps' selectors, scoped to the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finance.models import VarianceReport, VarianceReportLine
    from finance.selectors import FinancialRiskRegister
    from governance.models import FinancialYear, Organisation

ZERO = Decimal("0")
MONEY_FIGURES = ("full_year_effect", "plan_in_year", "next_year_effect", "most_likely", "director_value",
                 "director_next_year")
RATING_DIMENSIONS = ("value", "resources", "timescales", "codependencies", "overall")
RISK_STAGES = ("year_start", "current", "target")


@dataclass(frozen=True)
class MonthFigures:
    """One scheme month: plan, and actual and forecast where recorded (None = not yet)."""

    plan: Decimal
    actual: Decimal | None = None
    forecast: Decimal | None = None


@dataclass(frozen=True)
class SchemeRow:
    """A scheme as the pack shows it: the register's stored figures, its ratings and its twelve months."""

    reference: str
    programme: str
    name: str
    phase: int | None
    go_live: str  # "Jul-13", or "" when not set
    months_in_year: int
    gross_saving: Decimal  # full year, before investment: what the savings gap counts as identified
    figures: dict[str, Decimal]  # MONEY_FIGURES -> pounds (overridden where set by hand)
    overrides: dict[str, str]  # figure -> the reason it was set by hand
    ratings: dict[str, str]  # RATING_DIMENSIONS -> "green" / "amber" / "red" ("" = not rated)
    delivery_change_months: int
    months: list[MonthFigures]  # M1..M12


@dataclass(frozen=True)
class RiskScore:
    likelihood: int | None
    impact: int | None
    score: int | None
    band: str | None


@dataclass(frozen=True)
class RiskRow:
    reference: str
    title: str
    category: str
    threatens: str  # the scheme or programme it threatens
    owner: str
    mitigation: str
    review_date: Any  # a date or None
    scores: dict[str, RiskScore]  # RISK_STAGES -> score


@dataclass(frozen=True)
class Bridge:
    """The savings bridge: from the target to what is identified, planned, likely and delivered (pounds): the
    month's, as the dashboard shows it (finance.selectors.month_end_figures: the report's rows where the month has
    one, else today's stored figures)."""

    target: Decimal | None  # the QIPP the financial plan counts on (None: no financial plan)
    identified: Decimal  # gross full-year savings of the identified schemes
    plan_in_year: Decimal
    most_likely: Decimal
    director_value: Decimal
    ytd_actual: Decimal
    forecast_outturn: Decimal
    unidentified: Decimal | None  # target less identified (negative: more identified than the target asks)


@dataclass(frozen=True)
class PackInputs:
    """Everything the pack shows, read through the selectors (scoped to the reader)."""

    organisation: Organisation
    year: FinancialYear
    month: int
    produced_at: datetime
    schemes: list[SchemeRow]
    report: VarianceReport | None  # the month's current month-end report, the snapshot the pack reads
    budget_lines: list[VarianceReportLine]
    bridge: Bridge
    financial_risks: FinancialRiskRegister | None
    risks: list[RiskRow]
    plan_rows: list[dict[str, Any]]  # the improvement plan's rows (governance.selectors.plan_snapshot_rows)
    plan_source: str  # where the plan's rows come from, in words
    commentary: str = ""
    sources: list[tuple[str, str]] = field(default_factory=list)  # (sheet, where its figures come from)

    @property
    def source_note(self) -> str:
        if self.report is None:
            return "No month-end report for this month: today's figures."
        return f"From the month-end report, issue {self.report.issue} of {self.report.produced_at:%d %B %Y %H:%M}."

    @property
    def ytd_month(self) -> int:
        return self.month

