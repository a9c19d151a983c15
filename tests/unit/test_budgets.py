"""Budget lines and their months: the services that write them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.calculations import forecast_outturn, spend_variance, spread_evenly
from finance.models import BudgetLine, BudgetMonth
from finance.services import EditConflict, budget_line_record, budget_month_record
from governance.models import FinancialYear, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def line() -> BudgetLine:
    organisation = Organisation.objects.create(ods_code="06H", name="Cambridgeshire and Peterborough CCG")
    year = FinancialYear.objects.get_or_create(start_year=2018)[0]
    return budget_line_record(actor=None, organisation=organisation, year=year, name="Acute",
                              section="Programme Expenditure", position=1)


def test_a_month_is_recorded_once_and_an_unchanged_record_writes_nothing(line: BudgetLine) -> None:
    first = budget_month_record(actor=None, line=line, month=1, plan=Decimal("50330.40"))
    again = budget_month_record(actor=None, line=line, month=1, plan=Decimal("50330.40"))
    assert again.version == first.version == 1
    assert BudgetMonth.objects.count() == 1 and first.history.count() == 1


def test_a_stale_month_edit_is_refused(line: BudgetLine) -> None:
    budget_month_record(actor=None, line=line, month=1, plan=Decimal("1"))
    budget_month_record(actor=None, line=line, month=1, plan=Decimal("2"), expected_version=1)
    with pytest.raises(EditConflict):
        budget_month_record(actor=None, line=line, month=1, plan=Decimal("3"), actual=Decimal("1"),
                            expected_version=1)


def test_month_13_is_refused(line: BudgetLine) -> None:
    with pytest.raises(ValidationError):
        budget_month_record(actor=None, line=line, month=13, plan=Decimal("1"))


def test_a_line_edit_bumps_its_version_and_a_stale_one_is_refused(line: BudgetLine) -> None:
    edited = budget_line_record(actor=None, organisation=line.organisation, year=line.year, name="Acute",
                                commentary="Over-performance at CUHFT", expected_version=1)
    assert edited.version == 2
    with pytest.raises(EditConflict):
        budget_line_record(actor=None, organisation=line.organisation, year=line.year, name="Acute",
                           commentary="x", expected_version=1)


def test_a_spread_adds_back_to_the_penny_with_the_remainder_in_the_last_month() -> None:
    months = spread_evenly(Decimal("503304000.00"), 10)
    assert sum(months) == Decimal("503304000.00") and len(months) == 10
    odd = spread_evenly(Decimal("100.00"), 3)
    assert odd == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert spread_evenly(Decimal("-100.00"), 3)[-1] + 2 * Decimal("-33.33") == Decimal("-100.00")
    assert spread_evenly(Decimal("1"), 0) == []


def test_acute_variance_and_outturn_reproduce_the_paper() -> None:
    # Cambridgeshire M10 (GBP thousands): YTD plan 503,304, actual 507,528, variance (4,224); FOT 608,405.
    assert spend_variance(Decimal("503304"), Decimal("507528")) == Decimal("-4224")
    actuals = [*spread_evenly(Decimal("507528"), 10), None, None]
    forecasts = [None] * 10 + spread_evenly(Decimal("608405") - Decimal("507528"), 2)
    assert forecast_outturn(actuals, forecasts) == Decimal("608405")
