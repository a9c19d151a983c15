"""Risk writes. Keyword-only, typed, atomic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from governance.models import Organisation
from governance.permissions import Action, require
from risks.models import Risk

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

RISK_FIELDS = ("title", "description", "category", "programme", "scheme", "impact", "mitigation", "owner",
               "review_date", "likelihood", "consequence")


@transaction.atomic
def risk_record(*, actor: AbstractBaseUser | None, organisation: Organisation, reference: str, **values: Any) -> Risk:
    """Create or update the organisation's risk `reference`. Unchanged values write nothing (and no history)."""
    if actor is not None:
        require(actor, Action.RECORD_RISKS, organisation)
    unknown = set(values) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown risk fields: {sorted(unknown)}")
    risk = Risk.objects.select_for_update().filter(organisation=organisation, reference=reference).first()
    if risk is None:
        risk = Risk(organisation=organisation, reference=reference)
    elif all(getattr(risk, name) == value for name, value in values.items()):
        return risk
    for name, value in values.items():
        setattr(risk, name, value)
    risk.full_clean()
    risk._history_user = actor  # type: ignore[attr-defined]
    risk.save()
    return risk
