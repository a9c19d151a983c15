"""API tokens: the key a person's programs send in the Authorization header ("Token <key>") to act as them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from governance.permissions import is_system_actor

if TYPE_CHECKING:
    from governance.permissions import Actor


@transaction.atomic
def api_token_issue(*, actor: Actor | None, user: Actor, replace: bool = False) -> Token:
    """The user's API token, made if they have none; with `replace`, a new key (the old one stops working at once).

    A person issues their own; the portal (a system actor, e.g. the api_token command run on the server) anyone's.
    An account that cannot sign in (inactive, or one of the portal's system actors) gets none: a token would let a
    program act as someone who may not act.
    """
    _check_own(actor, user, "issue")
    if not user.is_active or is_system_actor(user):
        raise ValidationError(f"{user.get_username()} cannot sign in, so cannot have an API token.")
    if replace:
        Token.objects.filter(user=user).delete()
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def api_token_revoke(*, actor: Actor | None, user: Actor) -> bool:
    """Delete the user's API token: programs sending it are refused from now on. True if there was one.

    A person revokes their own; the portal (a system actor) anyone's.
    """
    _check_own(actor, user, "revoke")
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


def _check_own(actor: Actor | None, user: Actor, verb: str) -> None:
    if actor is not None and not is_system_actor(actor) and actor.pk != user.pk:
        raise PermissionDenied(f"You can {verb} an API token for yourself only.")
