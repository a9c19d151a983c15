"""One chunk of schemes: their engine inputs and stored figures read as plain values, the engine run over them
in whole pence (`engine.compute_pence`), and the rows whose stored values differ.

PostgreSQL reads a chunk in one statement: money as whole pence and factors as ten-thousandths (integers, no
Decimal to build), each scheme's latest rating and assessment, its active overrides and its stored monthly plans
folded into one short text each (so comparing twelve months is comparing two strings). SQLite, the embedded
default, reads the same values through the ORM in five queries and folds them the same way in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F

from governance.models import FinancialYear, Organisation
from schemes import engine
from schemes.models import DirectorAssessment, FigureOverride, PanelSitting, Scheme, SchemeMonth, SchemeRating

# The stored figures compared and written, in this order (figures_computed_at is stamped apart).
FIGURE_COLUMNS = ("full_year_effect", "months_in_year", "plan_in_year", "next_year_effect", "overall_rag",
                  "most_likely", "delivery_change_months", "adjusted_months", "director_value",
                  "director_next_year", "overridden_fields")
MONEY_COLUMNS = frozenset(("full_year_effect", "plan_in_year", "next_year_effect", "most_likely", "director_value",
                           "director_next_year"))
MONTHS = range(1, 13)

# What a chunk reads of a scheme, in this order: id, financial year's start, go-live, gross saving and new
# investment (pence), monthly profile (JSON text), RAG factors (ten-thousandths), whether it was never computed,
# latest overall rating, latest change in delivery, active overrides ("figure pence ..."), stored monthly plans
# ("month:pence ...", in month order), then the stored FIGURE_COLUMNS (money in pence, overridden_fields as JSON).
Inputs = tuple[Any, ...]


def _pence_sql(column: str) -> str:
    return f"({column} * 100)::bigint"


def _postgresql_query() -> str:
    stored = ", ".join(_pence_sql(f"s.{name}") if name in MONEY_COLUMNS else
                       "s.overridden_fields::text" if name == "overridden_fields" else f"s.{name}"
                       for name in FIGURE_COLUMNS)
    return (
        f"SELECT s.id, y.start_year, s.go_live, {_pence_sql('s.gross_saving')}, {_pence_sql('s.new_investment')}, "
        "s.monthly_profile::text, (o.green_factor * 10000)::int, (o.amber_factor * 10000)::int, "
        "(o.red_factor * 10000)::int, s.figures_computed_at IS NULL, "
        f"(SELECT r.overall FROM {SchemeRating._meta.db_table} r JOIN {PanelSitting._meta.db_table} p "
        "ON p.id = r.sitting_id WHERE r.scheme_id = s.id ORDER BY p.held_on DESC, r.id DESC LIMIT 1), "
        f"(SELECT a.change_months FROM {DirectorAssessment._meta.db_table} a WHERE a.scheme_id = s.id "
        "ORDER BY a.assessed_on DESC, a.created_at DESC LIMIT 1), "
        f"(SELECT string_agg(v.figure || ' ' || {_pence_sql('v.value')}, ' ') "
        f"FROM {FigureOverride._meta.db_table} v WHERE v.scheme_id = s.id AND v.cleared_at IS NULL), "
        f"(SELECT string_agg(m.month || ':' || {_pence_sql('m.plan')}, ' ' ORDER BY m.month) "
        f"FROM {SchemeMonth._meta.db_table} m WHERE m.scheme_id = s.id), {stored} "
        f"FROM {Scheme._meta.db_table} s JOIN {FinancialYear._meta.db_table} y ON y.id = s.year_id "
        f"JOIN {Organisation._meta.db_table} o ON o.id = s.organisation_id "
        "WHERE s.id = ANY(%s) ORDER BY s.id"
    )


# Its opening names the statement in tests that pause a recompute once it has read its inputs.
INPUTS_STATEMENT_START = "SELECT s.id, y.start_year"
_POSTGRESQL_INPUTS = _postgresql_query()


def months_text(plans: Iterable[tuple[int, int]]) -> str:
    """(month, pence) pairs in month order as the PostgreSQL read folds them: "1:0 2:1500 ..."."""
    return " ".join(f"{month}:{plan}" for month, plan in plans)


def _read_postgresql(ids: Sequence[int]) -> list[Inputs]:
    with connection.cursor() as cursor:
        cursor.execute(_POSTGRESQL_INPUTS, [list(ids)])
        return cursor.fetchall()


def _latest_by_scheme(rows: Any) -> dict[int, Any]:
    """The first value per scheme of (scheme_id, value) rows ordered newest first within each scheme."""
    latest: dict[int, Any] = {}
    for scheme_id, value in rows:
        latest.setdefault(scheme_id, value)
    return latest


def _read_portable(ids: Sequence[int]) -> list[Inputs]:
    """The PostgreSQL read's rows, through the ORM (SQLite stores decimals and dates its own way)."""
    ratings = _latest_by_scheme(SchemeRating.objects.filter(scheme_id__in=ids)
                                .order_by("scheme_id", "-sitting__held_on", "-id").values_list("scheme_id", "overall"))
    assessments = _latest_by_scheme(DirectorAssessment.objects.filter(scheme_id__in=ids)
                                    .order_by("scheme_id", "-assessed_on", "-created_at")
                                    .values_list("scheme_id", "change_months"))
    overrides: dict[int, list[str]] = {}
    for scheme_id, figure, value in (FigureOverride.objects.filter(scheme_id__in=ids, cleared_at__isnull=True)
                                     .order_by().values_list("scheme_id", "figure", "value")):
        overrides.setdefault(scheme_id, []).append(f"{figure} {engine.pence(value)}")
    plans: dict[int, list[tuple[int, int]]] = {}
    for scheme_id, month, plan in (SchemeMonth.objects.filter(scheme_id__in=ids).order_by("scheme_id", "month")
                                   .values_list("scheme_id", "month", "plan")):
        plans.setdefault(scheme_id, []).append((month, engine.pence(plan)))
    rows = []
    for (pk, year_start, go_live, gross, investment, profile, green, amber, red, computed_at,
         *stored) in (Scheme.objects.filter(pk__in=ids).order_by("pk")
                      .annotate(year_start=F("year__start_year"), green=F("organisation__green_factor"),
                                amber=F("organisation__amber_factor"), red=F("organisation__red_factor"))
                      .values_list("pk", "year_start", "go_live", "gross_saving", "new_investment", "monthly_profile",
                                   "green", "amber", "red", "figures_computed_at", *FIGURE_COLUMNS)):
        stored_values = [engine.pence(value) if name in MONEY_COLUMNS else
                         json.dumps(value) if name == "overridden_fields" else value
                         for name, value in zip(FIGURE_COLUMNS, stored, strict=True)]
        rows.append((
            pk, year_start, go_live, engine.pence(gross), None if investment is None else engine.pence(investment),
            None if profile is None else json.dumps(profile), engine.factor_units(green), engine.factor_units(amber),
            engine.factor_units(red), computed_at is None, ratings.get(pk), assessments.get(pk),
            " ".join(overrides[pk]) if pk in overrides else None,
            months_text(plans[pk]) if pk in plans else None, *stored_values,
        ))
    return rows


