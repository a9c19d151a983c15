"""Every read of finance, scoped to the user (`.for_user`). One module per concern, as in services and views:
`plan` (the savings gap), `financial_risks` (the monthly register). Import from here, never from the modules.
"""

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
    "FinancialPlanTable",
    "FinancialRiskRegister",
    "RegisterSide",
    "SavingsGap",
    "financial_plan_table",
    "financial_risk_for_page",
    "financial_risk_history",
    "financial_risk_month_for_page",
    "financial_risk_months",
    "financial_risk_months_for",
    "financial_risk_register",
    "financial_risks_for",
    "savings_gap",
]
