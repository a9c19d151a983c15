"""Finance arithmetic as pure functions over Decimals (no database): financial risks, budgets, the financial
plan, activity and the month-end report's savings.

One module per concern, named as in finance's services and selectors; import from here (`from finance import
calculations`, `from finance.calculations import Amounts`), never from its modules.
"""

from finance.calculations.activity import (
    ActivityMonthFigures,
    ActivityPlanCheck,
    ActivityPosition,
    activity_percent,
    activity_plan_check,
    activity_position,
    activity_variance,
)
from finance.calculations.budgets import (
    BUDGET_ROW_INPUTS,
    BudgetMonthFigures,
    BudgetRow,
    budget_row,
    budget_row_differences,
    budget_row_of,
    budget_rows_total,
    forecast_outturn,
    income_row,
    spend_variance,
    spread_evenly,
    surplus_row,
)
from finance.calculations.common import HUNDRED, ZERO, variance_percent
from finance.calculations.financial_risks import (
    Amounts,
    assessed_percent,
    differences,
    register_total,
    residual,
    row_amounts,
    shortfall,
)
from finance.calculations.plan import PlanPosition, plan_line_bridge, plan_position
from finance.calculations.reports import savings_row, savings_rows_total

__all__ = [
    "ActivityMonthFigures",
    "ActivityPlanCheck",
    "ActivityPosition",
    "Amounts",
    "BUDGET_ROW_INPUTS",
    "BudgetMonthFigures",
    "BudgetRow",
    "HUNDRED",
    "PlanPosition",
    "ZERO",
    "activity_percent",
    "activity_plan_check",
    "activity_position",
    "activity_variance",
    "assessed_percent",
    "budget_row",
    "budget_row_differences",
    "budget_row_of",
    "budget_rows_total",
    "differences",
    "forecast_outturn",
    "income_row",
    "plan_line_bridge",
    "plan_position",
    "register_total",
    "residual",
    "row_amounts",
    "savings_row",
    "savings_rows_total",
    "shortfall",
    "spend_variance",
    "spread_evenly",
    "surplus_row",
    "variance_percent",
]
