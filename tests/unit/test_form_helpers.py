"""The one way a service's refusal reaches a form, and the one money parser (forms, tracker and importer)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from governance.forms import add_service_errors
from governance.money import INPUT_LIMIT, parse_pounds

D = Decimal


class NameForm(forms.Form):
    name = forms.CharField()


def refused(error: ValidationError) -> NameForm:
    form = NameForm({"name": "Thing"})
    assert form.is_valid()
    add_service_errors(form, error)
    return form


def test_a_message_about_a_field_of_the_form_goes_on_that_field():
    form = refused(ValidationError({"name": ["Scheme name is taken."]}))
    assert form.errors == {"name": ["Scheme name is taken."]}


def test_a_message_about_a_field_the_form_does_not_show_goes_above_it_and_names_the_field():
    form = refused(ValidationError({"monthly_profile": ["The months must add up to the plan."]}))
    assert form.non_field_errors() == ["monthly profile: The months must add up to the plan."]


def test_a_message_about_the_whole_record_or_with_no_field_goes_above_the_form_as_it_is():
    assert refused(ValidationError({NON_FIELD_ERRORS: ["Not allowed."]})).non_field_errors() == ["Not allowed."]
    assert refused(ValidationError("Nothing has been saved.")).non_field_errors() == ["Nothing has been saved."]


@pytest.mark.parametrize(("typed", "kept"), [
    ("37,625.505", D("37625.51")),  # half a penny rounds up
    (52500.004999, D("52500.00")),
    ("(1,115.125)", D("-1115.13")),  # half-up is away from zero
    ("-", None),
])
def test_a_workbook_cell_is_kept_to_the_penny_half_up(typed, kept):
    assert parse_pounds(typed, to_penny=True) == kept


def test_typed_amounts_are_not_rounded_and_an_unstorable_cell_is_left_for_money_problem_to_name():
    assert parse_pounds("37,625.505") == D("37625.505")  # a form refuses it: at most 2 decimal places
    huge = INPUT_LIMIT * 1000 + D("0.001")
    assert parse_pounds(str(huge), to_penny=True) == huge
