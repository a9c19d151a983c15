"""Demo data from the four published NHS papers in fixtures/ (their figures are our test oracles).

Idempotent: running it again changes nothing (no new history rows either). Schemes, programmes, plans
and risks are written through the apps' services; organisations, years and demo users directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from finance.calculations import Amounts, spread_evenly
from finance.models import BudgetLineKind, FinancialRiskMonth, VarianceReport
from finance.services import (
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
    month_end_report_produce,
)
from governance.models import (
    ActionRag,
    ActionStatus,
    FinancialYear,
    Meeting,
    MeetingKind,
    Organisation,
    OrganisationKind,
    PlanAction,
    Role,
)
from governance.services import (
    action_due_date_revise,
    meeting_create,
    membership_set,
    plan_action_create,
    plan_domain_set,
    requirement_set,
    system_actor,
)
from risks.models import Category
from risks.scoring import parse_score_text, resolve_scores
from risks.services import risk_record
from schemes import services
from schemes.importers import workbook_import
from schemes.models import Programme, Scheme

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
THOUSAND = Decimal("1000")
MILLION = Decimal("1000000")

ORGANISATIONS = [
    ("07N", "NHS Bexley CCG", OrganisationKind.CCG),
    ("05N", "NHS Shropshire County CCG", OrganisationKind.CCG),
    ("5P5", "NHS Surrey", OrganisationKind.PCT),
    ("06H", "NHS Cambridgeshire and Peterborough CCG", OrganisationKind.CCG),
]

# One demo user per role, member of every demo organisation. Local use only.
DEMO_USERS = [
    ("admin", Role.ADMINISTRATOR, "Ada", "Administrator"),
    ("pmo", Role.PMO_EDITOR, "Priya", "PMO"),
    ("panel", Role.PANEL_MEMBER, "Peter", "Panel"),
    ("finance", Role.FINANCE, "Fiona", "Finance"),
    ("viewer", Role.VIEWER, "Grace", "Governing-body"),
]
DEMO_PASSWORD_SUFFIX = "-demo-2013"
PORTAL_APPS = ["governance", "schemes", "risks", "finance"]


@dataclass
class DemoReport:
    lines: list[str] = field(default_factory=list)
    users: list[tuple[str, str, str]] = field(default_factory=list)


def _organisation(ods: str) -> Organisation:
    return Organisation.objects.get(ods_code=ods)


def _year(name: str) -> FinancialYear:
    year, _ = FinancialYear.objects.get_or_create(start_year=FinancialYear.start_year_from_name(name))
    return year


def load_organisations() -> None:
    for ods, name, kind in ORGANISATIONS:
        Organisation.objects.get_or_create(ods_code=ods, defaults={"name": name, "kind": kind})


def load_bexley(report: DemoReport, actor: Any) -> None:
    result = workbook_import(actor=actor, organisation=_organisation("07N"), year_name="2013/14",
                             source=FIXTURES / "bexley_2013_14_appendix1.xlsx")
    report.lines.append(
        f"Bexley 2013/14: {len(result.created)} schemes created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged; {len(result.overrides)} figures kept as published (overrides)"
    )


def _pounds_thousands(value: Any) -> Decimal | None:
    if value is None or value == "TBC":
        return None
    return Decimal(str(value)) * THOUSAND


def load_shropshire(report: DemoReport, actor: Any) -> None:
    data = json.loads((FIXTURES / "shropshire_2012_13.json").read_text())
    organisation = _organisation("05N")
    year = _year(data["year"])
    financial_plan_set(
        actor=actor, organisation=organisation, year=year,
        allocation=Decimal(data["allocation"]) * THOUSAND,
        planned_expenditure=Decimal(data["planned_expenditure"]) * THOUSAND,
        source="Shropshire County CCG QIPP Plan 2012/13, '2012/13 CCG Financials'",
    )
    created = 0
    for area in data["priority_areas"]:
        programme = services.programme_get_or_create(actor=actor, organisation=organisation, name=area["name"])
        for row in area["schemes"]:
            # The paper gives "Cost Control / non-recurrent CIP" no reference; we name it after its area.
            reference = row["reference"] or "US-CIP"
            values: dict[str, Any] = {
                "programme": programme,
                "name": row["name"],
                "project_owner": row.get("owner") or "",
                "description": f"{row['group']}" if row.get("group") else "",
                "gross_saving": _pounds_thousands(row["gross_saving"]),
                "new_investment": _pounds_thousands(row["new_investment"]),
                "investment_tbc": row["new_investment"] == "TBC",
                "stated_net_saving": _pounds_thousands(row.get("stated_net_saving")),
            }
            existing = Scheme.objects.filter(organisation=organisation, year=year, reference=reference).first()
            if existing:
                services.scheme_update(actor=actor, scheme=existing, expected_version=None,
                                       changes={k: v for k, v in values.items()})
            else:
                services.scheme_create(actor=actor, organisation=organisation, year=year, reference=reference,
                                       **values)
                created += 1
    report.lines.append(f"Shropshire 2012/13: {created} schemes created, savings gap and priority areas loaded")


def load_surrey(report: DemoReport, actor: Any) -> None:
    data = json.loads((FIXTURES / "surrey_programmes.json").read_text())
    organisation = _organisation("5P5")
    by_number: dict[int, Programme] = {}
    for row in data["programmes"]:
        programme = services.programme_get_or_create(
            actor=actor, organisation=organisation, name=row["name"],
            clinical_lead=row.get("surrey_county_qipp_lead") or "", managerial_lead=row.get("operational_lead") or "",
        )
        by_number[row["number"]] = programme
        for year_name, amount in row["savings"].items():
            if year_name == "total" or amount in (None, ""):
                continue
            services.programme_target_set(
                actor=actor, programme=programme, year=_year(year_name),
                planned_saving=Decimal(str(amount)) * MILLION,
                source="NHS Surrey One Plan 2011/12 to 2014/15, QIPP programme savings (£m)",
            )
    for row in data["risk_register"]["risks"]:
        numbers = row.get("programme_numbers") or []
        # The work stream is the risk's programme (fixtures/README.md maps the printed names); the printed name
        # stays in the description. The paper gives no likelihood, impact or score.
        workstream = row.get("workstream") or ""
        risk_record(
            actor=actor, organisation=organisation, reference=f"R{row['number']}", year=_year("2011/12"),
            title=row["risk"][:300],
            description=row["risk"] + (f"\n\nWork stream as printed: {workstream}" if workstream else ""),
            programme=by_number.get(numbers[0]) if numbers else None,
            mitigation=row.get("mitigation") or "", owner=row.get("owner") or "", impact="",
        )
    report.lines.append(
        f"Surrey: {len(by_number)} programmes with their four-year savings, "
        f"{len(data['risk_register']['risks'])} risks"
    )


def load_cambridgeshire(report: DemoReport, actor: Any) -> None:
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation = _organisation("06H")
    year = _year(data["year"])
    load_cambridgeshire_financial_plan(report, actor, data, organisation, year)
    load_cambridgeshire_risks(report, actor, data, organisation, year)
    # The operational risks above; financial risks and the improvement plan load below (finance, governance).
    report.lines.append("Cambridgeshire and Peterborough 2018/19: financial plan and savings gap (registers to follow)")


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
            **{field: _pounds_thousands(line["values"].get(column))
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


CAMBRIDGESHIRE_CATEGORIES = {
    "Service/Transformation Delivery": Category.SERVICE_DELIVERY,
    "Stakeholder Management": Category.STAKEHOLDER,
    "Quality Management": Category.QUALITY,
    "Financial Management": Category.FINANCIAL,
    "Governance/Leadership": Category.GOVERNANCE,
}


def load_cambridgeshire_risks(
    report: DemoReport, actor: Any, data: dict[str, Any], organisation: Organisation, year: FinancialYear
) -> None:
    """The M10 operational risks, scored from their published text: "20 4x4" is scored 4x4 = 16 with the text
    kept as a discrepancy; "16 Red", "12 Amber", "4 Yellow" take a likelihood and impact only where one split
    exists or the risk's other scores fix the impact (risks.scoring.resolve_scores)."""
    rows = data["operational_risks"]["risks"]
    for number, row in enumerate(rows, start=1):
        published = {stage: parse_score_text(row[stage]["as_published"]) for stage in ("year_start", "current",
                                                                                       "target")}
        scores: dict[str, Any] = {}
        for stage, resolved in resolve_scores(dict(published)).items():
            assert resolved is not None
            scores |= {f"{stage}_likelihood": resolved.likelihood, f"{stage}_impact": resolved.impact,
                       f"{stage}_published": resolved.published,
                       f"{stage}_published_score": resolved.published_score}
        risk_record(
            actor=actor, organisation=organisation, reference=f"OR{number}", year=year, title=row["risk"][:300],
            description=row["risk"] if len(row["risk"]) > 300 else "",
            category=CAMBRIDGESHIRE_CATEGORIES[row["category"]], impact=row.get("impact_text") or "",
            mitigation=row.get("actions_mitigations") or "", owner=row.get("senior_risk_owner") or "", **scores,
        )
    report.lines.append(f"Cambridgeshire and Peterborough 2018/19: {len(rows)} operational risks")


