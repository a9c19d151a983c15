"""Schemes in words, for the pages: each figure's workings, field values, the change history.

Pure presentation over what `schemes.selectors` reads: no query of its own, nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import replace as with_changes
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from governance.fields import column
from governance.formatting import NOT_RECORDED, format_money, format_month, format_person
from schemes import selectors
from schemes.exports import REGISTER_MONEY
from schemes.models import Figure, FigureOverride, Scheme, Stage


@dataclass(frozen=True)
class FigureWorking:
    figure: str
    label: str
    value: Decimal
    formula: str
    override: FigureOverride | None
    formula_value: Decimal | None  # what the formula gives when the figure is overridden


def figure_workings(scheme: Scheme) -> list[FigureWorking]:
    """Each computed figure with the inputs of its formula spelled out (uses prefetched data only)."""
    money = format_money
    overrides = selectors.active_overrides(scheme)
    # The rating and change in delivery the stored figures were computed from (no further query).
    inputs = selectors.engine_inputs(
        scheme, overall_rag=scheme.overall_rag, delivery_change_months=scheme.delivery_change_months,
        overrides={name: o.value for name, o in overrides.items()},
    )
    # What the formula gives for an overridden figure: the engine with every other override kept.
    formula_values = {
        name: getattr(selectors.engine_figures(
            with_changes(inputs, overrides={k: v for k, v in inputs.overrides.items() if k != name})), name)
        for name in overrides
    }

    def result(name: str) -> str:
        return money(formula_values.get(name, getattr(scheme, name)))

    factor = inputs.factors.factor(inputs.overall_rag)
    rag = scheme.get_overall_rag_display() if scheme.overall_rag else "not rated yet"
    percent = f"{factor * 100:.0f}%"
    fye, plan = scheme.full_year_effect, scheme.plan_in_year
    months, adjusted, change = scheme.months_in_year, scheme.adjusted_months, scheme.delivery_change_months
    investment = "TBC (counts as £0)" if scheme.investment_tbc else money(scheme.new_investment or 0)
    go_live = format_month(scheme.go_live) if scheme.go_live else "none (live all year)"
    clamp = "" if months + change == adjusted else f" (kept within 0 to 12, so {adjusted})"
    if "plan_in_year" in overrides:
        base = f"(in-year plan {money(plan)} + FYE {money(fye)} × {change:+d} months ÷ 12)"
        next_year = f"FYE {money(fye)} − delivery this year before the rating factor = {result('director_next_year')}"
    else:
        base = f"FYE {money(fye)} × {adjusted} months ÷ 12"
        next_year = f"FYE {money(fye)} × (12 − {adjusted}) months ÷ 12 = {result('director_next_year')}"
    texts = {
        "full_year_effect": (
            f"gross saving {money(scheme.gross_saving)} − new investment {investment} = {result('full_year_effect')}"
        ),
        "plan_in_year": (
            f"FYE {money(fye)} × {months} months ÷ 12 = {result('plan_in_year')} "
            f"(go-live {go_live}: {months} months in year)"
        ),
        "next_year_effect": f"FYE {money(fye)} − in-year plan {money(plan)} = {result('next_year_effect')}",
        "most_likely": f"in-year plan {money(plan)} × {percent} (overall rating {rag}) = {result('most_likely')}",
        "director_value": (
            f"months {months} {'+' if change >= 0 else '−'} change {abs(change)} = {months + change} adjusted months"
            f"{clamp}; {base} × {percent} ({rag}) = {result('director_value')}"
        ),
        "director_next_year": next_year,
    }
    rows = []
    for figure in Figure:
        override = overrides.get(figure.value)
        rows.append(
            FigureWorking(
                figure=figure.value,
                label=str(figure.label),
                value=getattr(scheme, figure.value),
                formula=texts[figure.value],
                override=override,
                formula_value=formula_values.get(figure.value),
            )
        )
    return rows


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    what: str  # "Created", "Changed", "Override set", "Override cleared"
    field: str
    old: str
    new: str
    note: str = ""


HISTORY_IGNORED = {"version", "id"}


def display_scheme_value(field_name: str, value: Any, programmes: dict[int, str]) -> str:
    """A scheme field's value as words for a page: choices by label, money as £, go-live as Mmm-yy."""
    if value is None or value == "":
        return "(blank)"
    if field_name == "programme":
        return programmes.get(value, f"programme #{value}")
    field = column(Scheme, field_name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date) and field_name == "go_live":
        return format_month(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format_money(value)
    if field_name == "monthly_profile" and isinstance(value, list):
        return ", ".join(format_money(v) for v in value)
    return str(value)


def _who(user: Any) -> str:
    return format_person(user, "System (import or task)")


def scheme_change_history(scheme: Scheme) -> list[HistoryRow]:
    """Every change to the scheme's fields (who, when, field: from -> to) and its overrides, newest first.

    Two queries: the history records (with their users) and the programme names; overrides come
    from `scheme.overrides` (prefetched by `scheme_for_page`).
    """
    records = selectors.scheme_history(scheme)
    programmes = selectors.programme_names(r.programme_id for r in records if r.programme_id)
    rows: list[HistoryRow] = []
    previous = None
    for record in records:
        who = _who(record.history_user)
        if previous is None or record.history_type == "+":
            rows.append(HistoryRow(record.history_date, who, "Created", "", "", f"{record.reference} {record.name}"))
        else:
            delta = record.diff_against(previous, excluded_fields=HISTORY_IGNORED)
            for change in sorted(delta.changes, key=lambda c: column(Scheme, c.field).creation_counter):
                label = str(column(Scheme, change.field).verbose_name)
                rows.append(HistoryRow(
                    record.history_date, who, "Changed", label[:1].upper() + label[1:],
                    display_scheme_value(change.field, change.old, programmes),
                    display_scheme_value(change.field, change.new, programmes),
                ))
        previous = record
    labels = dict(Figure.choices)
    for override in scheme.overrides.all():
        label = str(labels.get(override.figure, override.figure))
        rows.append(HistoryRow(
            override.created_at, _who(override.created_by), "Override set", label, "",
            format_money(override.value), override.reason,
        ))
        if override.cleared_at:
            rows.append(HistoryRow(
                override.cleared_at, _who(override.cleared_by), "Override cleared", label,
                format_money(override.value), "formula value", override.clear_reason,
            ))
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows


@dataclass(frozen=True)
class RegisterLine:
    """One row of the register page as it is written: every cell's text, computed once."""

    href: str  # the scheme's page
    reference: str
    name: str
    programme: str
    phase: str
    stage: str
    go_live: str
    rag: str  # "green", "amber", "red" or "" (not rated): the page draws it as a tag
    money: tuple[tuple[str, tuple[str, ...]], ...]  # each money column: (£ amount, reasons of its overrides in force)


def register_lines(rows: Iterable[Mapping[str, Any]], href: Callable[[int], str]) -> list[RegisterLine]:
    """The register page's rows (selectors.register_page_rows' plain values) as the page writes them: money in
    whole £ with negatives in brackets, the columns in REGISTER_MONEY's order, "–" where nothing is recorded.

    `href(pk)` is a scheme's page (reversed once a page, not once a row).
    """
    stages = dict(Stage.choices)
    lines = []
    for row in rows:
        reasons: dict[str, list[str]] = {}
        for figure, reason in row["overrides"]:
            reasons.setdefault(figure, []).append(reason)
        phase = row["phase"]
        lines.append(RegisterLine(
            href=href(row["pk"]),
            reference=row["reference"],
            name=row["name"],
            programme=row["programme__name"],
            phase=NOT_RECORDED if phase is None else str(phase),
            stage=str(stages.get(row["stage"], row["stage"])),
            go_live=format_month(row["go_live"]),
            rag=row["overall_rag"] or "",
            money=tuple((format_money(row[name]), tuple(reasons.get(name, ()))) for name in REGISTER_MONEY),
        ))
    return lines
