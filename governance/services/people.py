"""Giving people roles in organisations, an administrator's reset of a member's password, and the system actors the
portal acts as when no person does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from governance.models import Membership, Organisation, PasswordChangeDue, Role
from governance.permissions import SYSTEM_ACTOR_PREFIX, Action, password_reset_refusal, require
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


# A generated temporary password: four groups of four from letters and digits that cannot be misread (no 0/O, 1/l/I),
# about 95 bits; read out over the phone or typed from the page once, then changed at the next sign-in.
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    return "-".join(get_random_string(4, TEMPORARY_PASSWORD_ALPHABET) for _ in range(4))


@transaction.atomic
def member_password_reset(*, actor: Actor, member: Actor, organisation: Organisation,
                          password: str | None = None) -> str:
    """Give `member` of `organisation` a temporary password (`password`, or one generated), returned to show once.

    They must change it when they next sign in (PasswordChangeDue); signing in with the old one, and every session
    they have open, stop working (Django's session check follows the password). Sign-in pauses for their username
    (django-axes) are lifted, since being locked out is the usual reason to ask.
    """
    require(actor, Action.MANAGE_MEMBERS, organisation)
    if not Membership.objects.filter(user=member, organisation=organisation).exists():
        raise ValidationError(f"{member} is not a member of {organisation.name}.")
    administered = None if actor.is_superuser else set(
        Organisation.objects.for_user(actor, roles=[Role.ADMINISTRATOR]).values_list("pk", flat=True))
    theirs = set(Membership.objects.filter(user=member).values_list("organisation_id", flat=True))
    refusal = password_reset_refusal(actor, member, theirs, administered)
    if refusal:
        raise ValidationError(refusal)
    chosen = password or temporary_password()
    try:
        validate_password(chosen, user=member)
    except ValidationError as invalid:
        raise ValidationError({"password": invalid.messages}) from None
    member.set_password(chosen)
    member.save(update_fields=["password"])
    PasswordChangeDue.objects.update_or_create(user=member, defaults={"reset_by": actor})
    from axes.utils import reset as axes_reset  # here: django-axes reads the settings as it is imported

    axes_reset(username=member.get_username())
    return chosen


@transaction.atomic
def own_password_changed(*, actor: Actor) -> None:
    """The member chose a new password (the password page, after Django's form saved it): no change is due."""
    PasswordChangeDue.objects.filter(user=actor).delete()


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