def load_cambridgeshire_financial_risks(report: DemoReport, actor: Any) -> None:
    """The M10 Finance Risks and Mitigations table, rows and published totals (£'000 in the paper, pounds here).

    The paper merges "Process to manage" and "Commentary" into one cell; where the fixture could not split it
    (`split_ambiguous`) the whole text is kept as the process to manage.
    """
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    table = data["financial_risks"]
    organisation = _organisation("06H")
    year = _year(data["year"])
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


def load_users(report: DemoReport) -> None:
    User = get_user_model()
    for username, role, first, last in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
        password = f"{username}{DEMO_PASSWORD_SUFFIX}"
        if not user.check_password(password):
            user.set_password(password)
        user.is_staff = role == Role.ADMINISTRATOR
        user.save()
        if role == Role.ADMINISTRATOR:
            # The admin site, scoped to the user's organisations (governance.admin.ScopedAdmin).
            user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=PORTAL_APPS))
        for organisation in Organisation.objects.filter(ods_code__in=[o[0] for o in ORGANISATIONS]):
            # Through the service like every role grant (None: the portal itself, not an administrator).
            membership_set(actor=None, user=user, organisation=organisation, role=role)
        report.users.append((username, password, Role(role).label))


@transaction.atomic
def load_demo() -> DemoReport:
    report = DemoReport()
    # History shows the demo's rows as made by "demo loader", never by a person.
    actor = system_actor("demo loader")
    with services.recompute_batch():  # one recompute of every demo scheme once the load commits
        load_organisations()
        load_bexley(report, actor)
        load_shropshire(report, actor)
        load_surrey(report, actor)
        load_cambridgeshire(report, actor)
        load_improvement_plan(report, actor)
        load_shropshire_calendar(report, actor)
        load_cambridgeshire_financial_risks(report, actor)
        load_cambridgeshire_budgets(report, actor)
        load_cambridgeshire_activity(report, actor)
        load_cambridgeshire_month_end_report(report, actor)
        load_users(report)
    return report


