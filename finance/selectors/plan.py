"""Finance reads: the savings gap set against identified schemes; the financial risks and mitigations register."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from finance import calculations
from finance.models import FinancialPlan, FinancialPlanLine
from schemes.selectors import YearSchemeSums, year_scheme_sums

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class SavingsGap:
    """The plan set against identified schemes, with the paper's meanings (see calculations.plan_position)."""

    allocation: Decimal
    planned_expenditure: Decimal  # as the plan states it
    planned_qipp: Decimal  # the QIPP netted off it (0 if none)
    expenditure_before_qipp: Decimal
    savings_requirement: Decimal  # spend before QIPP less allocation
    qipp_commitment: Decimal
    planned_surplus: Decimal  # after the QIPP commitment; negative is a planned deficit
    gross_identified: Decimal
    investment: Decimal
    net_identified: Decimal
    unidentified: Decimal  # QIPP commitment not yet found in schemes
    investment_tbc_schemes: int

    @property
    def nets_qipp(self) -> bool:
        """True when the plan's expenditure already has QIPP taken off (so commitment and deficit differ)."""
        return self.planned_qipp > 0


def savings_gap(
    user: Viewer, organisation: Organisation, year: FinancialYear, sums: YearSchemeSums | None = None,
) -> SavingsGap | None:
    """The year's plan against its schemes (None without a plan); `sums`: the schemes' year_scheme_sums, if read."""
    plan = FinancialPlan.objects.for_user(user).filter(organisation=organisation, year=year).first()
    if plan is None:
        return None
    return savings_gap_of(plan, sums or year_scheme_sums(user, organisation, year))


def savings_gap_of(plan: FinancialPlan, sums: YearSchemeSums) -> SavingsGap:
    """The plan against its year's schemes' sums (schemes.selectors.year_scheme_sums)."""
    gross, investment = sums.gross_saving, sums.new_investment
    position = calculations.plan_position(plan.allocation, plan.planned_expenditure, plan.planned_qipp)
    return SavingsGap(
        allocation=plan.allocation,
        planned_expenditure=plan.planned_expenditure,
        planned_qipp=plan.planned_qipp,
        expenditure_before_qipp=position.expenditure_before_qipp,
        savings_requirement=position.savings_requirement,
        qipp_commitment=position.qipp_commitment,
        planned_surplus=position.planned_surplus,
        gross_identified=gross,
        investment=investment,
        net_identified=gross - investment,
        unidentified=position.qipp_commitment - gross,
        investment_tbc_schemes=sums.investment_tbc_schemes,
    )


ADJUSTMENTS = ("allocation_increase", "inflation", "growth", "mental_health_gpfv", "other_recurrent_investment",
               "non_recurrent_investment", "contingency", "other_reserves", "planned_qipp")
PLAN_COLUMNS = ("prior_year_forecast", "recurrent_exit", *ADJUSTMENTS, "planned")


@dataclass(frozen=True)
class PlanTableRow:
    name: str
    values: list[Decimal | None]  # in PLAN_COLUMNS order
    bridge: Decimal | None = None  # recurrent exit + adjustments, where it differs from the printed plan
    growth: str = ""


@dataclass(frozen=True)
class FinancialPlanTable:
    """The plan's build-up as the paper lays it out: allocation, expenditure lines, total spend, surplus/(deficit)."""

    plan: FinancialPlan
    gap: SavingsGap
    allocation: list[PlanTableRow]
    expenditure: list[PlanTableRow]
    total_spend: PlanTableRow
    surplus: PlanTableRow


def _column_sums(lines: list[FinancialPlanLine]) -> list[Decimal | None]:
    sums: list[Decimal | None] = []
    for column in PLAN_COLUMNS:
        values = [getattr(line, column) for line in lines if getattr(line, column) is not None]
        sums.append(sum(values, Decimal("0")) if values else None)
    return sums


def _row(line: FinancialPlanLine) -> PlanTableRow:
    bridge = calculations.plan_line_bridge(line.recurrent_exit, (getattr(line, a) for a in ADJUSTMENTS))
    printed = line.planned or Decimal("0")
    return PlanTableRow(name=line.name, values=[getattr(line, c) for c in PLAN_COLUMNS],
                        bridge=bridge if bridge != printed else None, growth=line.published_growth)


def financial_plan_table(user: Viewer, organisation: Organisation, year: FinancialYear) -> FinancialPlanTable | None:
    """The working organisation's plan with its lines and computed totals (two queries, whatever its size)."""
    gap = savings_gap(user, organisation, year)
    plan = FinancialPlan.objects.for_user(user).filter(organisation=organisation, year=year).first()
    if gap is None or plan is None:
        return None
    lines = list(FinancialPlanLine.objects.for_user(user).filter(plan=plan))
    allocation = [line for line in lines if line.section == "allocation"]
    expenditure = [line for line in lines if line.section == "expenditure"]
    spend = _column_sums(expenditure)
    income = _column_sums(allocation)
    # Surplus/(deficit) where the paper prints one: last year's outturn, the exit position and this year's plan.
    surplus: list[Decimal | None] = [
        (income[i] or Decimal("0")) - (spend[i] or Decimal("0"))
        if column in ("prior_year_forecast", "recurrent_exit", "planned") else None
        for i, column in enumerate(PLAN_COLUMNS)
    ]
    return FinancialPlanTable(
        plan=plan, gap=gap, allocation=[_row(line) for line in allocation],
        expenditure=[_row(line) for line in expenditure],
        total_spend=PlanTableRow(name="Total spend", values=spend), surplus=PlanTableRow(
            name="Surplus/(deficit)", values=surplus),
    )
