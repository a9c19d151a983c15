"""The financial plan: allocation and planned expenditure, whose difference the savings schemes must close."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from finance.models import (
    FinancialPlan,
)
from governance.fields import check_length
from governance.models import FinancialYear, Organisation
from governance.money import check_money
from governance.permissions import Action, require

if TYPE_CHECKING:
    from governance.permissions import Actor


@transaction.atomic
def financial_plan_set(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, allocation: Decimal,
    planned_expenditure: Decimal, source: str = "",
) -> FinancialPlan:
    """Record a year's allocation and planned expenditure (their difference is the savings requirement)."""
    if actor is not None:
        require(actor, Action.SET_FINANCIAL_PLAN, organisation)
    check_length(source, what="source of the figures", field="source", limit=300)
    check_money(allocation, f"allocation for {year}", field="allocation")
    check_money(planned_expenditure, f"planned expenditure for {year}", field="planned_expenditure")
    plan, _ = FinancialPlan.objects.update_or_create(
        organisation=organisation, year=year,
        defaults={"allocation": allocation, "planned_expenditure": planned_expenditure, "source": source},
    )
    return plan
