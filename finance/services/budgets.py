"""Budget lines and their months: created, or changed if unchanged since the user opened them."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import (
    BudgetLine,
    BudgetLineKind,
    BudgetMonth,
)
from finance.services.versioned import month_closed_locked, refuse_closed_change
from finance.services.versioned import versioned_save as _versioned_save
from governance.fields import check_length
from governance.models import FinancialYear, Organisation
from governance.money import check_money
from governance.permissions import Action, require

if TYPE_CHECKING:
    from governance.permissions import Actor


# --- Budgets ---------------------------------------------------------------------------------------

LINE_FIELDS = ("position", "kind", "section", "commentary", "published_month", "published_ytd_plan",
               "published_ytd_actual", "published_forecast_plan", "published_forecast")
MONTH_FIELDS = ("plan", "actual", "forecast")


def _keep_budgets(actor: Actor | None, organisation: Organisation) -> None:
    if actor is not None:
        require(actor, Action.KEEP_BUDGETS, organisation)


@transaction.atomic
def budget_line_record(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, name: str,
    expected_version: int | None = None, **values: Any,
) -> BudgetLine:
    """Create the line named `name` for the year, or change it (EditConflict if saved since the user opened it).

    An edit that changes nothing is not a new version, so a re-import writes nothing.
    """
    _keep_budgets(actor, organisation)
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    if values.get("kind", BudgetLineKind.SPEND) not in BudgetLineKind.values:
        raise ValidationError({"kind": ["Choose whether this line is an allocation or a spend line."]})
    check_length(name, what="budget line name", field="name", limit=200)
    for field in ("published_ytd_plan", "published_ytd_actual", "published_forecast_plan", "published_forecast"):
        if values.get(field) is not None:
            check_money(values[field], f"{field.replace('_', ' ')} of {name}", field=field)
    line = BudgetLine.objects.select_for_update().filter(organisation=organisation, year=year, name=name).first()
    return _versioned_save(actor=actor, found=line, new=lambda: BudgetLine(organisation=organisation, year=year,
                                                                            name=name, **values),
                           values=values, expected_version=expected_version, label=name)


@transaction.atomic
def budget_month_record(
    *, actor: Actor | None, line: BudgetLine, month: int, expected_version: int | None = None,
    plan: Decimal, actual: Decimal | None = None, forecast: Decimal | None = None,
) -> BudgetMonth:
    """Set a line's month (M1 = April): plan, and actual and forecast where known. Unchanged, no write.

    A closed month is refused with the reason (nothing saved), as schemes' months are.
    """
    _keep_budgets(actor, line.organisation)
    if not 1 <= month <= 12:
        raise ValidationError({"month": [f"Month {month} is not a month of the year: use M1 (April) to M12 (March)."]})
    label = f"{line.name} M{month}"
    check_money(plan, f"plan for {label}", field="plan")
    if actual is not None:
        check_money(actual, f"actual for {label}", field="actual")
    if forecast is not None:
        check_money(forecast, f"forecast for {label}", field="forecast")
    values = {"plan": plan, "actual": actual, "forecast": forecast}
    closed = month_closed_locked(organisation=line.organisation, year=line.year, month=month)
    row = BudgetMonth.objects.select_for_update().filter(line=line, month=month).first()
    refuse_closed_change(closed=closed, found=row, values=values, year=line.year, month=month,
                         figures=f"plan, actual and forecast of {line.name}")
    return _versioned_save(actor=actor, found=row, new=lambda: BudgetMonth(line=line, month=month, **values),
                           values=values, expected_version=expected_version, label=label)
