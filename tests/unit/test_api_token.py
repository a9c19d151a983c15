"""API tokens: `manage.py api_token USERNAME` prints the person's token, which then authenticates the API as them;
`--replace` makes a new one (the old stops working), `--revoke` deletes it; accounts that cannot sign in get none.
The "Your API token" page (/accounts/api-token/, in the account menu) does the same for the signed-in person: the
full key is shown once, on the answer to the POST that made it; after that only its first characters and date."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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
    return len(response.json()["results"]) if response.status_code == 200 else -response.status_code


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


def test_the_command_revokes_a_token() -> None:
    member(OrganisationFactory(), Role.VIEWER, username="viv")
    key = api_token("viv")
    assert api_token("viv", "--revoke") == "viv's API token is revoked."
    assert schemes_seen(key) in (-401, -403) and not Token.objects.exists()
    assert api_token("viv", "--revoke") == "viv had no API token."


def test_a_person_revokes_their_own_token_only() -> None:
    organisation = OrganisationFactory()
    me, colleague = member(organisation, Role.ADMINISTRATOR), member(organisation, Role.PMO_EDITOR)
    services.api_token_issue(actor=colleague, user=colleague)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=me, user=colleague)
    assert Token.objects.filter(user=colleague).exists()
    assert services.api_token_revoke(actor=colleague, user=colleague) is True
    assert services.api_token_revoke(actor=colleague, user=colleague) is False


PAGE = "/accounts/api-token/"


def test_the_page_makes_a_token_shown_once_then_only_its_beginning(client: Client) -> None:
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    user = member(organisation, Role.VIEWER)
    client.force_login(user)
    home = client.get("/").content.decode()
    assert f'href="{PAGE}">Your API token</a>' in home  # in the account menu, beside Change password
    page = client.get(PAGE).content.decode()
    assert "You have no API token." in page and "Make a token" in page
    made = client.post(PAGE, {"action": "issue"})
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    key = Token.objects.get(user=user).key
    assert key in made.content.decode() and "shown only this once" in made.content.decode()
    assert schemes_seen(key) == 1  # it acts as the person
    again = client.get(PAGE).content.decode()
    assert key not in again and f"Begins <code>{key[:6]}</code>" in again
    assert f"{Token.objects.get(user=user).created:%-d %B %Y}" in again


def test_replacing_the_token_stops_the_old_one_and_revoking_stops_it_all(client: Client) -> None:
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    user = member(organisation, Role.PMO_EDITOR)
    old = services.api_token_issue(actor=user, user=user).key
    client.force_login(user)
    replaced = client.post(PAGE, {"action": "issue"}).content.decode()
    new = Token.objects.get(user=user).key
    assert new != old and new in replaced and old not in replaced
    assert schemes_seen(old) in (-401, -403) and schemes_seen(new) == 1
    revoked = client.post(PAGE, {"action": "revoke"}, follow=True).content.decode()
    assert "Your API token is revoked" in revoked and "You have no API token." in revoked
    assert schemes_seen(new) in (-401, -403) and not Token.objects.filter(user=user).exists()


def test_signed_out_visitors_are_sent_to_sign_in_and_a_post_needs_its_csrf_token() -> None:
    anonymous = Client()
    for response in (anonymous.get(PAGE), anonymous.post(PAGE, {"action": "issue"})):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert not Token.objects.exists()
    user = member(OrganisationFactory(), Role.VIEWER)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(PAGE, {"action": "issue"}).status_code == 403
    assert not Token.objects.exists()


def test_the_page_reads_in_the_same_queries_with_or_without_a_token(client: Client) -> None:
    user = member(OrganisationFactory(), Role.VIEWER)
    for _ in range(3):
        other = member(OrganisationFactory(), Role.VIEWER)
        services.api_token_issue(actor=other, user=other)
    client.force_login(user)
    client.get(PAGE)  # the first request after signing in also saves the session: not what is counted
    with CaptureQueriesContext(connection) as without:
        assert client.get(PAGE).status_code == 200
    services.api_token_issue(actor=user, user=user)
    with CaptureQueriesContext(connection) as with_one:
        assert "Begins" in client.get(PAGE).content.decode()
    assert len(with_one) == len(without)