# --- Improvement plan and meetings (issue 8 section 3) --------------------------------------------------

PLAN_RAG = {"complete": ActionRag.COMPLETE, "on-track": ActionRag.ON_TRACK, "delayed": ActionRag.DELAYED,
            "reset date": ActionRag.RESET_DATE, "not started": ActionRag.NOT_STARTED}
PLAN_STATUS = {"open": ActionStatus.OPEN, "closed": ActionStatus.CLOSED, "live": ActionStatus.LIVE,
               "not started": ActionStatus.NOT_STARTED}

# The due-date changes the monthly updates report (seed 004, "Revised dates"), oldest first, each as printed.
# The date before the first change is not in the papers: it is kept as "not recorded". The last new date is
# the one the M10 table prints (checked below).
PLAN_REVISIONS: dict[str, list[tuple[date, str]]] = {
    "2c": [
        (date(2019, 1, 31), "M8 update: we need to have the new Executive Team in place before agreeing this and "
                            "therefore have set it to 2 weeks after our Medical Director starts; now re-set to end "
                            "January 2019."),
        (date(2019, 9, 30), "M10 update: timescales have been updated to 30.09.2019 to reflect requirement for "
                            "reducing running costs from 2020-2021. Will be incorporated into the 2019-2020 IDP."),
    ],
    "11d": [
        (date(2019, 1, 14), "M8 update: work is continuing with system partners and we have limited visibility of "
                            "the 2019/10 QIPP therefore we want to push the validation of the model out; re-set to "
                            "14 January 2019 to reflect national timetable."),
        (date(2019, 3, 31), "M10 update: timescale has been adjusted to 31.03.2019 to align with the national "
                            "timescales, and system wide planning that is underway."),
    ],
    "15b": [
        (date(2019, 3, 31), "M6 update: the backlog date has been re-agreed with NHSE as by the end of March 2019. "
                            "NHSE has requested that this work is completed sooner and we have agreed to review this "
                            "once the recruitment process has been concluded and we fill vacancies in the team."),
    ],
}


