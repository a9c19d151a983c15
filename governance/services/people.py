"""Giving people roles in organisations, and the system actors the portal acts as when no person does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from governance.models import Membership, Organisation, Role
from governance.permissions import SYSTEM_ACTOR_PREFIX, Action, require
from governance.selectors import membership_candidates

if TYPE_CHECKING:
    from governance.permissions import Actor


def _other_administrators(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMINISTRATOR)
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_check(
    *, actor: Actor | None, user: Actor, organisation: Organisation, role: str
) -> None:
    """Refuse a role the actor may not give, in their words (the admin's form calls this too).

    An administrator gives roles only in organisations they administer, and only to people who already
    belong to one of them; an organisation always keeps at least one administrator.
    """
    if actor is not None:
        require(actor, Action.MANAGE_MEMBERS, organisation)
    if role not in Role.values:
        raise ValidationError({"role": [f'"{role}" is not a role.']})
    if actor is not None and not membership_candidates(actor).filter(pk=user.pk).exists():
        raise ValidationError({"user": ["Choose someone who already belongs to one of the organisations you "
                                         "administer; ask a superuser to add anyone else."]})
    current = Membership.objects.filter(user=user, organisation=organisation).first()
    if current is not None and current.role == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR \
            and not _other_administrators(current):
        raise ValidationError({"role": [f"{user} is the only administrator of {organisation.name}: make someone "
                                        "else an administrator first."]})


@transaction.atomic
def membership_set(
    *, actor: Actor | None, user: Actor, organisation: Organisation, role: str
) -> Membership:
    """Give `user` `role` in `organisation` (replacing the role they had there, if any)."""
    # Lock the organisation's memberships so two administrators cannot both step down at once.
    list(Membership.objects.select_for_update().filter(organisation=organisation).values_list("pk", flat=True))
    membership_check(actor=actor, user=user, organisation=organisation, role=role)
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation,
                                                        defaults={"role": role})
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor | None, membership: Membership) -> None:
    """Take away someone's role in an organisation; its last administrator stays."""
    organisation = membership.organisation
    if actor is not None:
        require(actor, Action.MANAGE_MEMBERS, organisation)
    list(Membership.objects.select_for_update().filter(organisation=organisation).values_list("pk", flat=True))
    if membership.role == Role.ADMINISTRATOR and not _other_administrators(membership):
        raise ValidationError(f"{membership.user} is the only administrator of {organisation.name}: make someone "
                              "else an administrator first.")
    membership.delete()


@transaction.atomic
def system_actor(name: str) -> Actor:
    """The named account the portal acts as when no person does (e.g. "demo loader", "workbook import").

    It can never sign in (inactive, no usable password); services accept it as having every role.
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=f"{SYSTEM_ACTOR_PREFIX}{slugify(name)}"[:150],
        defaults={"first_name": name[:150], "last_name": "(system)", "is_active": False},
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
