"""The demo's organisations and its users, one per role, with their roles given through the service."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from demo.loader.common import DemoReport
from governance.models import Organisation, OrganisationKind, Role
from governance.services import membership_set

ORGANISATIONS = [
    ("07N", "NHS Bexley CCG", OrganisationKind.CCG),
    ("05N", "NHS Shropshire County CCG", OrganisationKind.CCG),
    ("5P5", "NHS Surrey", OrganisationKind.PCT),
    ("06H", "NHS Cambridgeshire and Peterborough CCG", OrganisationKind.CCG),
]

# One demo user per role, member of every demo organisation. Local use only.
DEMO_USERS = [
    ("admin", Role.ADMINISTRATOR, "Ada", "Administrator"),
    ("pmo", Role.PMO_EDITOR, "Priya", "PMO"),
    ("panel", Role.PANEL_MEMBER, "Peter", "Panel"),
    ("finance", Role.FINANCE, "Fiona", "Finance"),
    ("viewer", Role.VIEWER, "Grace", "Governing-body"),
]
DEMO_PASSWORD_SUFFIX = "-demo-2013"
PORTAL_APPS = ["governance", "schemes", "risks", "finance"]


def load_organisations() -> None:
    for ods, name, kind in ORGANISATIONS:
        Organisation.objects.get_or_create(ods_code=ods, defaults={"name": name, "kind": kind})


def load_users(report: DemoReport) -> None:
    User = get_user_model()
    for username, role, first, last in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
        password = f"{username}{DEMO_PASSWORD_SUFFIX}"
        if not user.check_password(password):
            user.set_password(password)
        user.is_staff = role == Role.ADMINISTRATOR
        user.save()
        if role == Role.ADMINISTRATOR:
            # The admin site, scoped to the user's organisations (governance.admin.ScopedAdmin).
            user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=PORTAL_APPS))
        for organisation in Organisation.objects.filter(ods_code__in=[o[0] for o in ORGANISATIONS]):
            # Through the service like every role grant (None: the portal itself, not an administrator).
            membership_set(actor=None, user=user, organisation=organisation, role=role)
        report.users.append((username, password, Role(role).label))