def read_inputs(ids: Sequence[int]) -> list[Inputs]:
    """Every input and stored figure of these schemes (ids order), as plain values."""
    return _read_postgresql(ids) if connection.vendor == "postgresql" else _read_portable(ids)


@dataclass
class Changes:
    """What a chunk writes: scheme rows (id, *FIGURE_COLUMNS, money in pence), month plans (scheme id, month,
    pence) to update and to create."""

    schemes: int = 0
    scheme_rows: list[tuple[Any, ...]] = field(default_factory=list)
    month_updates: list[tuple[int, int, int]] = field(default_factory=list)
    month_inserts: list[tuple[int, int, int]] = field(default_factory=list)


def _overrides(text: str | None) -> dict[str, int]:
    if not text:
        return {}
    words = text.split(" ")
    return {words[n]: int(words[n + 1]) for n in range(0, len(words), 2)}


def _stored_months(text: str | None) -> dict[int, int]:
    if not text:
        return {}
    return {int(month): int(plan) for month, plan in (pair.split(":") for pair in text.split(" "))}


def chunk_changes(ids: Sequence[int], *, stamp_all: bool) -> Changes:
    """The engine's figures for these schemes against what is stored: only what differs is returned.

    A scheme never computed is written even when its defaults happen to match; so is every scheme of an
    edit's recompute (`stamp_all`), whose pages say when the edit's figures were computed.
    """
    changes = Changes()
    compute = engine.compute_pence
    for (pk, year_start, go_live, gross, investment, profile, green, amber, red, never_computed, overall,
         change_months, overrides, stored_months, *stored) in read_inputs(ids):
        overall = overall or ""
        change_months = change_months or 0
        figures = compute(
            year_start=year_start, go_live=go_live, gross_saving=gross, new_investment=investment,
            overall_rag=overall or None, delivery_change_months=change_months, factors=(green, amber, red),
            overrides=_overrides(overrides), monthly_profile=json.loads(profile) if profile else None,
        )
        (fye, months, plan, next_year, most_likely, adjusted, director_value, director_next_year, monthly,
         overridden) = figures
        values = [fye, months, plan, next_year, overall, most_likely, change_months, adjusted, director_value,
                  director_next_year, list(overridden)]
        changes.schemes += 1
        if stamp_all or never_computed or values[:10] != stored[:10] or values[10] != json.loads(stored[10] or "null"):
            changes.scheme_rows.append((pk, *values))
        if stored_months != months_text(zip(MONTHS, monthly, strict=True)):
            kept = _stored_months(stored_months)
            for month, value in zip(MONTHS, monthly, strict=True):
                before = kept.get(month)
                if before is None:
                    changes.month_inserts.append((pk, month, value))
                elif before != value:
                    changes.month_updates.append((pk, month, value))
    return changes
