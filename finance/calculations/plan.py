"""The financial plan: the QIPP commitment and the planned surplus or deficit, and a plan line's bridge."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from finance.calculations.common import ZERO


@dataclass(frozen=True)
class PlanPosition:
    """What a plan asks of QIPP, with the paper's meanings (pounds; a deficit is negative).

    expenditure_before_qipp - allocation is the savings requirement (what would break even). The QIPP
    commitment is the saving the plan counts on: the QIPP netted off the planned expenditure where the plan
    nets it (Cambridgeshire 2018/19: 35,142), else the whole requirement (Shropshire). What the commitment
    leaves uncovered is the planned surplus or deficit after QIPP (Cambridgeshire: (35,069)).
    """

    expenditure_before_qipp: Decimal
    expenditure_after_qipp: Decimal
    savings_requirement: Decimal
    qipp_commitment: Decimal
    planned_surplus: Decimal


def plan_position(allocation: Decimal, planned_expenditure: Decimal, planned_qipp: Decimal) -> PlanPosition:
    """The plan's position from the figures as stated (`planned_qipp` = QIPP netted off the expenditure, or 0)."""
    before = planned_expenditure + planned_qipp
    requirement = before - allocation
    commitment = planned_qipp if planned_qipp > ZERO else max(requirement, ZERO)
    after = before - commitment
    return PlanPosition(expenditure_before_qipp=before, expenditure_after_qipp=after,
                        savings_requirement=requirement, qipp_commitment=commitment,
                        planned_surplus=allocation - after)


def plan_line_bridge(start: Decimal | None, adjustments: Iterable[Decimal | None]) -> Decimal:
    """A plan line's build-up: the recurrent exit plus each adjustment printed against it (blank = nil)."""
    return (start or ZERO) + sum((a for a in adjustments if a is not None), ZERO)
