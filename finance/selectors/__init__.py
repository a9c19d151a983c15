"""Every read of finance, scoped to the user (`.for_user`). One module per concern, as in services and views:
`plan` (the savings gap), `financial_risks` (the monthly register), `budgets` (the budget table and its lines).
Import from here, never from the modules.
"""

from finance.selectors.budgets import (
    BudgetLineMonth,
    BudgetLinePage,
    BudgetSection,
    BudgetTable,
    BudgetTableLine,
    budget_line_for_page,
    budget_line_history,
    budget_line_page,
    budget_lines_for,
    budget_table,
    latest_actual_month,
    month_figures,
    next_budget_position,
)
from finance.selectors.financial_risks import (
    FinancialRiskRegister,
    RegisterSide,
    financial_risk_for_page,
    financial_risk_history,
    financial_risk_month_for_page,
    financial_risk_months,
    financial_risk_months_for,
    financial_risk_register,
    financial_risks_for,
)
from finance.selectors.plan import (
    PLAN_COLUMNS,
    FinancialPlanTable,
    SavingsGap,
    financial_plan_table,
    savings_gap,
)

__all__ = [
    "PLAN_COLUMNS",
    "BudgetLineMonth",
    "BudgetLinePage",
    "BudgetSection",
    "BudgetTable",
    "BudgetTableLine",
    "FinancialPlanTable",
    "FinancialRiskRegister",
    "RegisterSide",
    "SavingsGap",
    "budget_line_for_page",
    "budget_line_history",
    "budget_line_page",
    "budget_lines_for",
    "budget_table",
    "financial_plan_table",
    "financial_risk_for_page",
    "financial_risk_history",
    "financial_risk_month_for_page",
    "financial_risk_months",
    "financial_risk_months_for",
    "financial_risk_register",
    "financial_risks_for",
    "latest_actual_month",
    "month_figures",
    "next_budget_position",
    "savings_gap",
]
