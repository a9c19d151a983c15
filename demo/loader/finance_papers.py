"""Cambridgeshire and Peterborough's finance: the financial plan, the financial risks and mitigations,
the budgets, the activity plans and the month-end report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from demo.loader.common import FIXTURES, THOUSAND, DemoReport, organisation_by_ods, pounds_thousands, year_named
from finance.calculations import Amounts, spread_evenly
from finance.models import BudgetLineKind, FinancialRiskMonth, VarianceReport
from finance.services import (
    MONTH_END_REPORT_TASK,
    PlanLineInput,
    activity_line_record,
    activity_month_record,
    budget_line_record,
    budget_month_record,
    financial_plan_lines_set,
    financial_plan_set,
    financial_risk_month_published_totals_set,
    financial_risk_month_start,
    financial_risk_record,
    month_end_report_queue,
)
from governance.models import FinancialYear, JobRun, JobStatus, Organisation

# The paper's build-up columns (£'000 as printed) and the plan line's fields they fill.
CAMBRIDGESHIRE_PLAN_COLUMNS = {
    "17/18 FOT": "prior_year_forecast", "2017/18 Recurrent Exit position": "recurrent_exit",
    "Increase in allocation": "allocation_increase", "Tariff Inflator/ Inflation": "inflation", "Growth": "growth",
    "M HIS & GPFV": "mental_health_gpfv", "Other recurrent investments": "other_recurrent_investment",
    "Non-recurrent investments": "non_recurrent_investment", "Contingency": "contingency",
    "Other reserves": "other_reserves", "Planned QIP P": "planned_qipp", "2018/19 P Plan": "planned",
}


def load_cambridgeshire_financial_plan(
    report: DemoReport, actor: Any, data: Mapping[str, Any], organisation: Organisation, year: FinancialYear,
) -> None:
    """The 2018/19 plan: allocation 1,181,022 against spend 1,216,091 that already nets off 35,142 of planned
    QIPP (£'000). So the QIPP commitment is 35,142 and the planned deficit after it is 35,069: two figures.

    The lines are loaded as printed; the total spend and surplus/(deficit) rows are computed from them (a test
    compares them with the paper's printed totals).
    """
    printed = {line["line"]: line["values"] for line in data["financial_plan_2018_19"]["lines"]}
    plan = financial_plan_set(
        actor=actor, organisation=organisation, year=year,
        allocation=Decimal(printed["Allocation"]["2018/19 P Plan"]) * THOUSAND,
        planned_expenditure=Decimal(printed["Total spend"]["2018/19 P Plan"]) * THOUSAND,
        source="Cambridgeshire and Peterborough CCG Improvement and Delivery Plan 2018/19, financial plan",
    )
    lines = [
        PlanLineInput(
            name=line["line"], section=line["section"].lower(),
            published_growth=str(line["values"].get("Growth on recurrent exit") or ""),
            **{field: pounds_thousands(line["values"].get(column))
               for column, field in CAMBRIDGESHIRE_PLAN_COLUMNS.items()},
        )
        for line in data["financial_plan_2018_19"]["lines"] if line["section"] in ("Allocation", "Expenditure")
    ]
    plan = financial_plan_lines_set(actor=actor, plan=plan, lines=lines)
    report.lines.append(
        f"Cambridgeshire and Peterborough 2018/19 financial plan: {len(lines)} lines, QIPP commitment "
        f"{plan.planned_qipp / THOUSAND:,.0f}k, planned deficit after QIPP "
        f"{(plan.planned_expenditure - plan.allocation) / THOUSAND:,.0f}k"
    )


def load_cambridgeshire_financial_risks(report: DemoReport, actor: Any) -> None:
    """The M10 Finance Risks and Mitigations table, rows and published totals (£'000 in the paper, pounds here).

    The paper merges "Process to manage" and "Commentary" into one cell; where the fixture could not split it
    (`split_ambiguous`) the whole text is kept as the process to manage.
    """
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    table = data["financial_risks"]
    organisation = organisation_by_ods("06H")
    year = year_named(data["year"])
    register = FinancialRiskMonth.objects.filter(organisation=organisation, year=year, month=data["month"]).first()
    if register is None:
        register = financial_risk_month_start(actor=actor, organisation=organisation, year=year, month=data["month"])
    for kind, rows in (("risk", table["risks"]), ("mitigation", table["mitigations"])):
        for position, row in enumerate(rows):
            process = row.get("process_to_manage")
            if process is None and row.get("split_ambiguous"):
                process = row.get("process_to_manage_and_commentary")
            financial_risk_record(
                actor=actor, register=register, kind=kind, position=position, description=row["description"],
                total_value=Decimal(row["total_value"]) * THOUSAND,
                assessed_value=Decimal(row["assessed_value"]) * THOUSAND,
                in_forecast=Decimal(row["in_forecast"]) * THOUSAND,
                published_percent=row.get("assessment_pct") or "", exec_lead=row.get("exec_lead") or "",
                process_to_manage=process or "", commentary=row.get("commentary") or "",
            )
    totals = table["totals"]

    def published(total: dict[str, Any]) -> Amounts:
        return Amounts(*(Decimal(total[name]) * THOUSAND
                         for name in ("total_value", "assessed_value", "in_forecast", "residual")))

    financial_risk_month_published_totals_set(
        actor=actor, register=register, risks=published(totals["risks_total"]),
        mitigations=published(totals["mitigations_total"]),
        source=f"{data['organisation']['name']}, {table['title']} ({data['source']['version']})",
    )
    report.lines.append(
        f"Cambridgeshire and Peterborough 2018/19 M{data['month']}: {len(table['risks'])} financial risks and "
        f"{len(table['mitigations'])} mitigations with the paper's totals"
    )


BUDGET_KINDS = {"allocation": BudgetLineKind.ALLOCATION, "line": BudgetLineKind.SPEND}


def load_cambridgeshire_budgets(report: DemoReport, actor: Any) -> None:
    """The M10 budget lines (the paper's £'000 as pounds) with their months spread from the YTD and full-year figures.

    The paper gives only YTD (M1..M10) and full-year figures, so: plan M1..M10 = YTD plan / 10 and M11..M12 =
    (full-year plan - YTD plan) / 2; actual M1..M10 = YTD actual / 10 and forecast M11..M12 = (forecast - YTD
    actual) / 2 (spread_evenly: the last month takes the odd pennies), so the computed YTD and forecast outturn
    equal the paper's exactly. Subtotal and total rows are worked out from the lines, never stored.
    """
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation = organisation_by_ods("06H")
    year = year_named(data["year"])
    month = data["month"]
    stored = [row for row in data["budget_lines"]["lines"] if row["kind"] in BUDGET_KINDS]
    for position, row in enumerate(stored, start=1):
        ytd_plan, ytd_actual = (Decimal(row["ytd"][name]) * THOUSAND for name in ("plan", "actual"))
        forecast_plan, forecast = (Decimal(row["forecast"][name]) * THOUSAND for name in ("plan", "forecast"))
        line = budget_line_record(
            actor=actor, organisation=organisation, year=year, name=row["line"], position=position,
            kind=BUDGET_KINDS[row["kind"]], section=row["section"] or "", commentary=row.get("commentary") or "",
            published_month=month, published_ytd_plan=ytd_plan, published_ytd_actual=ytd_actual,
            published_forecast_plan=forecast_plan, published_forecast=forecast,
        )
        plans = spread_evenly(ytd_plan, month) + spread_evenly(forecast_plan - ytd_plan, 12 - month)
        actuals = spread_evenly(ytd_actual, month)
        forecasts = spread_evenly(forecast - ytd_actual, 12 - month)
        for number, plan in enumerate(plans, start=1):
            budget_month_record(
                actor=actor, line=line, month=number, plan=plan,
                actual=actuals[number - 1] if number <= month else None,
                forecast=forecasts[number - month - 1] if number > month else None,
            )
    report.lines.append(
        f"Cambridgeshire and Peterborough 2018/19 M{month}: {len(stored)} budget lines with their months"
    )


ACTIVITY_MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


def load_cambridgeshire_activity(report: DemoReport, actor: Any) -> None:
    """Seed 004's activity plan: each line's bridge and monthly profile (M1 = Apr) as printed.

    No actual activity is published, so none is loaded: the pages say "no actuals recorded yet". Nine lines'
    profiles are 1 off their printed plan (fixtures/README.md); both are kept, and the pages show the difference.
    Shropshire's paper gives growth % and a QIPP change for four activity headings, but no baseline, plan or
    monthly profile, so there is nothing to track against: it is not loaded (fixtures/README.md).
    """
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation, year = organisation_by_ods(data["organisation"]["ods_code"]), year_named(data["year"])
    lines = data["activity_plan"]["lines"]
    for position, printed in enumerate(lines, start=1):
        line = activity_line_record(
            actor=actor, organisation=organisation, year=year, code=printed["code"], title=printed["title"],
            position=position, prior_outturn=printed["outturn_17_18"], do_nothing=printed["do_nothing_18_19"],
            qipp_change=printed["qipp_18_19"], plan=printed["plan_18_19"],
            published_change=printed["change_17_18_to_18_19_pct"] or "",
        )
        for month, name in enumerate(ACTIVITY_MONTHS, start=1):
            activity_month_record(actor=actor, line=line, month=month, plan=printed["monthly_plan"][name])
    report.lines.append(
        f"Cambridgeshire and Peterborough {year} activity plan: {len(lines)} lines with their monthly profiles "
        "(no actuals published)"
    )
def load_cambridgeshire_month_end_report(report: DemoReport, actor: Any) -> None:
    """Cambridgeshire's Month 10 report, issued from the budget lines above by the month-end job, as finance's
    button does (once: loading again queues nothing while a report exists or is on its way).

    The job runs when the demo's transaction commits: at once in the embedded default, else on a worker.
    """
    organisation, year = organisation_by_ods("06H"), year_named("2018/19")
    same_month = {"organisation": organisation, "year": year, "month": 10}
    if (VarianceReport.objects.filter(**same_month).exists()
            or JobRun.objects.filter(**same_month, task=MONTH_END_REPORT_TASK,
                                     status__in=[JobStatus.QUEUED, JobStatus.STARTED]).exists()):
        return
    run = month_end_report_queue(actor=actor, organisation=organisation, year=year, month=10)
    report.lines.append(f"Cambridgeshire and Peterborough 2018/19: month-end report for M10 queued (job run {run.pk})")
