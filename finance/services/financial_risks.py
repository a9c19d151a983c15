"""The monthly financial risks and mitigations register: start a month, its rows, its printed totals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from finance import calculations
from finance.calculations import Amounts
from finance.models import (
    LEAD_LENGTH,
    SHORT_TEXT,
    FinancialRisk,
    FinancialRiskKind,
    FinancialRiskMonth,
)
from governance.fields import NOTE_LENGTH, check_length
from governance.models import FinancialYear, Organisation
from governance.money import check_money
from governance.permissions import Action, require
from schemes.services import EditConflict

__all__ = ["EditConflict"]  # the house's conflict: raised here by a stale save of a financial risk

if TYPE_CHECKING:
    from governance.permissions import Actor


# --- Financial risks and mitigations ---------------------------------------------------------------

ROW_FIELDS = ("description", "total_value", "assessed_value", "in_forecast", "published_percent", "exec_lead",
              "process_to_manage", "commentary")
AMOUNT_WORDS = {"total_value": "total value", "assessed_value": "assessed value", "in_forecast": "amount in forecast"}
PUBLISHED_FIELDS = ("total", "assessed", "in_forecast", "residual")


def _keep_register(actor: Actor | None, organisation: Organisation) -> None:
    if actor is not None:
        require(actor, Action.KEEP_FINANCIAL_RISKS, organisation)


def _check_row(values: Mapping[str, Any]) -> None:
    """Refuse a row that cannot be stored, naming the field as the user knows it."""
    description = values.get("description", "")
    if not str(description or "").strip():
        raise ValidationError({"description": ["Enter a description of the risk or mitigation."]})
    check_length(description, what="description", field="description", limit=SHORT_TEXT)
    check_length(values.get("exec_lead"), what="exec lead", field="exec_lead", limit=LEAD_LENGTH)
    check_length(values.get("published_percent"), what="published %", field="published_percent", limit=10)
    for name in ("process_to_manage", "commentary"):
        check_length(values.get(name), what=name.replace("_", " "), field=name, limit=NOTE_LENGTH)
    for name, what in AMOUNT_WORDS.items():
        amount = values.get(name)
        if amount is None:
            raise ValidationError({name: [f"Enter the {what} in pounds (0 if there is none)."]})
        check_money(amount, what, field=name)
        if amount < 0:
            raise ValidationError({name: [f"Enter the {what} as a positive amount: risks are shown in brackets "
                                          "for you."]})


def _month_label(month: int) -> str:
    if not 1 <= month <= 12:
        raise ValidationError({"month": [f"Choose a month from M1 (April) to M12 (March), not {month}."]})
    return f"M{month}"


@transaction.atomic
def financial_risk_month_start(
    *, actor: Actor | None, organisation: Organisation, year: FinancialYear, month: int,
    copy_from: FinancialRiskMonth | None = None, source: str = "",
) -> FinancialRiskMonth:
    """Start a month's register, empty or as a copy of another month's rows (copy forward).

    The month copied from is untouched: its position stays readable as it was. Published totals belong to
    the paper they were printed in and are not copied.
    """
    _keep_register(actor, organisation)
    label = _month_label(month)
    check_length(source, what="source of the figures", field="source", limit=SHORT_TEXT)
    if copy_from is not None and (copy_from.organisation_id != organisation.pk or copy_from.year_id != year.pk):
        raise ValidationError({"copy_from": ["Copy from a month of the same organisation and year."]})
    if FinancialRiskMonth.objects.filter(organisation=organisation, year=year, month=month).exists():
        raise ValidationError({"month": [f"{label} of {year} already has a financial risks register: open it to "
                                         "change it."]})
    register = FinancialRiskMonth(organisation=organisation, year=year, month=month, source=source)
    register._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    register.save()
    if copy_from is not None:
        copies = [
            FinancialRisk(register=register, kind=row.kind, position=row.position, residual=row.residual,
                          **{name: getattr(row, name) for name in ROW_FIELDS})
            for row in copy_from.rows.all()
        ]
        for copy in copies:
            copy._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
            copy.save()
    return register


@transaction.atomic
def financial_risk_month_published_totals_set(
    *, actor: Actor | None, register: FinancialRiskMonth, risks: Amounts | None,
    mitigations: Amounts | None, source: str = "",
) -> FinancialRiskMonth:
    """Record the totals a paper printed (its rows are rounded, so these can differ from their sum by 1)."""
    _keep_register(actor, register.organisation)
    check_length(source, what="source of the figures", field="source", limit=SHORT_TEXT)
    values: dict[str, Any] = {"source": source}
    for kind, amounts in (("risks", risks), ("mitigations", mitigations)):
        for part, name in zip(PUBLISHED_FIELDS, ("total_value", "assessed_value", "in_forecast", "residual"),
                              strict=True):
            amount = getattr(amounts, name) if amounts is not None else None
            check_money(amount, f"published {kind} {part.replace('_', ' ')}", field=f"published_{kind}_{part}")
            values[f"published_{kind}_{part}"] = amount
    register = FinancialRiskMonth.objects.select_for_update().get(pk=register.pk)
    if all(getattr(register, name) == value for name, value in values.items()):
        return register
    for name, value in values.items():
        setattr(register, name, value)
    register.version += 1
    register._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    register.save()
    return register


def _next_position(register: FinancialRiskMonth, kind: str) -> int:
    last = register.rows.filter(kind=kind).order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


@transaction.atomic
def financial_risk_create(
    *, actor: Actor | None, register: FinancialRiskMonth, kind: str, description: str,
    total_value: Decimal, assessed_value: Decimal, in_forecast: Decimal, exec_lead: str = "",
    process_to_manage: str = "", commentary: str = "", published_percent: str = "",
) -> FinancialRisk:
    """Add a risk or mitigation to a month's register, after its last row of that kind."""
    _keep_register(actor, register.organisation)
    if kind not in FinancialRiskKind.values:
        raise ValidationError({"kind": ["Choose whether this is a risk or a mitigation."]})
    values = {"description": description, "total_value": total_value, "assessed_value": assessed_value,
              "in_forecast": in_forecast, "exec_lead": exec_lead, "process_to_manage": process_to_manage,
              "commentary": commentary, "published_percent": published_percent}
    _check_row(values)
    row = FinancialRisk(register=register, kind=kind, position=_next_position(register, kind),
                        residual=calculations.residual(assessed_value, in_forecast), **values)
    row.full_clean()
    row._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    row.save()
    return row


