"""Finance: the savings requirement ("gap") QIPP must close; financial risks and mitigations; budgets; activity;
month-end variance reports.

One module per concern, named as finance's services are; import from here (`from finance.models import
BudgetLine`), never from its modules. The models' app is finance wherever they are defined, so the migrations
are unchanged.
"""

from finance.models.reports import (
    ACTIVITY_CHANGE,
    ACTIVITY_CODE_LENGTH,
    ACTIVITY_COUNT,
    ACTIVITY_LIMIT,
    ACTIVITY_TITLE_LENGTH,
    LEAD_LENGTH,
    MONTHS,
    SHORT_TEXT,
    ActivityLine,
    ActivityMonth,
    BudgetLine,
    BudgetLineKind,
    BudgetMonth,
    FinancialPlan,
    FinancialPlanLine,
    FinancialRisk,
    FinancialRiskKind,
    FinancialRiskMonth,
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
