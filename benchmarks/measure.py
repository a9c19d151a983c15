"""The measures of the project's own services on the portfolio: the full recompute against the database's floor,
the month-end report, and the board pack against openpyxl's write-only mode writing the same cells.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.db import connection
from django.test import Client
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import NamedStyle

from benchmarks.portfolio import Portfolio
from benchmarks.timing import ratio, runs
from finance.models import BoardPack
from finance.services import ReportRequest, month_end_report_produce, month_end_reports_produce
from finance.services.reports import MONTH_END_REPORT_BATCH
from governance.exports import excel_text
from governance.fields import column
from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR
from schemes.models import COMPUTED_FIELDS, Scheme, SchemeMonth

# Set to zero before a full recompute, so that every scheme row and monthly plan row has a value to write.
RESET_FIELDS = ("full_year_effect", "months_in_year", "plan_in_year", "next_year_effect", "most_likely",
                "adjusted_months", "director_value", "director_next_year")
SNAPSHOT_SCHEMES = "benchmark_snapshot_schemes"
SNAPSHOT_MONTHS = "benchmark_snapshot_months"
REPORT_MONTH = 6  # the synthetic portfolio records actuals to M6


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


SCHEMES, MONTHS = _q(Scheme._meta.db_table), _q(SchemeMonth._meta.db_table)


def _columns(names: Any) -> list[str]:
    return [_q(str(column(Scheme, name).column)) for name in names]


@dataclass(frozen=True)
class _Scope:
    """The rows a recompute measure covers: every scheme, or the schemes of some organisations (a sample)."""

    organisations: list[int] | None

    @property
    def schemes(self) -> str:
        if self.organisations is None:
            return "1 = 1"
        return f"organisation_id IN ({', '.join(str(int(pk)) for pk in self.organisations)})"

    @property
    def months(self) -> str:
        return f"scheme_id IN (SELECT id FROM {SCHEMES} WHERE {self.schemes})"


def _reset(scope: _Scope, *, months: bool) -> None:
    _execute(f"UPDATE {SCHEMES} SET " + ", ".join(f"{name} = 0" for name in _columns(RESET_FIELDS))
             + f" WHERE {scope.schemes}", *([f"UPDATE {MONTHS} SET plan = 0 WHERE {scope.months}"] if months else []))


def _snapshot(scope: _Scope) -> None:
    """What the project's recompute stored, kept aside so that the floor writes exactly the same values."""
    columns = ", ".join(["id", *_columns(COMPUTED_FIELDS)])
    _execute(f"DROP TABLE IF EXISTS {SNAPSHOT_SCHEMES}", f"DROP TABLE IF EXISTS {SNAPSHOT_MONTHS}",
             f"CREATE TEMPORARY TABLE {SNAPSHOT_SCHEMES} AS SELECT {columns} FROM {SCHEMES} WHERE {scope.schemes}",
             f"CREATE TEMPORARY TABLE {SNAPSHOT_MONTHS} AS SELECT id, plan FROM {MONTHS} WHERE {scope.months}")


def _floor(*, months: bool) -> None:
    """The database's own cost of writing the recompute's results: one set-based UPDATE a table."""
    assignments = ", ".join(f"{name} = s.{name}" for name in _columns(COMPUTED_FIELDS))
    _execute(f"UPDATE {SCHEMES} SET {assignments} FROM {SNAPSHOT_SCHEMES} AS s WHERE {SCHEMES}.id = s.id",
             *([f"UPDATE {MONTHS} SET plan = s.plan FROM {SNAPSHOT_MONTHS} AS s WHERE {MONTHS}.id = s.id"]
               if months else []))


def _differing() -> int:
    """Rows whose stored figures differ from the snapshot: 0 when the recompute is deterministic."""
    money = " OR ".join(f"t.{name} <> s.{name}" for name in _columns(RESET_FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {SCHEMES} AS t JOIN {SNAPSHOT_SCHEMES} AS s ON t.id = s.id "
                       f"WHERE {money}")
        schemes = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {MONTHS} AS t JOIN {SNAPSHOT_MONTHS} AS s ON t.id = s.id "
                       "WHERE t.plan <> s.plan")
        months = cursor.fetchone()
    return int(schemes[0] if schemes else 0) + int(months[0] if months else 0)


def _recompute_of(scope: _Scope) -> Callable[[], Any]:
    """The project's recompute over the scope, through its public entry points only (the module is being
    rewritten): the nightly portfolio_recompute, or organisation_year_recompute for each of a sample's batches."""
    from schemes.recompute import organisation_year_recompute, portfolio_recompute

    if scope.organisations is None:
        return portfolio_recompute
    batches = list(Scheme.objects.filter(organisation_id__in=scope.organisations).order_by("organisation_id", "year_id")
                   .values_list("organisation_id", "year_id").distinct())
    return lambda: [organisation_year_recompute(organisation_id=organisation, year_id=year)
                    for organisation, year in batches]


