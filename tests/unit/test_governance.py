"""Governance rules tested at the service: closing and reopening months; money and months as the papers write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.formatting import (
    format_financial_month,
    format_money,
    format_money_k,
    format_month,
    format_person,
    month_end,
    month_label,
)
from governance.models import FinancialYear, MonthStatus, Organisation, Role
from governance.services import month_close, month_reopen
from tests.factories import FinancialYearFactory, OrganisationFactory, UserFactory, member

D = Decimal


@pytest.fixture
def finance(db):
    organisation = OrganisationFactory(ods_code="07N")
    return member(organisation, Role.FINANCE, username="finance"), organisation, FinancialYearFactory(start_year=2013)


def closed_months(organisation: Organisation, year: FinancialYear) -> list[int]:
    return list(MonthStatus.objects.filter(organisation=organisation, year=year, is_closed=True)
                .order_by("month").values_list("month", flat=True))


@pytest.mark.parametrize("month", [0, 13, "1"])
def test_a_month_outside_m1_to_m12_cannot_be_closed(finance, month):
    user, organisation, year = finance
    with pytest.raises(ValidationError, match=f"A month is M1 \\(April\\) to M12 \\(March\\), not {month}."):
        month_close(actor=user, organisation=organisation, year=year, month=month)
    assert not MonthStatus.objects.exists()


def test_months_close_in_order_once_each_and_only_after_they_end(finance):
    user, organisation, year = finance
    with pytest.raises(ValidationError, match="Close the earlier months first: M1 Apr-13, M2 May-13 are still open."):
        month_close(actor=user, organisation=organisation, year=year, month=3)
    closed = month_close(actor=user, organisation=organisation, year=year, month=1)
    assert (closed.is_closed, closed.changed_by, closed.reason) == (True, user, "")
    with pytest.raises(ValidationError, match="M1 Apr-13 is already closed."):
        month_close(actor=user, organisation=organisation, year=year, month=1)
    with pytest.raises(ValidationError, match="Close the earlier months first: M2 May-13 is still open."):
        month_close(actor=user, organisation=organisation, year=year, month=3)
    this_year = FinancialYearFactory(start_year=timezone.localdate().year + 1)  # no month of it has ended yet
    with pytest.raises(ValidationError, match="has not ended yet: a month can be closed once its last day has passed"):
        month_close(actor=user, organisation=organisation, year=this_year, month=1)
    assert closed_months(organisation, year) == [1] and closed_months(organisation, this_year) == []


def test_reopening_needs_a_closed_month_and_a_reason_which_history_keeps(finance):
    user, organisation, year = finance
    with pytest.raises(ValidationError, match="M1 Apr-13 is not closed."):
        month_reopen(actor=user, organisation=organisation, year=year, month=1, reason="Invoice corrected")
    month_close(actor=user, organisation=organisation, year=year, month=1)
    with pytest.raises(ValidationError) as blank:
        month_reopen(actor=user, organisation=organisation, year=year, month=1, reason="   ")
    assert blank.value.message_dict["reason"] == [
        "Give the reason for reopening M1 Apr-13: it is kept in the month's history."]
    assert closed_months(organisation, year) == [1]
    reopened = month_reopen(actor=user, organisation=organisation, year=year, month=1, reason=" Invoice corrected ")
    assert (reopened.is_closed, reopened.reason) == (False, "Invoice corrected")
    history = reopened.history.order_by("history_date")
    assert [(h.is_closed, h.history_change_reason, h.history_user, h.reason) for h in history] == [
        (True, "closed", user, ""), (False, "reopened", user, "Invoice corrected")]


def test_a_pmo_editor_can_neither_close_nor_reopen_a_month(finance):
    _, organisation, year = finance
    editor = member(organisation, Role.PMO_EDITOR, username="pmo")
    with pytest.raises(PermissionDenied, match="does not allow you to close and reopen months"):
        month_close(actor=editor, organisation=organisation, year=year, month=1)
    with pytest.raises(PermissionDenied, match="does not allow you to close and reopen months"):
        month_reopen(actor=editor, organisation=organisation, year=year, month=1, reason="Because")
    assert not MonthStatus.objects.filter(is_closed=True).exists()


# --- How figures and months are written (DOMAIN.md: £ and £'000, adverse in brackets, Jul-13) ------------


@pytest.mark.parametrize(("value", "pounds", "thousands"), [
    (D("451500.00"), "£451,500", "452"),
    (D("-1115"), "(£1,115)", "(1)"),
    (D("-1115000"), "(£1,115,000)", "(1,115)"),
    (D("0.50"), "£1", "0"),  # half a pound rounds up, as the papers round
    (D("-0.49"), "£0", "0"),  # what rounds to nothing is not adverse
    (D("499.50"), "£500", "0"),
    (D("500"), "£500", "1"),
    (1164417, "£1,164,417", "1,164"),
    ("602000", "£602,000", "602"),
    (None, "–", "–"),
    ("", "–", "–"),
    ("n/a", "–", "–"),  # never a stack trace on a page
])
def test_money_is_whole_pounds_or_thousands_half_up_with_adverse_in_brackets(value, pounds, thousands):
    assert (format_money(value), format_money_k(value)) == (pounds, thousands)


def test_months_are_written_as_the_papers_write_them():
    assert [month_label(2013, m) for m in (1, 9, 10, 12)] == ["M1 Apr-13", "M9 Dec-13", "M10 Jan-14", "M12 Mar-14"]
    assert [month_end(2013, m) for m in (1, 9, 11, 12)] == [date(2013, 4, 30), date(2013, 12, 31), date(2014, 2, 28),
                                                           date(2014, 3, 31)]
    assert month_end(2015, 11) == date(2016, 2, 29)  # a leap year's February
    with pytest.raises(ValueError, match="not 13"):
        month_label(2013, 13)
    assert (format_month(date(2013, 7, 1)), format_month(None)) == ("Jul-13", "–")
    assert format_financial_month(3, 2013) == "M3 (June 2013)"
    assert format_financial_month(10, 2013) == "M10 (January 2014)"
    assert format_financial_month(12) == "M12 (March)"
    assert format_financial_month(None, 2013) == "–"


@pytest.mark.django_db
def test_a_person_is_named_by_full_name_else_username_else_the_system():
    assert format_person(UserFactory(username="pp", first_name="Peter", last_name="Panel"), "x") == "Peter Panel"
    assert format_person(UserFactory(username="nameless", first_name="", last_name=""), "x") == "nameless"
    assert format_person(None, "the system (import or task)") == "the system (import or task)"


def test_month_history_is_read_through_the_one_scoping_mechanism(finance):
    from governance.selectors import month_history

    user, organisation, year = finance
    month_close(actor=user, organisation=organisation, year=year, month=1)
    assert [h.month for h in month_history(user, organisation, year)] == [1]
    stranger = member(OrganisationFactory(), Role.FINANCE)
    assert list(month_history(stranger, organisation, year)) == []
