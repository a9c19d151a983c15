"""The whole demo in one transaction, as the system actor "demo loader"."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from demo.loader.common import FIXTURES, DemoReport, organisation_by_ods, year_named
from demo.loader.finance_papers import (
    load_cambridgeshire_activity,
    load_cambridgeshire_budgets,
    load_cambridgeshire_financial_plan,
    load_cambridgeshire_financial_risks,
    load_cambridgeshire_month_end_report,
)
from demo.loader.people import load_organisations, load_users
from demo.loader.plan_papers import load_improvement_plan, load_shropshire_calendar
from demo.loader.risk_papers import load_cambridgeshire_risks
from demo.loader.scheme_papers import load_bexley, load_shropshire, load_surrey
from governance.services import system_actor
from schemes import services


def load_cambridgeshire(report: DemoReport, actor: Any) -> None:
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation = organisation_by_ods("06H")
    year = year_named(data["year"])
    load_cambridgeshire_financial_plan(report, actor, data, organisation, year)
    load_cambridgeshire_risks(report, actor, data, organisation, year)
    # The operational risks above; financial risks and the improvement plan load below (finance, governance).
    report.lines.append("Cambridgeshire and Peterborough 2018/19: financial plan and savings gap (registers to follow)")


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
