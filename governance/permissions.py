"""Who may do what, by role, in one table.

The server checks these on every write whatever the page showed; templates use the same
table to hide controls a user cannot use.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from governance.models import Membership, Organisation, Role

if TYPE_CHECKING:
    from django.http import HttpRequest

# Who acts in a service: a signed-in person, or the portal's system actor (`None` where a service allows no one).
# AUTH_USER_MODEL is Django's default, so this is auth's User: the model the `*_by` foreign keys point at.
Actor: TypeAlias = User
# Who reads: whoever asked for the page. Selectors and `for_user` scope to them; an anonymous visitor sees nothing.
Viewer: TypeAlias = User | AnonymousUser


class Action(StrEnum):
    EDIT_SCHEMES = "edit schemes"
    RECORD_PROGRESS = "record monthly progress"
    RATE_SCHEMES = "record a RAG panel sitting"
    ASSESS_DELIVERY = "record a director's assessment"
    OVERRIDE_FIGURES = "override computed figures"
    CLOSE_MONTHS = "close and reopen months"
    APPROVE_GATEWAYS = "record gateway approvals"
    SET_FINANCIAL_PLAN = "set the financial plan and programme savings targets"
    RECORD_RISKS = "keep the risk register"
    KEEP_FINANCIAL_RISKS = "keep the financial risks and mitigations register"
    KEEP_BUDGETS = "keep the budget lines and their months"
    MANAGE_MEMBERS = "give people roles in the organisation"
    KEEP_IMPROVEMENT_PLAN = "keep the improvement plan"
    PUBLISH_PLAN_UPDATE = "publish the improvement plan's monthly update"
    RECORD_MEETINGS = "record meetings and their decisions"
    SEE_JOB_RUNS = "see the background jobs run for the organisation"
    READ_AUDIT_LOG = "read and export the organisation's audit log"
    PRODUCE_BOARD_PACK = "produce the Excel board pack"


ACTION_ROLES: dict[Action, frozenset[str]] = {
    Action.EDIT_SCHEMES: frozenset({Role.ADMINISTRATOR, Role.PMO_EDITOR}),
    Action.RECORD_PROGRESS: frozenset({Role.ADMINISTRATOR, Role.PMO_EDITOR, Role.FINANCE}),
    Action.RATE_SCHEMES: frozenset({Role.ADMINISTRATOR, Role.PANEL_MEMBER}),
    Action.ASSESS_DELIVERY: frozenset({Role.ADMINISTRATOR, Role.PANEL_MEMBER}),
    Action.OVERRIDE_FIGURES: frozenset({Role.ADMINISTRATOR, Role.PANEL_MEMBER, Role.FINANCE}),
    Action.CLOSE_MONTHS: frozenset({Role.ADMINISTRATOR, Role.FINANCE}),
    Action.APPROVE_GATEWAYS: frozenset({Role.ADMINISTRATOR, Role.PMO_EDITOR, Role.PANEL_MEMBER}),
    Action.SET_FINANCIAL_PLAN: frozenset({Role.ADMINISTRATOR, Role.FINANCE}),
    Action.RECORD_RISKS: frozenset({Role.ADMINISTRATOR, Role.PMO_EDITOR, Role.FINANCE}),
    Action.KEEP_FINANCIAL_RISKS: frozenset({Role.ADMINISTRATOR, Role.FINANCE}),
    Action.KEEP_BUDGETS: frozenset({Role.ADMINISTRATOR, Role.FINANCE}),
    Action.MANAGE_MEMBERS: frozenset({Role.ADMINISTRATOR}),
    Action.KEEP_IMPROVEMENT_PLAN: frozenset({Role.ADMINISTRATOR, Role.PMO_EDITOR}),
    Action.PUBLISH_PLAN_UPDATE: frozenset({Role.ADMINISTRATOR, Role.PMO_EDITOR}),
    Action.RECORD_MEETINGS: frozenset({Role.ADMINISTRATOR, Role.PMO_EDITOR, Role.PANEL_MEMBER, Role.FINANCE}),
    Action.SEE_JOB_RUNS: frozenset({Role.ADMINISTRATOR}),
    Action.READ_AUDIT_LOG: frozenset({Role.ADMINISTRATOR}),
    # Finance take the pack to the governing body; any member may download one produced (finance.selectors).
    Action.PRODUCE_BOARD_PACK: frozenset({Role.ADMINISTRATOR, Role.FINANCE}),
}


def acting_user(request: HttpRequest) -> Actor:
    """The signed-in user a write view acts as (write views are behind login_required; refused otherwise)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


def role_in(user: Viewer, organisation: Organisation) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    cache: dict[int, str] = getattr(user, "_qipp_roles", None) or {}
    if not cache:
        cache = dict(Membership.objects.filter(user=user).order_by().values_list("organisation_id", "role"))
        user._qipp_roles = cache  # type: ignore[attr-defined]  # a per-request cache the User model does not declare
    return cache.get(organisation.pk)


SYSTEM_ACTOR_PREFIX = "system-"


def is_system_actor(user: Viewer | None) -> bool:
    """The portal itself acting (demo loader, imports): an account no one can sign in to.

    Only governance.services.system_actor makes these: inactive, with no usable password, named
    "system-...". History shows it by name, so an import is never attributed to a person.
    """
    return (
        user is not None
        and user.is_authenticated
        and not user.is_active
        and user.get_username().startswith(SYSTEM_ACTOR_PREFIX)
        and not user.has_usable_password()
    )


def can(user: Viewer, action: Action, organisation: Organisation) -> bool:
    if is_system_actor(user):
        return True
    return role_in(user, organisation) in ACTION_ROLES[action]


def require(user: Viewer, action: Action, organisation: Organisation) -> None:
    """Refuse a write the user's role does not allow, in words they understand."""
    if not can(user, action, organisation):
        raise PermissionDenied(f"Your role at {organisation.name} does not allow you to {action.value}.")


def allowed_actions(user: Viewer, organisation: Organisation | None) -> set[str]:
    if organisation is None:
        return set()
    return {action.name for action in Action if can(user, action, organisation)}


def password_reset_refusal(actor: Actor, member: Actor, member_organisations: set[int],
                           administered: set[int] | None) -> str | None:
    """Why `actor` may not reset `member`'s password, in words, or None (administered None: a superuser's, all).

    Only a person every one of whose organisations (`member_organisations`, ids) `actor` administers: a new password
    is the whole account, so resetting that of someone who also belongs to another organisation would let an
    administrator here sign in as them and read and change that organisation's data (a takeover across
    organisations), and a superuser's would give every organisation. Those are for a superuser, in the admin.
    """
    name = member.get_full_name() or member.get_username()
    if member.pk == actor.pk:
        return "This is your own account: change your password on the Change your password page."
    if member.is_superuser:
        return f"{name} is a superuser: only another superuser can reset their password, in the admin."
    if not member.is_active:
        return f"{name}'s account is switched off, so it cannot sign in: ask a superuser."
    if not member_organisations:
        return f"{name} belongs to no organisation: ask a superuser."
    if administered is not None and not member_organisations <= administered:
        return (f"{name} also belongs to an organisation you do not administer, so only a superuser can reset their "
                "password: a new password would let you sign in as them there.")
    return None
