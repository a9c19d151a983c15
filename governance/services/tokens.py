"""API tokens: the key a person's programs send in the Authorization header ("Token <key>") to act as them.

A token ends with what it stands for: when the account's password is changed or reset (by any path: the password
page, an administrator's reset, Django's admin, `manage.py changepassword`), when the account is deactivated, and
when the person loses their last membership. The receivers below (connected in GovernanceConfig.ready) see every
save of an account and every removal of a membership, so no path that changes an account can forget it.

The portal keeps a key's SHA-256 and first characters only (governance.models.ApiToken): issuing a token hands back
its key once, and nothing can show it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from governance.models import ApiToken, Membership
from governance.models.tokens import PREFIX_LENGTH, api_key_hash, api_key_new
from governance.permissions import is_system_actor

if TYPE_CHECKING:
    from governance.permissions import Actor

# The fields of an account whose change ends its token; a save naming only others (a sign-in's last_login) is skipped
# without a query.
TOKEN_ENDING_FIELDS = frozenset({"password", "is_active"})


@dataclass(frozen=True)
class IssuedToken:
    """What api_token_issue answers: the token and, when it was just made, its key (shown once, kept nowhere)."""

    token: ApiToken
    key: str | None  # None: the user already had this token, whose key the portal cannot know


@transaction.atomic
def api_token_issue(*, actor: Actor | None, user: Actor, replace: bool = False) -> IssuedToken:
    """The user's API token, made if they have none; with `replace`, a new key (the old one stops working at once).
    The key is in the answer only when the token is made here: an existing token's key is not kept.

    A person issues their own; the portal (a system actor, e.g. the api_token command run on the server) anyone's.
    An account that cannot sign in (inactive, or one of the portal's system actors) gets none: a token would let a
    program act as someone who may not act.
    """
    _check_own(actor, user, "issue")
    if not user.is_active or is_system_actor(user):
        raise ValidationError(f"{user.get_username()} cannot sign in, so cannot have an API token.")
    if replace:
        ApiToken.objects.filter(user=user).delete()
    else:
        existing = ApiToken.objects.filter(user=user).first()
        if existing is not None:
            return IssuedToken(token=existing, key=None)
    key = api_key_new()
    token = ApiToken.objects.create(user=user, key_hash=api_key_hash(key), prefix=key[:PREFIX_LENGTH])
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, actor: Actor | None, user: Actor) -> bool:
    """Delete the user's API token: programs sending it are refused from now on. True if there was one.

    A person revokes their own; the portal (a system actor) anyone's.
    """
    _check_own(actor, user, "revoke")
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)


def _check_own(actor: Actor | None, user: Actor, verb: str) -> None:
    if actor is not None and not is_system_actor(actor) and actor.pk != user.pk:
        raise PermissionDenied(f"You can {verb} an API token for yourself only.")


def token_revoke_on_account_change(sender: type[Any], instance: Any, raw: bool = False,
                                   update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    """pre_save of the user model: a new password (set_password, whoever called it) or a deactivation revokes the
    account's token. One query, and only for an account that has a token."""
    if raw or instance.pk is None or (update_fields is not None and not TOKEN_ENDING_FIELDS & set(update_fields)):
        return
    saved = get_user_model().objects.filter(pk=instance.pk, api_token__isnull=False).values(
        "password", "is_active").first()
    if saved is not None and (saved["password"] != instance.password or not instance.is_active):
        api_token_revoke(actor=None, user=instance)


def token_revoke_on_last_membership(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    """post_delete of a membership (membership_remove, the admin, an organisation deleted): someone who belongs to
    no organisation any more keeps no token."""
    if not Membership.objects.filter(user_id=instance.user_id).exists():
        api_token_revoke(actor=None, user=instance.user)
