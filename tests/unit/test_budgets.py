"""Budget lines and their months: the services that write them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.calculations import (
    BudgetMonthFigures,
    budget_row,
    budget_rows_total,
    forecast_outturn,
    spend_variance,
    spread_evenly,
    variance_percent,
)
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


def _acute_months() -> list[BudgetMonthFigures]:
    """Cambridgeshire's Acute Services line (seed 004, M10), spread as the demo loads it, in pounds."""
    k = Decimal(1000)
    plans = spread_evenly(503_304 * k, 10) + spread_evenly((603_946 - 503_304) * k, 2)
    actuals = spread_evenly(507_528 * k, 10)
    forecasts = spread_evenly((608_405 - 507_528) * k, 2)
    return [BudgetMonthFigures(plan=plan, actual=actual) for plan, actual in zip(plans[:10], actuals, strict=True)] + [
        BudgetMonthFigures(plan=plan, forecast=forecast) for plan, forecast in zip(plans[10:], forecasts, strict=True)
    ]


def test_the_m10_budget_row_of_acute_services_is_the_papers() -> None:
    row = budget_row(_acute_months(), 10)
    k = Decimal(1000)
    assert (row.ytd_plan, row.ytd_actual, row.ytd_variance) == (503_304 * k, 507_528 * k, -4_224 * k)
    assert row.ytd_variance_pct == Decimal("-0.8")  # overspend: adverse, shown (0.8)
    assert (row.forecast_plan, row.forecast_actual, row.forecast_variance) == (603_946 * k, 608_405 * k, -4_459 * k)
    assert row.forecast_variance_pct == Decimal("-0.7")


def test_spend_under_plan_is_favourable_and_an_unforecast_month_counts_its_plan() -> None:
    months = [BudgetMonthFigures(plan=Decimal(100), actual=Decimal(90))] + [
        BudgetMonthFigures(plan=Decimal(100))
    ] * 11
    row = budget_row(months, 1)
    assert row.ytd_variance == Decimal(10) and row.ytd_variance_pct == Decimal("10.0")
    assert row.forecast_actual == Decimal(1190) and row.forecast_variance == Decimal(10)
    with pytest.raises(ValueError):
        budget_row(months, 13)


def test_a_total_row_sums_the_lines_and_recomputes_its_percent() -> None:
    a = budget_row([BudgetMonthFigures(plan=Decimal(300), actual=Decimal(200))] * 12, 12)
    b = budget_row([BudgetMonthFigures(plan=Decimal(100), actual=Decimal(150))] * 12, 12)
    total = budget_rows_total([a, b])
    assert total.ytd_plan == Decimal(4800) and total.ytd_variance == Decimal(600)
    assert total.ytd_variance_pct == Decimal("12.5")  # 600 / 4800, not the mean of 33.3 and (50.0)
    assert variance_percent(Decimal(5), Decimal(0)) is None
