"""Login throttling (issue 12): the fifth wrong password for a username from one address pause signing in with
it for 15 minutes, in words, the same whether or not the account exists; other addresses are unaffected."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.models import Role
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db
PASSWORD = "Right-password-2013!"


@pytest.fixture(autouse=True)
def throttling(settings):
    settings.AXES_ENABLED = True


@pytest.fixture
def amy():
    user = member(OrganisationFactory(), Role.FINANCE, username="amy")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_then_even_the_right_one_is_refused_in_words(amy) -> None:
    client = Client()
    for _ in range(4):
        assert "Enter a correct username and password" in sign_in(client, "amy", "guess").content.decode()
    assert sign_in(client, "amy", "guess").status_code == 429  # the fifth wrong one pauses it
    locked = sign_in(client, "amy", PASSWORD)
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    assert not client.get("/schemes/").wsgi_request.user.is_authenticated
    # Another address is not paused (a colleague on another network signs in as usual).
    assert sign_in(Client(), "amy", PASSWORD, address="10.0.0.2").status_code == 302


def test_an_unknown_username_is_paused_with_the_same_words(amy) -> None:
    client = Client()
    for _ in range(6):
        unknown = sign_in(client, "nobody", "guess")
    for _ in range(6):
        known = sign_in(client, "amy", "guess")
    assert unknown.status_code == known.status_code == 429
    assert unknown.content == known.content


def test_the_right_password_before_the_limit_resets_the_count(amy) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "amy", "guess")
    assert sign_in(client, "amy", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        sign_in(client, "amy", "guess")
    assert sign_in(client, "amy", PASSWORD).status_code == 302
