"""API tokens: `manage.py api_token USERNAME` prints the person's token, which then authenticates the API as them;
`--replace` makes a new one (the old stops working); accounts that cannot sign in get none."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from governance import services
from governance.models import Role
from tests.factories import OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


def api_token(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip()


def schemes_seen(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/schemes/")
    return response.json()["count"] if response.status_code == 200 else -response.status_code


def test_the_command_prints_a_token_that_acts_as_the_person() -> None:
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    SchemeFactory()  # another organisation's: not seen
    member(organisation, Role.PMO_EDITOR, username="priya")
    key = api_token("priya")
    assert len(key) == 40 and api_token("priya") == key  # the same token until replaced
    assert schemes_seen(key) == 1
    new = api_token("priya", "--replace")
    assert new != key and schemes_seen(new) == 1
    assert schemes_seen(key) in (-401, -403)  # the old key stops working at once (refused: "Invalid token")


def test_accounts_that_cannot_sign_in_get_no_token() -> None:
    with pytest.raises(CommandError, match="no user called nobody"):
        api_token("nobody")
    member(OrganisationFactory(), Role.VIEWER, username="left", is_active=False)
    with pytest.raises(CommandError, match="left cannot sign in"):
        api_token("left")
    services.system_actor("demo loader")
    with pytest.raises(CommandError, match="cannot sign in"):
        api_token("system-demo-loader")


def test_a_person_issues_their_own_token_only() -> None:
    organisation = OrganisationFactory()
    me, colleague = member(organisation, Role.ADMINISTRATOR), member(organisation, Role.PMO_EDITOR)
    assert services.api_token_issue(actor=me, user=me).user == me
    with pytest.raises(PermissionDenied):
        services.api_token_issue(actor=me, user=colleague)
    assert not Token.objects.filter(user=colleague).exists()
