"""factory-boy factories shared by every test layer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models

from governance.models import FinancialYear, Membership, Organisation, Role
from schemes.models import Programme, Scheme

ModelT = TypeVar("ModelT", bound=models.Model)


class ModelFactory(factory.django.DjangoModelFactory[ModelT]):
    """A factory that type checkers see making its model: `SchemeFactory()` is a Scheme.

    factory_boy's own `__new__` (which calls create) is untyped, so mypy would see a SchemeFactory instance.
    """

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        def __new__(cls, *args: Any, **kwargs: Any) -> ModelT: ...  # type: ignore[misc]  # the model, on purpose


class OrganisationFactory(ModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.LazyAttribute(lambda o: f"NHS Test CCG {o.ods_code}")


class FinancialYearFactory(ModelFactory[FinancialYear]):
    class Meta:
        model = FinancialYear
        django_get_or_create = ("start_year",)

    start_year = 2013


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct-horse-battery")


class MembershipFactory(ModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PMO_EDITOR


class ProgrammeFactory(ModelFactory[Programme]):
    class Meta:
        model = Programme
        django_get_or_create = ("organisation", "name")

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Programme {n}")


class SchemeFactory(ModelFactory[Scheme]):
    """A scheme with stored figures left at their defaults: call scheme_recompute to fill them."""

    class Meta:
        model = Scheme

    organisation = factory.SubFactory(OrganisationFactory)
    year = factory.SubFactory(FinancialYearFactory)
    programme = factory.SubFactory(ProgrammeFactory, organisation=factory.SelfAttribute("..organisation"))
    reference = factory.Sequence(lambda n: f"S{n}")
    name = factory.Sequence(lambda n: f"Scheme {n}")
    go_live = date(2013, 7, 1)
    gross_saving = Decimal("602000")


def member(organisation: Organisation, role: str = Role.PMO_EDITOR, **user_fields: object) -> User:
    """A user who belongs to `organisation` with `role`."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


def api_key(user: User) -> str:
    """A new API key for `user` (any they had stops working), for a test's `Authorization: Token <key>` header: the
    portal keeps only its hash, so the key is known only from its issuing."""
    from governance.services import api_token_issue

    key = api_token_issue(actor=user, user=user, replace=True).key
    assert key is not None
    return key
