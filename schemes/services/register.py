"""Programmes and their planned savings by year."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from governance.fields import check_length
from governance.models import FinancialYear, Organisation
from governance.money import check_money
from governance.permissions import Action
from schemes.models import Programme, ProgrammeTarget
from schemes.services.common import check_role

if TYPE_CHECKING:
    from governance.permissions import Actor


@transaction.atomic
def programme_get_or_create(*, actor: Actor | None, organisation: Organisation, name: str, **details: str) -> Programme:
    """The organisation's programme of that name, created (or its leads filled in) if need be."""
    check_role(actor, Action.EDIT_SCHEMES, organisation)
    programme = Programme.objects.filter(organisation=organisation, name=name.strip()).first()
    if programme is None:
        programme = Programme(organisation=organisation, name=name.strip(), **details)
    else:
        changed = {k: v for k, v in details.items() if v and getattr(programme, k) != v}
        if not changed:
            return programme
        for key, value in changed.items():
            setattr(programme, key, value)
    # Lengths are checked here as PostgreSQL would, so SQLite never stores what PostgreSQL refuses.
    programme.full_clean(exclude=["organisation"], validate_unique=False)
    programme._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    programme.save()
    return programme


@transaction.atomic
def programme_save(*, actor: Actor | None, programme: Programme) -> Programme:
    """A programme named, renamed or its leads changed by its organisation's administrators (in the admin).

    It stays in its organisation: its schemes, targets and risks are that organisation's."""
    if programme.pk is not None:
        stored = Programme.objects.filter(pk=programme.pk).values_list("organisation_id", flat=True).first()
        if stored is not None and stored != programme.organisation_id:
            raise ValidationError({"organisation": "A programme stays in its organisation: add one to the other "
                                                   "organisation instead."})
    check_role(actor, Action.EDIT_SCHEMES, programme.organisation)
    programme.name = programme.name.strip()
    programme.full_clean()  # lengths as PostgreSQL would refuse them, and one name an organisation
    programme._history_user = actor  # type: ignore[attr-defined]  # simple-history reads who acted from here
    programme.save()
    return programme


@transaction.atomic
def programme_remove(*, actor: Actor | None, programme: Programme) -> None:
    """Take away a programme with no schemes (one named by mistake); its targets go with it."""
    check_role(actor, Action.EDIT_SCHEMES, programme.organisation)
    schemes = programme.schemes.count()
    if schemes:
        raise ValidationError(f"{programme.name} has {schemes} scheme{'s' if schemes != 1 else ''}: move "
                              f"{'them' if schemes != 1 else 'it'} to another programme before removing it.")
    programme._history_user = actor  # type: ignore[attr-defined]
    programme.delete()


@transaction.atomic
def programme_target_set(
    *, actor: Actor | None, programme: Programme, year: FinancialYear, planned_saving: Decimal, source: str = ""
) -> ProgrammeTarget:
    """A programme's planned saving for a year (e.g. NHS Surrey's four-year table)."""
    check_role(actor, Action.SET_FINANCIAL_PLAN, programme.organisation)
    check_length(source, what="source of the target", field="source", limit=300)
    check_money(planned_saving, f"planned saving of {programme.name} for {year}", field="planned_saving")
    target, _ = ProgrammeTarget.objects.update_or_create(
        programme=programme, year=year, defaults={"planned_saving": planned_saving, "source": source}
    )
    return target


@transaction.atomic
def programme_target_remove(*, actor: Actor | None, target: ProgrammeTarget) -> None:
    """Take away a programme's planned saving for a year (one entered against the wrong programme or year)."""
    check_role(actor, Action.SET_FINANCIAL_PLAN, target.programme.organisation)
    target.delete()