def recompute(repeat: int, organisations: list[int] | None = None) -> dict[str, Any]:
    """The recompute of every scheme (or of a sample of organisations' schemes) after the stored figures were
    zeroed, so every row changes; then again with nothing to change; and the floor, one UPDATE ... FROM a table
    of the same values, timed in the same run on the same rows."""
    scope = _Scope(organisations)
    function = _recompute_of(scope)
    schemes = (Scheme.objects.all() if organisations is None
               else Scheme.objects.filter(organisation_id__in=organisations)).count()
    full = runs(function, 1, before=lambda: _reset(scope, months=True))
    _snapshot(scope)  # the figures as the project's recompute stored them: what the floor writes
    if repeat > 1:
        more = runs(function, repeat - 1, before=lambda: _reset(scope, months=True))
        every = full["runs"] + more["runs"]
        full = {**more, "seconds": round(statistics.median(every), 4), "runs": every,
                "peak_rss_mb": max(full["peak_rss_mb"] or 0, more["peak_rss_mb"] or 0) or None,
                "peak_rss_growth_mb": max(full["peak_rss_growth_mb"] or 0, more["peak_rss_growth_mb"] or 0)}
    differing = _differing()
    unchanged = runs(function, repeat)
    floor = runs(lambda: _floor(months=True), repeat, before=lambda: _reset(scope, months=True))
    floor_schemes = runs(lambda: _floor(months=False), repeat, before=lambda: _reset(scope, months=False))
    _execute(f"DROP TABLE IF EXISTS {SNAPSHOT_SCHEMES}", f"DROP TABLE IF EXISTS {SNAPSHOT_MONTHS}")
    return {
        "scope": "every scheme" if organisations is None else f"the schemes of {len(organisations)} organisations",
        "schemes": schemes, "schemes_in_database": Scheme.objects.count(),
        "full": {**full, "ms_per_scheme": round(full["seconds"] * 1000 / max(schemes, 1), 3)},
        "unchanged": {**unchanged, "ms_per_scheme": round(unchanged["seconds"] * 1000 / max(schemes, 1), 3)},
        "floor": floor, "floor_scheme_rows": floor_schemes,
        "ratio_to_floor": ratio(full["seconds"], floor["seconds"]),
        "unchanged_ratio_to_scheme_rows_floor": ratio(unchanged["seconds"], floor_schemes["seconds"]),
        "rows_differing_after_full_recompute": differing,
    }


def _every_organisation_report(portfolio: Portfolio) -> None:
    """What the schedule's sweep does for every organisation: batches of MONTH_END_REPORT_BATCH, each its own
    transaction (finance.tasks.produce_month_end_reports), run here one after another."""
    requests = [ReportRequest(organisation, portfolio.latest_year, REPORT_MONTH) for organisation in
                portfolio.organisations]
    for start in range(0, len(requests), MONTH_END_REPORT_BATCH):
        month_end_reports_produce(actor=None, requests=requests[start:start + MONTH_END_REPORT_BATCH])


def month_end_reports(portfolio: Portfolio, repeat: int) -> dict[str, Any]:
    """finance.services.month_end_report_produce (as the scheduled job: no acting user) for the latest year's M6
    of one organisation, and of every benchmark organisation in the sweep's batches. Each run issues new reports."""
    year = portfolio.latest_year
    one = portfolio.organisations[0]
    single = runs(lambda: month_end_report_produce(actor=None, organisation=one, year=year, month=REPORT_MONTH),
                  repeat)
    every = runs(lambda: _every_organisation_report(portfolio), repeat)
    return {"month": REPORT_MONTH, "year": year.name, "one_organisation": single,
            "all_organisations": {**every, "organisations": len(portfolio.organisations),
                                  "batch": MONTH_END_REPORT_BATCH}}


def signed_in_client(user: Any, organisation_id: int, year_id: int) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_ORGANISATION] = organisation_id
    session[SESSION_YEAR] = year_id
    session.save()
    return client


@dataclass(frozen=True)
class _Look:
    """A cell's look as the pack wrote it, for openpyxl's write-only mode to write again."""

    font: Any
    fill: Any
    alignment: Any
    number_format: str


@dataclass
class _Sheet:
    title: str
    rows: list[list[tuple[Any, str, int | None, str | None]]]  # (value, data type, look, comment) a cell
    widths: dict[str, float]
    freeze_panes: str | None
    auto_filter: str | None
    print_title_rows: str | None


