"""The savings bridge of an organisation's year, as at a month: from the QIPP target to the forecast outturn.

One reader for every place that shows it (the governing-body dashboard, the portfolio, the board pack's Summary),
so they never disagree. Everything comes from stored figures: the schemes' recomputed totals, their stored months
and the financial plan; nothing is recalculated from scheme inputs here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Max

from finance.selectors.plan import savings_gap
from schemes.selectors import MonthTotals, latest_closed_month, monthly_totals, scheme_register, totals_of

if TYPE_CHECKING:
    from governance.models import FinancialYear, Organisation
    from governance.permissions import Viewer

ZERO = Decimal("0")


@dataclass(frozen=True)
class SavingsBridge:
    """The bridge's steps (pounds). `target` and `unidentified` are None where the year has no financial plan."""

    month: int | None  # the data month: the month asked for, else the latest closed month, else the latest actual
    month_closed: bool  # the data month is closed (its actuals are final)
    target: Decimal | None  # the QIPP commitment (savings requirement) of the financial plan
    identified_plan: Decimal  # in-year plan of the schemes identified
    most_likely: Decimal  # the plan adjusted by each scheme's overall RAG rating
    director_value: Decimal  # most likely moved by the directors' change in delivery
    ytd_actual: Decimal  # actuals M1 to the data month
    forecast_outturn: Decimal  # actuals to the data month, then each month's forecast (its plan where none)
    unidentified: Decimal | None  # the QIPP commitment not yet found in schemes (target less gross identified)
    schemes: int
    figures_computed_at: datetime | None  # when the schemes' figures were last recomputed


def data_month(closed: int | None, totals: Sequence[MonthTotals]) -> int | None:
    """The month a dashboard's figures are for: the latest closed month, else the latest month with an actual."""
    if closed:
        return closed
    entered = [t.month for t in totals if t.actual is not None]
    return max(entered) if entered else None


def year_to_date_and_outturn(totals: Sequence[MonthTotals], month: int | None) -> tuple[Decimal, Decimal]:
    """(YTD actual to `month`, forecast outturn: those actuals, then the forecast or plan of the later months)."""
    through = month or 0
    ytd = sum((t.actual or ZERO for t in totals if t.month <= through), ZERO)
    return ytd, ytd + sum((t.forecast_or_plan for t in totals if t.month > through), ZERO)


def savings_bridge(
    user: Viewer, organisation: Organisation, year: FinancialYear, month: int | None = None,
) -> SavingsBridge:
    """The bridge for `organisation`'s `year` as at `month` (default: the data month). A fixed number of queries."""
    closed = latest_closed_month(user, organisation, year)
    months = monthly_totals(user, organisation, year)
    chosen = month if month is not None else data_month(closed, months)
    ytd, outturn = year_to_date_and_outturn(months, chosen)
    schemes = scheme_register(user, organisation, year)
    totals = totals_of(schemes)
    gap = savings_gap(user, organisation, year)
    return SavingsBridge(
        month=chosen, month_closed=chosen is not None and closed is not None and chosen <= closed,
        target=gap.qipp_commitment if gap else None, identified_plan=totals.plan_in_year,
        most_likely=totals.most_likely, director_value=totals.director_value, ytd_actual=ytd,
        forecast_outturn=outturn, unidentified=gap.unidentified if gap else None, schemes=totals.schemes,
        figures_computed_at=schemes.aggregate(at=Max("figures_computed_at"))["at"],
    )
