"""The financial plan: allocation, planned expenditure and the QIPP it counts on; the lines of its build-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import FinancialPlan, FinancialPlanLine
from governance.fields import check_length
from governance.models import FinancialYear, Organisation
from governance.money import check_money
from governance.permissions import Action, require

if TYPE_CHECKING:
    from governance.permissions import Actor


@transaction.atomic
def financial_plan_set(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, allocation: Decimal,
    planned_expenditure: Decimal, planned_qipp: Decimal | None = None, source: str = "",
) -> FinancialPlan:
    """Record a year's allocation and planned expenditure (and the QIPP netted off it, if the plan does that).

    `planned_qipp=None` keeps what the plan has (0 for a new plan): a plan with lines takes it from them.
    """
    if actor is not None:
        require(actor, Action.SET_FINANCIAL_PLAN, organisation)
    check_length(source, what="source of the figures", field="source", limit=300)
    check_money(allocation, f"allocation for {year}", field="allocation")
    check_money(planned_expenditure, f"planned expenditure for {year}", field="planned_expenditure")
    defaults = {"allocation": allocation, "planned_expenditure": planned_expenditure, "source": source}
    if planned_qipp is not None:
        check_money(planned_qipp, f"planned QIPP for {year}", field="planned_qipp")
        if planned_qipp < 0:
            raise ValidationError({"planned_qipp": ["Enter the planned QIPP as a positive saving."]})
        defaults["planned_qipp"] = planned_qipp
    plan, _ = FinancialPlan.objects.update_or_create(organisation=organisation, year=year, defaults=defaults)
    return plan


@dataclass(frozen=True)
class PlanLineInput:
    """A line of the plan's build-up as the paper prints it, in pounds (adjustments signed as printed)."""

    name: str
    section: str  # "allocation" or "expenditure"
    prior_year_forecast: Decimal | None = None
    recurrent_exit: Decimal | None = None
    allocation_increase: Decimal | None = None
    inflation: Decimal | None = None
    growth: Decimal | None = None
    mental_health_gpfv: Decimal | None = None
    other_recurrent_investment: Decimal | None = None
    non_recurrent_investment: Decimal | None = None
    contingency: Decimal | None = None
    other_reserves: Decimal | None = None
    planned_qipp: Decimal | None = None
    planned: Decimal | None = None
    published_growth: str = ""


PLAN_LINE_MONEY = tuple(f.name for f in fields(PlanLineInput) if f.name not in ("name", "section", "published_growth"))


def _check_line(line: PlanLineInput) -> None:
    check_length(line.name, what="line name", field="name", limit=200)
    if not line.name.strip():
        raise ValidationError({"name": ["Every line of the plan needs a name."]})
    if line.section not in ("allocation", "expenditure"):
        raise ValidationError({"section": [f"{line.name}: choose whether the line is allocation or expenditure."]})
    check_length(line.published_growth, what=f"growth of {line.name}", field="published_growth", limit=10)
    for name in PLAN_LINE_MONEY:
        value = getattr(line, name)
        if value is not None:
            check_money(value, f"{name.replace('_', ' ')} of {line.name}", field=name)
    if line.planned_qipp is not None and line.planned_qipp > 0:
        raise ValidationError({"planned_qipp": [f"{line.name}: planned QIPP takes spend off the line: enter it "
                                                "as a negative adjustment, as the plan prints it."]})


@transaction.atomic
def financial_plan_lines_set(
    *, actor: Actor | None, plan: FinancialPlan, lines: Sequence[PlanLineInput],
) -> FinancialPlan:
    """Replace the plan's build-up with `lines` (in order); the plan's netted QIPP becomes the lines' total.

    All or nothing; a line whose values are unchanged is not written again (no new history).
    """
    if actor is not None:
        require(actor, Action.SET_FINANCIAL_PLAN, plan.organisation)
    names = [line.name for line in lines]
    if len(set(names)) != len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        verb = "appears" if len(twice) == 1 else "appear"
        raise ValidationError({"name": [f"Each line appears once: {', '.join(twice)} {verb} more than once."]})
    for line in lines:
        _check_line(line)
    plan = FinancialPlan.objects.select_for_update().get(pk=plan.pk)
    existing = {row.name: row for row in plan.lines.all()}
    for gone in set(existing) - set(names):
        existing[gone]._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted here
        existing[gone].delete()
    for position, line in enumerate(lines):
        values = {name: getattr(line, name) for name in (*PLAN_LINE_MONEY, "section", "published_growth")}
        row = existing.get(line.name)
        if row is None:
            row = FinancialPlanLine(plan=plan, name=line.name, position=position, **values)
        elif row.position == position and all(getattr(row, k) == v for k, v in values.items()):
            continue
        else:
            row.position = position
            for name, value in values.items():
                setattr(row, name, value)
        row.full_clean()
        row._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
        row.save()
    qipp = -sum((line.planned_qipp or Decimal("0") for line in lines), Decimal("0"))
    if plan.planned_qipp != qipp:
        plan.planned_qipp = qipp
        plan.save(update_fields=["planned_qipp"])
    return plan
