"""Dashboard charts as pure functions over plain values (no database): each gives the plotly figure, a title that
says what it shows and for which month, a one-line takeaway in words, and the same figures as a table.

Figures reach the page as JSON (json_script) and are drawn by static/js/charts.js: no inline script. Amounts
go to the chart as whole pounds (integers, never floats); the table beside it shows them as money. RAG and risk
bands are never told by colour alone: each bar or cell also carries a pattern or its word. One module per
concern: `savings` (delivery, RAG mix, programmes, the savings bridge), `budgets`, `risks` (the heat map, top
risks, financial risks and mitigations) and `plan` (the improvement plan). Import from here.
"""

from dashboards.charts.budgets import budget_variance
from dashboards.charts.common import Chart
from dashboards.charts.plan import plan_exceptions, plan_progress
from dashboards.charts.risks import RiskSide, TopRisk, financial_risks, risk_heat_map, top_risks
from dashboards.charts.savings import cumulative_delivery, programme_delivery, rag_mix, savings_bridge

__all__ = [
    "Chart",
    "RiskSide",
    "TopRisk",
    "budget_variance",
    "cumulative_delivery",
    "financial_risks",
    "plan_exceptions",
    "plan_progress",
    "programme_delivery",
    "rag_mix",
    "risk_heat_map",
    "savings_bridge",
    "top_risks",
]
