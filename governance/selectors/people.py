"""People: who may be made a member, an organisation's members, and a person's API token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from governance.models import (
    ApiToken,
    Membership,
    Organisation,
    Role,
)
from governance.permissions import password_reset_refusal

if TYPE_CHECKING:
    from governance.permissions import Viewer


def membership_candidates(user: Viewer) -> QuerySet[Any]:
    """People `user` may give a role: those who already belong to an organisation `user` administers.

    A superuser may choose anyone active. Nobody else sees the people of organisations they do not
    administer; creating accounts for new people is for superusers.
    """
    users = get_user_model()._default_manager.filter(is_active=True).order_by("username")
    if not user.is_authenticated or not user.is_active:
        return users.none()
    if user.is_superuser:
        return users
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    return users.filter(pk__in=Membership.objects.filter(organisation__in=administered).values("user"))


def organisation_people(user: Viewer, organisation: Organisation) -> list[dict[str, Any]]:
    """The working organisation's members for its administrators (nobody else: empty), each with their role and
    why their password cannot be reset here (None: it can). A fixed number of queries, however many members."""
    if not user.is_authenticated:
        return []
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    memberships = list(Membership.objects.filter(organisation=organisation, organisation__in=administered)
                       .select_related("user").order_by("user__last_name", "user__first_name", "user__username"))
    theirs: dict[int, set[int]] = {}
    for user_id, organisation_id in Membership.objects.filter(
            user__in=[membership.user_id for membership in memberships]).values_list("user_id", "organisation_id"):
        theirs.setdefault(user_id, set()).add(organisation_id)
    mine = None if user.is_superuser else set(administered.values_list("pk", flat=True))
    return [{"membership": membership, "member": membership.user,
             "refusal": password_reset_refusal(user, membership.user, theirs.get(membership.user_id, set()), mine)}
            for membership in memberships]


def organisation_member(user: Viewer, organisation: Organisation, pk: int) -> Any:
    """A member of `organisation` by user id, for its administrators; DoesNotExist for anyone else's."""
    administered = Organisation.objects.for_user(user, roles=[Role.ADMINISTRATOR])
    return get_user_model()._default_manager.get(
        pk=pk, memberships__organisation=organisation, memberships__organisation__in=administered)


def api_token_of(user: Viewer) -> ApiToken | None:
    """The user's API token (its first characters and when it was made), or None: a person's own, never anyone
    else's."""
    if not user.is_authenticated:
        return None
    return ApiToken.objects.filter(user_id=user.pk).first()
