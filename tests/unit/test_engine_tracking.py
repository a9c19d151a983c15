"""Monthly tracking arithmetic: variance, YTD, FOT, month labels, slippage (pure, no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from governance.formatting import month_end, month_label
from schemes import engine


def plan_rows(plan: str = "100", first: int = 1) -> list[tuple[int, D, D | None, D | None]]:
    return [(m, D(plan) if m >= first else D("0"), None, None) for m in range(1, 13)]


def with_values(rows, **changes):
    """changes like a4="120" (actual M4) or f5="90" (forecast M5)."""
    out = []
    for month, plan, actual, forecast in rows:
        actual = D(changes[f"a{month}"]) if f"a{month}" in changes else actual
        forecast = D(changes[f"f{month}"]) if f"f{month}" in changes else forecast
        out.append((month, plan, actual, forecast))
    return out


def test_month_labels_follow_the_financial_year() -> None:
    assert month_label(2013, 1) == "M1 Apr-13"
    assert month_label(2013, 9) == "M9 Dec-13"
    assert month_label(2013, 10) == "M10 Jan-14"
    assert month_label(2013, 12) == "M12 Mar-14"
    with pytest.raises(ValueError):
        month_label(2013, 13)


def test_month_end() -> None:
    assert month_end(2013, 1) == date(2013, 4, 30)
    assert month_end(2013, 11) == date(2014, 2, 28)
    assert month_end(2015, 11) == date(2016, 2, 29)
    assert month_end(2013, 12) == date(2014, 3, 31)


def test_variance_is_actual_minus_plan_favourable_when_positive() -> None:
    tracker = engine.track(with_values(plan_rows(), a1="120", a2="70"))
    assert tracker.months[0].variance == D("20")
    assert tracker.months[1].variance == D("-30")
    assert tracker.months[2].variance is None  # no actual entered: no variance


def test_ytd_with_nothing_entered() -> None:
    tracker = engine.track(plan_rows())
    assert (tracker.ytd.through, tracker.ytd.basis) == (0, engine.YTD_NONE)
    assert tracker.ytd.plan == tracker.ytd.actual == tracker.ytd.variance == D("0")


def test_ytd_runs_to_latest_month_with_an_actual_while_none_is_closed() -> None:
    tracker = engine.track(with_values(plan_rows(), a1="90", a3="110"))
    assert (tracker.ytd.through, tracker.ytd.basis) == (3, engine.YTD_ACTUALS)
    assert tracker.ytd.plan == D("300")
    assert tracker.ytd.actual == D("200")  # M2 has no actual: counts as nothing saved yet
    assert tracker.ytd.variance == D("-100")


def test_ytd_runs_to_latest_closed_month_once_one_is() -> None:
    rows = with_values(plan_rows(), a1="90", a2="100", a3="110", a4="500")
    tracker = engine.track(rows, closed_months=[1, 2])
    assert (tracker.ytd.through, tracker.ytd.basis) == (2, engine.YTD_CLOSED)
    assert (tracker.ytd.plan, tracker.ytd.actual, tracker.ytd.variance) == (D("200"), D("190"), D("-10"))


def test_fot_uses_actuals_then_forecasts_then_plan() -> None:
    rows = with_values(plan_rows(), a1="90", a2="110", f3="50", f4="150")
    tracker = engine.track(rows)
    fot = tracker.fot
    assert fot.plan == D("1200")
    assert fot.from_actuals == D("200")
    assert fot.from_forecasts == D("200")
    assert fot.from_plan == D("800")  # M5..M12 have neither: on plan
    assert fot.outturn == D("1200")
    assert fot.variance == D("0")
    assert [m.outturn_source for m in tracker.months[:5]] == ["actual", "actual", "forecast", "forecast", "plan"]


def test_fot_actual_beats_forecast_and_closed_month_without_actual_counts_nothing() -> None:
    rows = with_values(plan_rows(), a1="80", f1="999", f2="95")
    tracker = engine.track(rows, closed_months=[1, 2])
    assert tracker.months[0].outturn == D("80")
    assert tracker.months[1].outturn == D("0")  # closed with no actual: nothing was saved
    assert tracker.months[1].outturn_source == engine.OUTTURN_ACTUAL
    assert tracker.fot.outturn == D("80") + D("0") + D("1000")
    assert tracker.fot.variance == D("-120")


def test_linear_phasing_example_from_go_live_july() -> None:
    # Bexley 15b: FYE 602,000 from Jul-13 -> nine months; 451,500 in year.
    figures = engine.compute(engine.SchemeInputs(year_start=2013, go_live=date(2013, 7, 1),
                                                 gross_saving=D("602000")))
    rows = [(m, plan, None, None) for m, plan in enumerate(figures.monthly_plan, start=1)]
    tracker = engine.track(with_values(rows, a4="60000"))
    assert tracker.fot.plan == D("451500.00")
    assert tracker.ytd.through == 4
    assert tracker.ytd.plan == D("50166.67")
    assert tracker.ytd.variance == D("9833.33")
    assert tracker.fot.outturn == D("451500.00") + D("9833.33")


def test_totals_add_schemes_and_keep_the_ytd_rule() -> None:
    one = engine.track(with_values(plan_rows(), a1="90", a2="100"))
    two = engine.track(with_values(plan_rows("50"), a1="60", f2="40"))
    total = engine.tracker_totals([one, two])
    assert total.months[0].plan == D("150")
    assert total.months[0].actual == D("150")
    assert total.months[1].actual == D("100")  # only the actual entered
    assert total.months[1].forecast == D("40")
    assert total.months[2].actual is None
    assert total.months[1].outturn == D("140")
    assert total.months[1].outturn_source == engine.OUTTURN_MIXED
    assert (total.ytd.through, total.ytd.plan, total.ytd.actual) == (2, D("300"), D("250"))
    assert total.fot.outturn == one.fot.outturn + two.fot.outturn
    assert total.fot.variance == total.fot.outturn - total.fot.plan


def test_totals_of_no_schemes() -> None:
    total = engine.tracker_totals([])
    assert total.fot.outturn == D("0")
    assert total.ytd.basis == engine.YTD_NONE


def test_slippage_days() -> None:
    assert engine.slippage_days(date(2013, 4, 1), date(2013, 4, 11)) == 10
    assert engine.slippage_days(date(2013, 4, 1), date(2013, 3, 1)) == 0  # early is not slippage
    assert engine.slippage_days(date(2013, 4, 1), date(2013, 6, 1), completed=date(2013, 4, 3)) == 2
    assert engine.slippage_days(None, date(2013, 4, 1)) == 0


def test_add_months_clips_to_month_end() -> None:
    assert engine.add_months(date(2013, 4, 15), 19) == date(2014, 11, 15)
    assert engine.add_months(date(2014, 1, 31), 1) == date(2014, 2, 28)
    assert engine.add_months(date(2013, 12, 1), 1) == date(2014, 1, 1)


def test_timeline_months_and_markers() -> None:
    months, cut = engine.timeline_months([date(2013, 4, 20), None, date(2013, 7, 2)])
    assert months == [date(2013, 4, 1), date(2013, 5, 1), date(2013, 6, 1), date(2013, 7, 1)]
    assert cut is False
    marks = [engine.timeline_marker(m, date(2013, 4, 20), date(2013, 7, 2), None) for m in months]
    assert marks == ["baseline", "slip", "slip", "current"]
    assert engine.timeline_marker(date(2013, 4, 1), date(2013, 4, 2), date(2013, 4, 30), None) == "both"
    assert engine.timeline_marker(date(2013, 5, 1), date(2013, 4, 2), None, date(2013, 5, 3)) == "completed"
    _, cut = engine.timeline_months([date(2013, 4, 1), date(2020, 4, 1)], max_months=12)
    assert cut is True
