"""An administrator resets a member's password (issue 12): a temporary password, typed (the validators apply) or made
up and shown once, that the member must change at their next sign-in; only for people every one of whose
organisations the administrator administers, never a superuser (a takeover across organisations). A password
change or reset by any path revokes the person's API token, as do deactivating them and removing their last
membership."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance import services
from governance.models import ApiToken, Membership, Organisation, PasswordChangeDue, Role
from tests.factories import FinancialYearFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db

OLD = "Old-pass-2013!"
NEW = "Bexley-QIPP-appendix-1"


@pytest.fixture
def bexley() -> Organisation:
    FinancialYearFactory(start_year=2013)
    return OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")


def _person(organisation: Organisation, role: str, username: str) -> User:
    user = member(organisation, role, username=username, first_name=username.title(), last_name="Smith")
    user.set_password(OLD)
    user.save()
    return user


def _signed_in(username: str, password: str = OLD) -> Client:
    client = Client()
    assert client.login(username=username, password=password)
    return client


def test_an_administrator_makes_up_a_password_shown_once_and_the_member_must_change_it(bexley) -> None:
    _person(bexley, Role.ADMINISTRATOR, "ada")
    amy = _person(bexley, Role.PMO_EDITOR, "amy")
    admin = _signed_in("ada")
    people = admin.get("/people/").content.decode()
    assert "Amy Smith" in people and f'href="/people/{amy.pk}/password/"' in people
    response = admin.post(f"/people/{amy.pk}/password/", {"password1": "", "password2": ""})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    temporary = response.context["password"]
    assert len(temporary) == 19 and temporary in response.content.decode()
    assert PasswordChangeDue.objects.get(user=amy).reset_by == User.objects.get(username="ada")
    assert not Client().login(username="amy", password=OLD)  # the old password stops working

    # Amy signs in with it: every page sends her to the password page until she chooses her own.
    client = _signed_in("amy", temporary)
    assert client.get("/schemes/").headers["Location"] == "/accounts/password/"
    assert client.get("/api/v1/schemes/").headers["Location"] == "/accounts/password/"
    page = client.get("/accounts/password/").content.decode()
    assert "An administrator gave you a temporary password" in page
    assert client.post("/accounts/logout/").status_code == 302  # signing out still works
    client = _signed_in("amy", temporary)
    client.post("/accounts/password/", {"old_password": temporary, "new_password1": NEW, "new_password2": NEW})
    assert not PasswordChangeDue.objects.filter(user=amy).exists()
    assert client.get("/schemes/").status_code == 200
    assert _signed_in("amy", NEW).get("/schemes/").status_code == 200  # the next sign-in is not sent there


def test_a_typed_temporary_password_must_pass_the_validators_and_be_typed_twice(bexley) -> None:
    _person(bexley, Role.ADMINISTRATOR, "ada")
    amy = _person(bexley, Role.VIEWER, "amy")
    admin = _signed_in("ada")
    response = admin.post(f"/people/{amy.pk}/password/", {"password1": "password", "password2": "password"})
    assert response.status_code == 400 and "This password is too common" in response.content.decode()
    response = admin.post(f"/people/{amy.pk}/password/", {"password1": "amysmith1", "password2": "amysmith1"})
    assert "too similar" in response.content.decode()
    response = admin.post(f"/people/{amy.pk}/password/", {"password1": NEW, "password2": NEW + "x"})
    assert response.status_code == 400 and "are not the same" in response.content.decode()
    assert not PasswordChangeDue.objects.exists() and Client().login(username="amy", password=OLD)
    response = admin.post(f"/people/{amy.pk}/password/", {"password1": NEW, "password2": NEW})
    assert response.status_code == 200 and response.context["password"] is None  # typed: not shown back
    assert NEW not in response.content.decode()
    assert Client().login(username="amy", password=NEW)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PMO_EDITOR, Role.FINANCE, Role.PANEL_MEMBER])
def test_other_roles_cannot_reset_passwords_or_see_the_people_page(bexley, role) -> None:
    _person(bexley, role, "rob")
    amy = _person(bexley, Role.VIEWER, "amy")
    client = _signed_in("rob")
    assert client.get("/people/").status_code == 403
    assert client.post(f"/people/{amy.pk}/password/", {"password1": "", "password2": ""}).status_code == 403
    assert 'href="/people/"' not in client.get("/schemes/").content.decode()
    assert Client().login(username="amy", password=OLD)
    with pytest.raises(PermissionDenied):
        services.member_password_reset(actor=User.objects.get(username="rob"), member=amy, organisation=bexley)


def test_another_organisations_member_is_not_found_and_nothing_changes(bexley) -> None:
    _person(bexley, Role.ADMINISTRATOR, "ada")
    shropshire = OrganisationFactory(ods_code="05N", name="NHS Shropshire CCG")
    sam = _person(shropshire, Role.VIEWER, "sam")
    admin = _signed_in("ada")
    assert admin.get(f"/people/{sam.pk}/password/").status_code == 404
    assert admin.post(f"/people/{sam.pk}/password/", {"password1": "", "password2": ""}).status_code == 404
    assert "Sam" not in admin.get("/people/").content.decode()
    assert Client().login(username="sam", password=OLD)
    with pytest.raises(ValidationError, match="not a member of NHS Bexley CCG"):
        services.member_password_reset(actor=User.objects.get(username="ada"), member=sam, organisation=bexley)


def test_a_member_of_another_organisation_too_or_a_superuser_is_refused_in_words(bexley) -> None:
    """A new password is the whole account: the administrator would sign in as them in the other organisation."""
    ada = _person(bexley, Role.ADMINISTRATOR, "ada")
    both = _person(bexley, Role.FINANCE, "bob")
    Membership.objects.create(user=both, organisation=OrganisationFactory(ods_code="05N"), role=Role.VIEWER)
    root = _person(bexley, Role.VIEWER, "root")
    root.is_superuser = True
    root.save()
    admin = _signed_in("ada")
    people = admin.get("/people/").content.decode()
    assert "also belongs to an organisation you do not administer" in people and "is a superuser" in people
    assert f"/people/{both.pk}/password/" not in people and f"/people/{root.pk}/password/" not in people
    for person, words in ((both, "also belongs to an organisation you do not administer"),
                          (root, "is a superuser"), (ada, "This is your own account")):
        response = admin.post(f"/people/{person.pk}/password/", {"password1": "", "password2": ""})
        assert response.status_code == 400 and words in response.content.decode()
        assert Client().login(username=person.username, password=OLD)
    assert not PasswordChangeDue.objects.exists()
    # An administrator of both organisations may.
    Membership.objects.create(user=ada, organisation=Organisation.objects.get(ods_code="05N"),
                              role=Role.ADMINISTRATOR)
    assert services.member_password_reset(actor=ada, member=both, organisation=bexley, password=NEW) == NEW


def test_a_reset_lifts_the_members_sign_in_pause(bexley, settings) -> None:
    ada = _person(bexley, Role.ADMINISTRATOR, "ada")
    amy = _person(bexley, Role.VIEWER, "amy")
    AccessAttempt.objects.create(username="amy", ip_address="127.0.0.1", failures_since_start=5,
                                 get_data="", post_data="", http_accept="", path_info="/accounts/login/")
    services.member_password_reset(actor=ada, member=amy, organisation=bexley)
    assert not AccessAttempt.objects.filter(username="amy").exists()


def test_the_people_page_counts_the_same_queries_however_many_members(bexley) -> None:
    _person(bexley, Role.ADMINISTRATOR, "ada")
    admin = _signed_in("ada")
    admin.get("/people/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get("/people/").status_code == 200
        return len(queries)

    few = count()
    for number in range(6):
        _person(bexley, Role.VIEWER, f"member{number}")
    assert count() == few


def test_a_made_up_password_passes_the_validators_and_differs_each_time() -> None:
    from django.contrib.auth.password_validation import validate_password

    made = {services.temporary_password() for _ in range(20)}
    assert len(made) == 20
    for password in made:
        validate_password(password)


# --- An API token ends with what it stands for ------------------------------------------------------------
# A password changed on the password page, reset by an administrator, changed in Django's admin or by
# `manage.py changepassword`, a deactivated account and a person's last membership removed all revoke it, and the
# pages say so. A sign-in (which saves last_login) keeps it, at no query.


def with_token(user: User) -> str:
    key = services.api_token_issue(actor=user, user=user).key
    assert key is not None and api_status(key) == 200
    return key


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/schemes/").status_code


def test_changing_your_own_password_revokes_your_token_and_the_page_says_so(bexley) -> None:
    amy = _person(bexley, Role.PMO_EDITOR, "amy")
    key = with_token(amy)
    client = _signed_in("amy")
    assert "A token is revoked when your password is changed or reset" in client.get(
        "/accounts/api-token/").content.decode()
    done = client.post("/accounts/password/", {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
                       follow=True)
    assert "If you had an API token it is revoked" in done.content.decode()
    assert api_status(key) in (401, 403) and not ApiToken.objects.filter(user=amy).exists()


def test_an_administrators_reset_revokes_the_members_token_and_the_page_says_so(bexley) -> None:
    _person(bexley, Role.ADMINISTRATOR, "ada")
    amy = _person(bexley, Role.PMO_EDITOR, "amy")
    key = with_token(amy)
    response = _signed_in("ada").post(f"/people/{amy.pk}/password/", {"password1": "", "password2": ""})
    assert response.status_code == 200
    assert "If they had an API token it is revoked" in response.content.decode()
    assert api_status(key) in (401, 403)


def test_a_password_changed_in_djangos_admin_or_by_the_command_revokes_the_token(bexley, monkeypatch) -> None:
    amy = _person(bexley, Role.PMO_EDITOR, "amy")
    with_token(amy)
    root = User.objects.create_superuser("root", "root@example.org", OLD)
    response = _signed_in("root").post(f"/admin/auth/user/{amy.pk}/password/",
                                      {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()
    assert not ApiToken.objects.filter(user=amy).exists()

    key = with_token(root)
    monkeypatch.setattr("django.contrib.auth.management.commands.changepassword.getpass.getpass",
                        lambda prompt="": NEW)
    call_command("changepassword", "root", stdout=None)
    assert api_status(key) in (401, 403)


def test_deactivating_an_account_revokes_its_token(bexley) -> None:
    amy = _person(bexley, Role.PMO_EDITOR, "amy")
    key = with_token(amy)
    amy.first_name = "Amy"
    amy.save()  # another change keeps it
    assert api_status(key) == 200
    amy.is_active = False
    amy.save(update_fields=["is_active"])
    assert not ApiToken.objects.filter(user=amy).exists()


def test_removing_the_last_membership_revokes_the_token_but_not_an_earlier_one(bexley) -> None:
    admin = _person(bexley, Role.ADMINISTRATOR, "ada")
    other = OrganisationFactory(ods_code="07L")
    amy = _person(bexley, Role.PMO_EDITOR, "amy")
    services.membership_set(actor=None, user=amy, organisation=other, role=Role.VIEWER)
    key = with_token(amy)
    services.membership_remove(actor=admin, membership=Membership.objects.get(user=amy, organisation=bexley))
    assert api_status(key) == 200  # still a viewer of 07L
    services.membership_remove(actor=None, membership=Membership.objects.get(user=amy, organisation=other))
    assert not ApiToken.objects.filter(user=amy).exists()


def test_a_sign_in_keeps_the_token_and_costs_no_query_for_it(bexley) -> None:
    amy = _person(bexley, Role.PMO_EDITOR, "amy")
    key = with_token(amy)
    _signed_in("amy")
    assert api_status(key) == 200
    with CaptureQueriesContext(connection) as queries:
        amy.save(update_fields=["last_login"])
    assert len(queries) == 1  # the update itself
