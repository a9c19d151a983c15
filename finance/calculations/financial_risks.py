"""Financial risks and mitigations: a row's residual and assessed %, a register's totals, the shortfall,
and where the computed figures differ from the published ones.

Amounts are positive pounds for both kinds (a risk's value is what it may cost, a mitigation's what it
may save); the pages show risks in brackets as the papers do. The residual is the assessed value not yet
in the forecast; the shortfall is what mitigations fall short of risks (negative when they fall short).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from finance.calculations.common import HUNDRED, ZERO


def residual(assessed_value: Decimal, in_forecast: Decimal) -> Decimal:
    """Residual = assessed - in forecast (what could still hit the position)."""
    return assessed_value - in_forecast


def assessed_percent(total_value: Decimal, assessed_value: Decimal) -> Decimal | None:
    """The % shown: assessed / total as a whole percentage (half-up); None when the total is nil."""
    if total_value == ZERO:
        return None
    return (assessed_value * HUNDRED / total_value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    """One row's (or one total's) four figures, in pounds."""

    total_value: Decimal = ZERO
    assessed_value: Decimal = ZERO
    in_forecast: Decimal = ZERO
    residual: Decimal = ZERO

    def __sub__(self, other: Amounts) -> Amounts:
        return Amounts(
            total_value=self.total_value - other.total_value,
            assessed_value=self.assessed_value - other.assessed_value,
            in_forecast=self.in_forecast - other.in_forecast,
            residual=self.residual - other.residual,
        )


def row_amounts(total_value: Decimal, assessed_value: Decimal, in_forecast: Decimal) -> Amounts:
    return Amounts(total_value, assessed_value, in_forecast, residual(assessed_value, in_forecast))


def register_total(rows: Iterable[Amounts]) -> Amounts:
    """The sum of the rows' kept values (each figure added separately)."""
    total = Amounts()
    for row in rows:
        total = Amounts(
            total.total_value + row.total_value,
            total.assessed_value + row.assessed_value,
            total.in_forecast + row.in_forecast,
            total.residual + row.residual,
        )
    return total


def shortfall(risks: Amounts, mitigations: Amounts) -> Amounts:
    """Mitigations less risks: negative (shown in brackets) where mitigations fall short."""
    return mitigations - risks


def differences(computed: Amounts, published: Amounts | None) -> set[str]:
    """Which figures a paper's published total prints differently from the sum of its rows."""
    if published is None:
        return set()
    return {
        name for name in ("total_value", "assessed_value", "in_forecast", "residual")
        if getattr(published, name) is not None and getattr(published, name) != getattr(computed, name)
    }
