"""The savings engine's rules written out plainly in Decimal and Fraction: the tests' oracle for the engine.

The portal computes a scheme's figures once, in whole pence (`schemes.engine.compute` over `compute_pence`), for one
scheme after an edit and for a whole portfolio's recompute alike. This is an independent statement of the same rules
(DOMAIN.md "Schemes"), the engine's own until the two were folded into one: tests/unit/test_engine_pence.py checks
the engine against it over thousands of generated schemes; the papers' worked examples (tests/unit/test_engine.py)
check the engine itself.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from schemes.engine import (
    OVERRIDABLE,
    ZERO,
    SchemeFigures,
    SchemeInputs,
    check_profile,
    exact_to_penny,
    full_year_effect,
    months_in_year,
    to_penny,
)


def clamp_months(months: int) -> int:
    return min(12, max(0, months))


def linear_profile(plan: Decimal, months: int) -> tuple[Decimal, ...]:
    """Spread the in-year plan evenly over the last `months` months; the pennies left go in March."""
    if months == 0:
        return tuple(ZERO for _ in range(12))
    each = to_penny(plan / months)
    values = [ZERO] * (12 - months) + [each] * months
    values[-1] = plan - each * (months - 1)
    return tuple(values)


def reference_compute(inputs: SchemeInputs) -> SchemeFigures:
    """The figures of `inputs` by the rules as written: exact fractions, each figure rounded to the penny once."""
    unknown = set(inputs.overrides) - set(OVERRIDABLE)
    if unknown:
        raise ValueError(f"Cannot override {', '.join(sorted(unknown))}")
    overrides = {name: to_penny(Decimal(value)) for name, value in inputs.overrides.items()}

    def pick(name: str, computed: Decimal) -> Decimal:
        return overrides.get(name, computed)

    fye = pick("full_year_effect", full_year_effect(inputs.gross_saving, inputs.new_investment))
    months = months_in_year(inputs.year_start, inputs.go_live)
    # Exact linear plan: the director's formulas start from it so they match the paper to the penny.
    linear_plan_exact = Fraction(fye) * months / 12
    plan = pick("plan_in_year", exact_to_penny(linear_plan_exact))
    next_year = pick("next_year_effect", fye - plan)
    factor = inputs.factors.factor(inputs.overall_rag)
    most_likely = pick("most_likely", to_penny(plan * factor))

    adjusted = clamp_months(months + inputs.delivery_change_months)
    # Delivery this year starts from the plan actually set (which may be overridden) and moves it
    # by whole months of FYE/12. With no override this is exactly FYE x adjusted / 12.
    base = linear_plan_exact if "plan_in_year" not in overrides else Fraction(plan)
    delivered_this_year = base + Fraction(fye) * (adjusted - months) / 12
    director_value = pick("director_value", exact_to_penny(delivered_this_year * Fraction(factor)))
    director_next_year = pick("director_next_year", exact_to_penny(Fraction(fye) - delivered_this_year))

    if inputs.monthly_profile is not None:
        monthly = check_profile(inputs.monthly_profile, plan)
    else:
        monthly = linear_profile(plan, months)

    return SchemeFigures(
        full_year_effect=fye,
        months_in_year=months,
        plan_in_year=plan,
        next_year_effect=next_year,
        most_likely=most_likely,
        adjusted_months=adjusted,
        director_value=director_value,
        director_next_year=director_next_year,
        monthly_plan=monthly,
        overridden=frozenset(overrides),
    )