def _cells(content: bytes) -> tuple[list[_Sheet], dict[int, _Look]]:
    """Every cell of the pack as it was written: value, data type, look (number format, font, fill, alignment)
    and comment, and each sheet's widths, frozen panes, autofilter and print titles."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    looks: dict[int, _Look] = {}
    sheets = []
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells: list[tuple[Any, str, int | None, str | None]] = []
            for cell in row:
                look = None
                if cell.has_style:
                    look = cell.style_id
                    looks.setdefault(look, _Look(copy(cell.font), copy(cell.fill), copy(cell.alignment),
                                                 cell.number_format))
                cells.append((cell.value, cell.data_type, look, cell.comment.text if cell.comment else None))
            rows.append(cells)
        sheets.append(_Sheet(ws.title, rows, {key: dimension.width for key, dimension in
                                              ws.column_dimensions.items() if dimension.width},
                             ws.freeze_panes, ws.auto_filter.ref, ws.print_title_rows))
    return sheets, looks


def _write_only(sheets: list[_Sheet], looks: dict[int, _Look]) -> bytes:
    """The same cells with openpyxl's write-only mode, as cheaply as it writes them: each look a named style made
    once, a styled or commented cell a write-only cell with that style, any other cell its bare value; text stays
    text. The widths, frozen panes, autofilter and print titles are set as the pack sets them."""
    book = openpyxl.Workbook(write_only=True)
    indexes = {}
    for key, shown in looks.items():
        style = NamedStyle(f"look {key}", font=shown.font, fill=shown.fill, alignment=shown.alignment,
                           number_format=shown.number_format)
        book.add_named_style(style)
        indexes[key] = style.as_tuple()
    for sheet in sheets:
        ws = book.create_sheet(sheet.title)
        for letter, width in sheet.widths.items():
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = sheet.freeze_panes
        if sheet.auto_filter:
            ws.auto_filter.ref = sheet.auto_filter
        if sheet.print_title_rows:
            ws.print_title_rows = sheet.print_title_rows
        for row in sheet.rows:
            values: list[Any] = []
            for value, data_type, look, comment in row:
                if look is None and comment is None:  # text that could read as a formula has a look (quoted)
                    values.append(value)
                    continue
                # A WriteOnlyCell given the named style's indexes, as `cell.style = name` copies them.
                cell = Cell(ws, row=1, column=1, value=None if data_type == "s" else value,
                            style_array=None if look is None else indexes[look])
                if data_type == "s" and value is not None:
                    excel_text(cell, value)
                if comment is not None:
                    cell.comment = Comment(comment, "QIPP portal")
                values.append(cell)
            ws.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def board_pack(portfolio: Portfolio, repeat: int) -> dict[str, Any]:
    """The board pack as a finance member asks for it on the board packs page (POST; the job runs in-process
    when Celery is eager, as with the embedded default), against openpyxl's write-only mode writing the same
    cells, each after one untimed run. Through the page because the pack's builder is the dashboards' (an app
    this one may not import)."""
    organisation, year = portfolio.organisations[0], portfolio.latest_year
    client = signed_in_client(portfolio.users[0], organisation.pk, year.pk)
    statuses: list[int] = []

    def ask() -> int:
        return client.post("/board-packs/", {"month": REPORT_MONTH, "commentary": ""}).status_code

    # Once untimed, each side: a process's first pack imports and sets up what every later one reuses (at
    # --repeat 1 the median was that first run, 40% slower than the next ones).
    ask()
    before = BoardPack.objects.filter(organisation=organisation).count()
    produced = runs(lambda: statuses.append(ask()), repeat)
    pack = BoardPack.objects.filter(organisation=organisation).order_by("-pk").first()
    made = BoardPack.objects.filter(organisation=organisation).count() - before
    if pack is None or made < repeat:
        return {**produced, "statuses": statuses, "packs_stored": made, "error": "no pack was stored: is Celery "
                "eager (no REDIS_URL / CELERY_BROKER_URL)?", "write_only": None, "ratio_to_write_only": None}
    sheets, looks = _cells(bytes(pack.content))
    _write_only(sheets, looks)
    write_only = runs(lambda: _write_only(sheets, looks), repeat)
    cells = sum(1 for sheet in sheets for row in sheet.rows for value, _, look, comment in row
                if value is not None or look is not None or comment is not None)
    return {**produced, "statuses": statuses, "packs_stored": made, "bytes": len(bytes(pack.content)),
            "sheets": len(sheets), "cells": cells, "write_only": write_only,
            "ratio_to_write_only": ratio(produced["seconds"], write_only["seconds"])}
