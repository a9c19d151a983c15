"""Every write to finance: keyword-only, typed, atomic; the role is checked when a user acts.

One module per concern, named as in views, forms and selectors: `plan` (the financial plan and its gap),
`financial_risks` (the monthly financial risks and mitigations register), `budgets` (budget lines and
their months), `activity` (activity plan lines and their months). Import from here
(`from finance import services`), never from the modules.
"""

from finance.services.activity import (
    ACTIVITY_LINE_FIELDS,
    ACTIVITY_MONTH_FIELDS,
    activity_line_record,
    activity_month_record,
)
from finance.services.board_packs import board_pack_store
from finance.services.budgets import LINE_FIELDS, MONTH_FIELDS, budget_line_record, budget_month_record
from finance.services.financial_risks import (
    ROW_FIELDS,
    financial_risk_create,
    financial_risk_month_published_totals_set,
    financial_risk_month_start,
    financial_risk_record,
    financial_risk_update,
)
from finance.services.jobs import MONTH_END_REPORT_TASK, month_end_report_queue, month_end_reports_due_queue
from finance.services.plan import PlanLineInput, financial_plan_lines_set, financial_plan_set
from finance.services.reports import ReportRequest, month_end_report_produce, month_end_reports_produce
from schemes.services import EditConflict

__all__ = [
    "MONTH_END_REPORT_TASK",
    "month_end_reports_due_queue",
    "month_end_report_queue",
    "ACTIVITY_LINE_FIELDS",
    "ACTIVITY_MONTH_FIELDS",
    "LINE_FIELDS",
    "MONTH_FIELDS",
    "ROW_FIELDS",
    "EditConflict",
    "activity_line_record",
    "activity_month_record",
    "PlanLineInput",
    "board_pack_store",
    "budget_line_record",
    "budget_month_record",
    "financial_plan_lines_set",
    "financial_plan_set",
    "financial_risk_create",
    "financial_risk_month_published_totals_set",
    "financial_risk_month_start",
    "financial_risk_record",
    "financial_risk_update",
    "month_end_report_produce",
    "month_end_reports_produce",
    "ReportRequest",
]
