"""The admin site is scoped to the staff user's organisations, like every other view."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from governance.models import Role
from tests.factories import OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    mine = OrganisationFactory(ods_code="MIN")
    user = member(mine, Role.ADMINISTRATOR, username="orgadmin")
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["schemes", "governance"]))
    client.force_login(user)
    return client, mine


def test_admin_lists_only_own_organisation_schemes(staff_client):
    client, mine = staff_client
    SchemeFactory(organisation=mine, name="Our scheme")
    other = SchemeFactory(organisation=OrganisationFactory(ods_code="OTH"), name="Their scheme")
    response = client.get("/admin/schemes/scheme/")
    assert response.status_code == 200
    assert b"Our scheme" in response.content
    assert b"Their scheme" not in response.content
    assert client.get(f"/admin/schemes/scheme/{other.pk}/change/").status_code in (302, 404)


def test_admin_organisation_choices_are_scoped(staff_client):
    client, mine = staff_client
    OrganisationFactory(ods_code="OTH", name="Other CCG")
    response = client.get("/admin/schemes/programme/add/")
    assert response.status_code == 200
    assert b"Other CCG" not in response.content
    assert mine.name.encode() in response.content


def test_every_model_has_a_working_admin_list(client, django_user_model):
    from django.contrib import admin

    superuser = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(superuser)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
