"""Finance read API, one module per concern: `financial_risks`, `budgets`, `activity`, `reports`. The router
imports the viewsets from here."""

from finance.api.activity import ActivityLineViewSet
from finance.api.budgets import BudgetLineViewSet
from finance.api.financial_risks import FinancialRiskMonthViewSet, FinancialRiskViewSet
from finance.api.reports import VarianceReportViewSet

__all__ = [
    "ActivityLineViewSet",
    "BudgetLineViewSet",
    "FinancialRiskMonthViewSet",
    "FinancialRiskViewSet",
    "VarianceReportViewSet",
]
