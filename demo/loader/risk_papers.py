"""Cambridgeshire and Peterborough's operational risks, scored from their published text."""

from __future__ import annotations

from typing import Any

from demo.loader.common import DemoReport
from governance.models import FinancialYear, Organisation
from risks.models import Category
from risks.scoring import parse_score_text, resolve_scores
from risks.services import risk_record

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
