"""The scheme papers: Bexley's workbook (through the importer), Shropshire's schemes and savings gap, and
Surrey's programmes with their four-year savings and its risk register.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from demo.loader.common import (
    FIXTURES,
    MILLION,
    THOUSAND,
    DemoReport,
    organisation_by_ods,
    pounds_thousands,
    year_named,
)
from finance.services import financial_plan_set
from risks.services import risk_record
from schemes import services
from schemes.importers import workbook_import
from schemes.models import Programme, Scheme


def load_bexley(report: DemoReport, actor: Any) -> None:
    result = workbook_import(actor=actor, organisation=organisation_by_ods("07N"), year_name="2013/14",
                             source=FIXTURES / "bexley_2013_14_appendix1.xlsx")
    report.lines.append(
        f"Bexley 2013/14: {len(result.created)} schemes created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged; {len(result.overrides)} figures kept as published (overrides)"
    )


def load_shropshire(report: DemoReport, actor: Any) -> None:
    data = json.loads((FIXTURES / "shropshire_2012_13.json").read_text())
    organisation = organisation_by_ods("05N")
    year = year_named(data["year"])
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
                "gross_saving": pounds_thousands(row["gross_saving"]),
                "new_investment": pounds_thousands(row["new_investment"]),
                "investment_tbc": row["new_investment"] == "TBC",
                "stated_net_saving": pounds_thousands(row.get("stated_net_saving")),
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
    organisation = organisation_by_ods("5P5")
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
                actor=actor, programme=programme, year=year_named(year_name),
                planned_saving=Decimal(str(amount)) * MILLION,
                source="NHS Surrey One Plan 2011/12 to 2014/15, QIPP programme savings (£m)",
            )
    for row in data["risk_register"]["risks"]:
        numbers = row.get("programme_numbers") or []
        # The work stream is the risk's programme (fixtures/README.md maps the printed names); the printed name
        # stays in the description. The paper gives no likelihood, impact or score.
        workstream = row.get("workstream") or ""
        risk_record(
            actor=actor, organisation=organisation, reference=f"R{row['number']}", year=year_named("2011/12"),
            title=row["risk"][:300],
            description=row["risk"] + (f"\n\nWork stream as printed: {workstream}" if workstream else ""),
            programme=by_number.get(numbers[0]) if numbers else None,
            mitigation=row.get("mitigation") or "", owner=row.get("owner") or "", impact="",
        )
    report.lines.append(
        f"Surrey: {len(by_number)} programmes with their four-year savings, "
        f"{len(data['risk_register']['risks'])} risks"
    )