@transaction.atomic
def financial_risk_update(
    *, actor: Actor | None, row: FinancialRisk, expected_version: int | None,
    changes: Mapping[str, Any],
) -> FinancialRisk:
    """Change a row, refusing it (EditConflict) if someone saved it since the user opened it.

    An edit that changes nothing is not a new version. The residual is recomputed from the new values.
    """
    _keep_register(actor, row.register.organisation)
    unknown = set(changes) - set(ROW_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    current = FinancialRisk.objects.select_for_update().select_related("register").get(pk=row.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f"{current.description} was changed by someone else since you opened it (it is now version "
            f"{current.version}, you started from version {expected_version}).",
            current=current,
        )
    actual = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if not actual:
        return current
    _check_row({**{name: getattr(current, name) for name in ROW_FIELDS}, **actual})
    for name, value in actual.items():
        setattr(current, name, value)
    current.residual = calculations.residual(current.assessed_value, current.in_forecast)
    current.full_clean()
    current.version += 1
    current._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    current.save()
    return current


@transaction.atomic
def financial_risk_record(
    *, actor: Actor | None, register: FinancialRiskMonth, kind: str, position: int, **values: Any,
) -> FinancialRisk:
    """Create or update the row at `position` of its kind (imports and the demo loader): unchanged, no write."""
    _keep_register(actor, register.organisation)
    unknown = set(values) - set(ROW_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    row = FinancialRisk.objects.select_for_update().filter(register=register, kind=kind, position=position).first()
    if row is None:
        return financial_risk_create(actor=actor, register=register, kind=kind, **values)
    return financial_risk_update(actor=actor, row=row, expected_version=None, changes=values)
