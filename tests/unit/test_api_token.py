"""API tokens: `manage.py api_token USERNAME` makes the person a token and prints its key, which then authenticates
the API as them; `--replace` makes a new one (the old stops working), `--revoke` deletes it; accounts that cannot
sign in get none. The "Your API token" page (/accounts/api-token/, in the account menu) does the same for the
signed-in person. The portal stores a key's SHA-256 and first 8 characters only (governance.ApiToken), so a key is
shown once, when it is made; after that only its first characters and date."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token as DrfToken
from rest_framework.test import APIClient

from governance import services
from governance.models import ApiToken, AuditEvent, Role
from governance.models.tokens import api_key_hash
from tests.factories import OrganisationFactory, SchemeFactory, api_key, member

pytestmark = pytest.mark.django_db


def api_token(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip()


def schemes_answer(key: str) -> tuple[int, dict]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/schemes/")
    return response.status_code, response.json()


def schemes_seen(key: str) -> int:
    status, body = schemes_answer(key)
    return len(body["results"]) if status == 200 else -status


def test_the_command_prints_a_token_that_acts_as_the_person() -> None:
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    SchemeFactory()  # another organisation's: not seen
    member(organisation, Role.PMO_EDITOR, username="priya")
    key = api_token("priya")
    assert len(key) == 40 and int(key, 16) >= 0  # 160 random bits in hexadecimal, like DRF's
    assert schemes_seen(key) == 1
    new = api_token("priya", "--replace")
    assert new != key and schemes_seen(new) == 1
    assert schemes_seen(key) in (-401, -403)  # the old key stops working at once
    assert schemes_answer(key)[1]["detail"] == "Invalid token."  # DRF's own words


def test_the_command_cannot_show_an_existing_token_and_says_how_to_replace_it() -> None:
    member(OrganisationFactory(), Role.VIEWER, username="priya")
    key = api_token("priya")
    out = StringIO()
    with pytest.raises(CommandError) as refused:  # exit status 1, so a script never takes the message for a key
        call_command("api_token", "priya", stdout=out)
    message = str(refused.value)
    assert f"already has an API token (beginning {key[:8]}" in message and "cannot show it" in message
    assert "manage.py api_token priya --replace" in message
    assert out.getvalue() == "" and key not in message
    assert schemes_seen(key) == 0  # it still works: nothing was replaced


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
    issued = services.api_token_issue(actor=me, user=me)
    assert issued.token.user == me and issued.key is not None
    again = services.api_token_issue(actor=me, user=me)  # the same token, whose key the portal cannot give back
    assert again.token == issued.token and again.key is None
    with pytest.raises(PermissionDenied):
        services.api_token_issue(actor=me, user=colleague)
    assert not ApiToken.objects.filter(user=colleague).exists()


def test_the_command_revokes_a_token() -> None:
    member(OrganisationFactory(), Role.VIEWER, username="viv")
    key = api_token("viv")
    assert api_token("viv", "--revoke") == "viv's API token is revoked."
    assert schemes_seen(key) in (-401, -403) and not ApiToken.objects.exists()
    assert api_token("viv", "--revoke") == "viv had no API token."


def test_a_person_revokes_their_own_token_only() -> None:
    organisation = OrganisationFactory()
    me, colleague = member(organisation, Role.ADMINISTRATOR), member(organisation, Role.PMO_EDITOR)
    services.api_token_issue(actor=colleague, user=colleague)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=me, user=colleague)
    assert ApiToken.objects.filter(user=colleague).exists()
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
    key = made.context["new_key"]
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == api_key_hash(key) and token.prefix == key[:8]
    assert key in made.content.decode()
    assert "Copy it now: the portal keeps only a fingerprint and cannot show it again" in made.content.decode()
    assert schemes_seen(key) == 1  # it acts as the person
    again = client.get(PAGE).content.decode()
    assert key not in again and f"Begins <code>{key[:8]}</code>" in again
    assert token.key_hash not in again and f"{token.created_at:%-d %B %Y}" in again


def test_replacing_the_token_stops_the_old_one_and_revoking_stops_it_all(client: Client) -> None:
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    user = member(organisation, Role.PMO_EDITOR)
    old = api_key(user)
    client.force_login(user)
    response = client.post(PAGE, {"action": "issue"})
    replaced, new = response.content.decode(), response.context["new_key"]
    assert new != old and new in replaced and old not in replaced
    assert ApiToken.objects.get(user=user).key_hash == api_key_hash(new)
    assert schemes_seen(old) in (-401, -403) and schemes_seen(new) == 1
    revoked = client.post(PAGE, {"action": "revoke"}, follow=True).content.decode()
    assert "Your API token is revoked" in revoked and "You have no API token." in revoked
    assert schemes_seen(new) in (-401, -403) and not ApiToken.objects.filter(user=user).exists()


def test_signed_out_visitors_are_sent_to_sign_in_and_a_post_needs_its_csrf_token() -> None:
    anonymous = Client()
    for response in (anonymous.get(PAGE), anonymous.post(PAGE, {"action": "issue"})):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert not ApiToken.objects.exists()
    user = member(OrganisationFactory(), Role.VIEWER)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(PAGE, {"action": "issue"}).status_code == 403
    assert not ApiToken.objects.exists()


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


def test_the_database_keeps_no_key_and_a_leaked_hash_does_not_authenticate() -> None:
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    user = member(organisation, Role.PMO_EDITOR)
    key = api_key(user)
    row = ApiToken.objects.filter(user=user).values().get()
    assert key not in str(row) and row["key_hash"] == api_key_hash(key) and row["prefix"] == key[:8]
    with connection.cursor() as cursor:  # nothing in any column of the table, read as the database holds it
        cursor.execute("SELECT * FROM governance_apitoken")
        assert key not in str(cursor.fetchall())
    assert not DrfToken.objects.exists()  # DRF's table (still installed) is not written
    assert schemes_seen(key) == 1
    # Someone who read a backup cannot use what they read: refused as any wrong key is.
    assert schemes_answer(row["key_hash"]) == schemes_answer("0" * 40)
    assert schemes_seen(row["key_hash"]) in (-401, -403)
    assert schemes_seen(row["prefix"]) in (-401, -403)


def test_a_drf_token_made_before_the_migration_keeps_working_and_its_plain_key_is_deleted() -> None:
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    holder, other = member(organisation, Role.VIEWER), member(organisation, Role.VIEWER)
    old = DrfToken.objects.create(user=holder)
    also = DrfToken.objects.create(user=other)
    migration = importlib.import_module("governance.migrations.0011_api_tokens_hashed")
    migration.drf_tokens_hashed(apps, None)
    assert not DrfToken.objects.exists()  # the plain keys are gone from the database
    migrated = ApiToken.objects.get(user=holder)
    assert migrated.key_hash == api_key_hash(old.key) and migrated.prefix == old.key[:8]
    assert migrated.created_at == old.created
    assert schemes_seen(old.key) == 1 and schemes_seen(also.key) == 1  # their holders' programs keep working
    services.api_token_revoke(actor=holder, user=holder)
    assert schemes_seen(old.key) in (-401, -403)


def test_the_admin_lists_tokens_without_keys_and_deleting_one_revokes_it_through_the_service(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = member(OrganisationFactory(), Role.VIEWER, username="priya")
    key = api_key(user)
    token = ApiToken.objects.get(user=user)
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    listing = client.get("/admin/governance/apitoken/").content.decode()
    assert "priya" in listing and key[:8] in listing and key not in listing and token.key_hash not in listing
    assert client.get("/admin/governance/apitoken/add/").status_code == 403
    shown = client.get(f"/admin/governance/apitoken/{token.pk}/change/").content.decode()  # a read-only view
    assert key[:8] in shown and token.key_hash not in shown and 'name="prefix"' not in shown
    assert client.post(f"/admin/governance/apitoken/{token.pk}/change/", {"prefix": "x"}).status_code == 403
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404  # DRF's admin of its own table is gone
    revoked: list[object] = []
    real = services.api_token_revoke

    def spy(**kwargs: object) -> bool:
        revoked.append(kwargs["user"])
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("governance.admin.accounts.api_token_revoke", spy)
    assert client.post(f"/admin/governance/apitoken/{token.pk}/delete/", {"post": "yes"}).status_code == 302
    assert revoked == [user] and not ApiToken.objects.exists() and schemes_seen(key) in (-401, -403)
    assert AuditEvent.objects.filter(model="governance.apitoken", actor_username="root").exists()
