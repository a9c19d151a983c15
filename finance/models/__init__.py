"""Finance: the savings requirement ("gap") QIPP must close; financial risks and mitigations; budgets; activity;
month-end variance reports; the board packs produced.

One module per concern, named as finance's services are; import from here (`from finance.models import
BudgetLine`), never from its modules. The models' app is finance wherever they are defined, so the migrations
are unchanged.
"""

from finance.models.activity import (
    ACTIVITY_CHANGE,
    ACTIVITY_CODE_LENGTH,
    ACTIVITY_COUNT,
    ACTIVITY_LIMIT,
    ACTIVITY_TITLE_LENGTH,
    ActivityLine,
    ActivityMonth,
)
from finance.models.board_packs import BoardPack
from finance.models.budgets import BudgetLine, BudgetLineKind, BudgetMonth
from finance.models.common import LEAD_LENGTH, MONTHS, SHORT_TEXT
from finance.models.financial_risks import FinancialRisk, FinancialRiskKind, FinancialRiskMonth
from finance.models.plan import FinancialPlan, FinancialPlanLine
from finance.models.reports import (
    ReportRowKind,
    VarianceReport,
    VarianceReportLine,
    VarianceReportSaving,
    VarianceReportScheme,
    percent_field,
)

__all__ = [
    "ACTIVITY_CHANGE",
    "ACTIVITY_CODE_LENGTH",
    "ACTIVITY_COUNT",
    "ACTIVITY_LIMIT",
    "ACTIVITY_TITLE_LENGTH",
    "ActivityLine",
    "ActivityMonth",
    "BoardPack",
    "BudgetLine",
    "BudgetLineKind",
    "BudgetMonth",
    "FinancialPlan",
    "FinancialPlanLine",
    "FinancialRisk",
    "FinancialRiskKind",
    "FinancialRiskMonth",
    "LEAD_LENGTH",
    "MONTHS",
    "ReportRowKind",
    "SHORT_TEXT",
    "VarianceReport",
    "VarianceReportLine",
    "VarianceReportSaving",
    "VarianceReportScheme",
    "percent_field",
]