def _plan_value(value: str | None, known: Mapping[str, str], what: str) -> tuple[str, str]:
    """A RAG or status of the key, or blank with a note of what the paper printed instead."""
    if value is None:
        return "", f"No {what} printed."
    key = known.get(value.strip().lower())
    return (key, "") if key else ("", f'{what[0].upper()}{what[1:]} as published: "{value}".')


def load_improvement_plan(report: DemoReport, actor: Any) -> None:
    """Cambridgeshire and Peterborough's 2018/19 improvement plan (M10), with its revised due dates."""
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation, year = _organisation(data["organisation"]["ods_code"]), _year(data["year"])
    plan = data["improvement_plan"]
    domains = {
        row["domain"]: plan_domain_set(actor=actor, organisation=organisation, year=year, name=row["domain"],
                                       position=position, oversight=row["gb_member_oversight_and_assurance"] or "")
        for position, row in enumerate(plan["domains"], start=1)
    }
    created = revised = 0
    for row in plan["requirements"]:
        requirement = requirement_set(actor=actor, domain=domains[row["domain"]], number=row["number"],
                                      text=row["requirement"])
        existing = {a.letter: a for a in PlanAction.objects.filter(requirement=requirement)}
        for item in row["actions"]:
            if item["letter"] in existing:
                continue
            rag, rag_note = _plan_value(item["rag"], PLAN_RAG, "RAG")
            status, status_note = _plan_value(item["status"], PLAN_STATUS, "status")
            revisions = PLAN_REVISIONS.get(item["ref"], [])
            published_due = date.fromisoformat(item["due_date"]) if item["due_date"] else None
            action = plan_action_create(
                actor=actor, requirement=requirement, letter=item["letter"], text=item["action"],
                due_date=None if revisions else published_due,
                due_date_as_published=re.sub(r"<[^>]+>", "", item["due_date_as_published"] or ""),
                owner=item["gb_owner"] or "", rag=rag, status=status,
                note=" ".join(filter(None, [rag_note, status_note])),
            )
            created += 1
            for new_date, reason in revisions:
                action = action_due_date_revise(actor=actor, action=action, new_date=new_date, reason=reason)
                revised += 1
            if action.due_date != published_due:
                raise ValueError(f"Action {item['ref']}: revisions end at {action.due_date}, the M10 table prints "
                                 f"{published_due}")
    report.lines.append(f"Cambridgeshire and Peterborough {year} improvement plan: {created} actions created, "
                        f"{revised} revised due dates recorded")


