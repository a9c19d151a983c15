"""What finance's calculations share: nil, a hundred, and a variance as a percentage of its plan."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def variance_percent(variance: Decimal, plan: Decimal) -> Decimal | None:
    """Variance as a % of plan to one decimal (half away from zero, as the papers round); None if plan is nil."""
    if plan == ZERO:
        return None
    return (variance / plan * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
