"""Demo data from the four published NHS papers in fixtures/ (their figures are our test oracles).

Idempotent: running it again changes nothing (no new history rows either). Schemes, programmes, plans
and risks are written through the apps' services; organisations, years and demo users directly. One
module per paper's concern; `load_demo` (in `load`) loads them all. Import from here (`from demo.loader
import load_demo`).
"""

from demo.loader.common import FIXTURES, MILLION, THOUSAND, DemoReport, pounds_thousands
from demo.loader.finance_papers import (
    ACTIVITY_MONTHS,
    BUDGET_KINDS,
    CAMBRIDGESHIRE_PLAN_COLUMNS,
    load_cambridgeshire_activity,
    load_cambridgeshire_budgets,
    load_cambridgeshire_financial_plan,
    load_cambridgeshire_financial_risks,
    load_cambridgeshire_month_end_report,
)
from demo.loader.load import load_cambridgeshire, load_demo
from demo.loader.people import (
    DEMO_PASSWORD_SUFFIX,
    DEMO_USERS,
    ORGANISATIONS,
    PORTAL_APPS,
    load_organisations,
    load_users,
)
from demo.loader.plan_papers import (
    PLAN_RAG,
    PLAN_REVISIONS,
    PLAN_STATUS,
    SHROPSHIRE_CALENDAR,
    load_improvement_plan,
    load_shropshire_calendar,
)
from demo.loader.risk_papers import CAMBRIDGESHIRE_CATEGORIES, load_cambridgeshire_risks
from demo.loader.scheme_papers import load_bexley, load_shropshire, load_surrey

__all__ = [
    "ACTIVITY_MONTHS",
    "BUDGET_KINDS",
    "CAMBRIDGESHIRE_CATEGORIES",
    "CAMBRIDGESHIRE_PLAN_COLUMNS",
    "DEMO_PASSWORD_SUFFIX",
    "DEMO_USERS",
    "DemoReport",
    "FIXTURES",
    "MILLION",
    "ORGANISATIONS",
    "PLAN_RAG",
    "PLAN_REVISIONS",
    "PLAN_STATUS",
    "PORTAL_APPS",
    "SHROPSHIRE_CALENDAR",
    "THOUSAND",
    "load_bexley",
    "load_cambridgeshire",
    "load_cambridgeshire_activity",
    "load_cambridgeshire_budgets",
    "load_cambridgeshire_financial_plan",
    "load_cambridgeshire_financial_risks",
    "load_cambridgeshire_month_end_report",
    "load_cambridgeshire_risks",
    "load_demo",
    "load_improvement_plan",
    "load_organisations",
    "load_shropshire",
    "load_shropshire_calendar",
    "load_surrey",
    "load_users",
    "pounds_thousands",
]
