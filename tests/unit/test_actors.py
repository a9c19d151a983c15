"""Every write names who made it: a person, or the portal acting as a named system actor."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.test import Client

from finance.services import financial_plan_set
from governance.models import Role
from governance.permissions import is_system_actor
from governance.services import system_actor
from risks.models import Risk
from risks.services import risk_record
from schemes import services
from schemes.models import Programme
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(ods_code="ACT", name="NHS Actor CCG")


def test_the_system_actor_is_named_and_can_never_sign_in():
    actor = system_actor("workbook import")
    assert actor.username == "system-workbook-import"
    assert actor.get_full_name() == "workbook import (system)"
    assert not actor.is_active and not actor.has_usable_password()
    assert system_actor("workbook import").pk == actor.pk  # one account per name
    assert authenticate(username=actor.username, password="") is None
    assert is_system_actor(actor)
    client = Client()
    client.force_login(actor)  # even a forged session gets nothing: the account is inactive
    assert client.get("/schemes/").status_code == 302


def test_a_person_named_like_the_system_is_not_the_system():
    person = UserFactory(username="system-impostor")
    assert not is_system_actor(person)
    person.is_active = False
    person.save()
    assert not is_system_actor(person)  # still has a usable password


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PANEL_MEMBER])
def test_services_that_used_to_write_without_a_user_now_check_the_role(organisation, role):
    user = member(organisation, role)
    year = FinancialYearFactory(start_year=2013)
    programme = ProgrammeFactory(organisation=organisation)
    with pytest.raises(PermissionDenied):
        services.programme_get_or_create(actor=user, organisation=organisation, name="New programme")
    with pytest.raises(PermissionDenied):
        services.programme_target_set(actor=user, programme=programme, year=year, planned_saving=Decimal("1"))
    with pytest.raises(PermissionDenied):
        financial_plan_set(actor=user, organisation=organisation, year=year, allocation=Decimal("1"),
                           planned_expenditure=Decimal("2"))
    if role == Role.VIEWER:
        with pytest.raises(PermissionDenied):
            risk_record(actor=user, organisation=organisation, reference="R1", title="A risk")
    assert not Programme.objects.filter(name="New programme").exists()


def test_history_records_the_person_or_the_named_system_actor(organisation):
    editor = member(organisation, Role.PMO_EDITOR)
    programme = services.programme_get_or_create(actor=editor, organisation=organisation, name="Planned care")
    assert programme.history.latest().history_user == editor
    loader = system_actor("demo loader")
    risk = risk_record(actor=loader, organisation=organisation, reference="R1", title="Activity above plan")
    assert Risk.objects.get(pk=risk.pk).history.latest().history_user == loader


def test_the_demo_is_loaded_by_the_demo_loader_not_by_a_person():
    from demo.loader import load_demo

    load_demo()
    loader = system_actor("demo loader")
    programme = Programme.objects.get(organisation__ods_code="5P5", name="Planned Care")
    assert {h.history_user for h in programme.history.all()} == {loader}
