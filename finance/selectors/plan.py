"""Finance reads: the savings gap set against identified schemes; the financial risks and mitigations register."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, Sum

from finance.models import FinancialPlan
from schemes.models import Scheme

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer


@dataclass(frozen=True)
class SavingsGap:
    allocation: Decimal
    planned_expenditure: Decimal
    savings_requirement: Decimal
    gross_identified: Decimal
    investment: Decimal
    net_identified: Decimal
    unidentified: Decimal
    investment_tbc_schemes: int


def savings_gap(
    user: Viewer, organisation: Organisation, year: FinancialYear
) -> SavingsGap | None:
    plan = FinancialPlan.objects.for_user(user).filter(organisation=organisation, year=year).first()
    if plan is None:
        return None
    schemes = Scheme.objects.for_user(user).filter(organisation=organisation, year=year)
    sums = schemes.aggregate(
        gross=Sum("gross_saving"),
        investment=Sum("new_investment"),
        tbc=Sum(1, filter=Q(investment_tbc=True)),
    )
    gross = sums["gross"] or Decimal("0")
    investment = sums["investment"] or Decimal("0")  # TBC investments are NULL: they add nothing
    return SavingsGap(
        allocation=plan.allocation,
        planned_expenditure=plan.planned_expenditure,
        savings_requirement=plan.savings_requirement,
        gross_identified=gross,
        investment=investment,
        net_identified=gross - investment,
        unidentified=plan.savings_requirement - gross,
        investment_tbc_schemes=sums["tbc"] or 0,
    )


# --- Financial risks and mitigations ---------------------------------------------------------------