# Shropshire's yearly review calendar (seed 000, "Delivering the QIPP Plan"): the paper names months only.
SHROPSHIRE_CALENDAR = [
    (date(2012, 1, 1), MeetingKind.GOVERNING_BODY,
     "Approve QIPP Plan, circulate to localities, constituent practices and HWBB"),
    (date(2012, 3, 1), MeetingKind.PLAN_REVIEW,
     "Finalise QIPP Plan, agree investments and QIPP schemes; finalise monitoring system"),
    (date(2012, 7, 1), MeetingKind.PLAN_REVIEW, "Deep dive assessment of performance"),
    (date(2012, 9, 1), MeetingKind.GOVERNING_BODY, "Formal review of plan progress with CCG Board"),
    (date(2012, 12, 1), MeetingKind.PLAN_REVIEW, "Interim review of performance; begin 2013/14 planning"),
    (date(2013, 4, 1), MeetingKind.PLAN_REVIEW, "Assessment of full year performance"),
]


def load_shropshire_calendar(report: DemoReport, actor: Any) -> None:
    organisation, year = _organisation("05N"), _year("2012/13")
    created = 0
    for held_on, kind, title in SHROPSHIRE_CALENDAR:
        if Meeting.objects.filter(organisation=organisation, year=year, held_on=held_on, title=title).exists():
            continue
        meeting_create(actor=actor, organisation=organisation, year=year, kind=kind, held_on=held_on,
                       title=title, month_only=True)
        created += 1
    report.lines.append(f"Shropshire {year} review calendar: {created} meetings created")


# --- Budgets (issue 9 section 1) ----------------------------------------------------------------------

BUDGET_KINDS = {"allocation": BudgetLineKind.ALLOCATION, "line": BudgetLineKind.SPEND}


def load_cambridgeshire_budgets(report: DemoReport, actor: Any) -> None:
    """The M10 budget lines (the paper's £'000 as pounds) with their months spread from the YTD and full-year figures.

    The paper gives only YTD (M1..M10) and full-year figures, so: plan M1..M10 = YTD plan / 10 and M11..M12 =
    (full-year plan - YTD plan) / 2; actual M1..M10 = YTD actual / 10 and forecast M11..M12 = (forecast - YTD
    actual) / 2 (spread_evenly: the last month takes the odd pennies), so the computed YTD and forecast outturn
    equal the paper's exactly. Subtotal and total rows are worked out from the lines, never stored.
    """
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation = _organisation("06H")
    year = _year(data["year"])
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


# --- Activity plans (issue 9 section 1) -------------------------------------------------------------------

ACTIVITY_MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


def load_cambridgeshire_activity(report: DemoReport, actor: Any) -> None:
    """Seed 004's activity plan: each line's bridge and monthly profile (M1 = Apr) as printed.

    No actual activity is published, so none is loaded: the pages say "no actuals recorded yet". Nine lines'
    profiles are 1 off their printed plan (fixtures/README.md); both are kept, and the pages show the difference.
    Shropshire's paper gives growth % and a QIPP change for four activity headings, but no baseline, plan or
    monthly profile, so there is nothing to track against: it is not loaded (fixtures/README.md).
    """
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation, year = _organisation(data["organisation"]["ods_code"]), _year(data["year"])
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
# --- Month-end reports (issue 9 section 2) ------------------------------------------------------------

def load_cambridgeshire_month_end_report(report: DemoReport, actor: Any) -> None:
    """Cambridgeshire's Month 10 report, issued from the budget lines above (once: loading again reissues nothing)."""
    organisation, year = _organisation("06H"), _year("2018/19")
    if VarianceReport.objects.filter(organisation=organisation, year=year, month=10).exists():
        return
    issued = month_end_report_produce(actor=actor, organisation=organisation, year=year, month=10)
    report.lines.append(f"Cambridgeshire and Peterborough 2018/19: month-end report for M10, issue {issued.issue}")
