"""Finance read API, one module per concern: `financial_risks` so far. The router imports the viewsets from here."""

from finance.api.financial_risks import FinancialRiskMonthViewSet, FinancialRiskViewSet

__all__ = ["FinancialRiskMonthViewSet", "FinancialRiskViewSet"]
