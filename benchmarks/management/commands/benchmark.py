"""`manage.py benchmark --scale national|small|demo`: the portal's speed and memory, printed as JSON.

national and small build (or reuse) a synthetic portfolio (benchmarks.portfolio) and measure the recompute
against the database's floor, the month-end reports, the board pack, one organisation's pages and a load run
(benchmarks.measure, .pages, .load); demo is the older table of hot paths on a rolled-back register
(benchmarks.hot_paths). Results are recorded in docs/performance.md; nothing here is asserted by tests but the
shape of the output.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from benchmarks import load, measure, pages
from benchmarks.bulk import autovacuum_is_on, vacuum_as_autovacuum_would
from benchmarks.hot_paths import IMPORT_ROWS, hot_paths
from benchmarks.portfolio import SCALES, build_portfolio


def machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=settings.BASE_DIR, capture_output=True,
                                text=True, timeout=10).stdout.strip() or None
    except OSError:
        commit = None
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        row = cursor.fetchone()
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit, "cpus": os.cpu_count(),
            "python": platform.python_version(), "database": f"{connection.vendor} {row[0] if row else ''}".strip(),
            "autovacuum": autovacuum_is_on(), "debug": settings.DEBUG,
            "celery_eager": bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))}


STEPS = ("recompute", "month_end_report", "board_pack", "pages", "load")


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


class Command(BaseCommand):
    help = "Benchmark the portal at national or small scale (JSON), or its hot paths on the demo register."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=[*SCALES, "demo"], default="small")
        parser.add_argument("--repeat", type=int, help="Runs of each measure (default: the scale's)")
        parser.add_argument("--schemes", type=int, default=500, help="demo scale: schemes on the benchmark register")
        parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS,
                            help="demo scale: rows of the workbook checked")
        parser.add_argument("--recompute-organisations", type=int, metavar="N",
                            help="Time the recompute over the first N organisations' schemes (default: every scheme)")
        parser.add_argument("--steps", default=",".join(STEPS),
                            help=f"Comma-separated measures to run (default: all of {', '.join(STEPS)})")
        parser.add_argument("--skip-load", action="store_true", help="Leave out the load run over gunicorn")
        parser.add_argument("--output", type=Path, help="Also write the JSON to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        result: dict[str, Any] = {"scale": options["scale"], "machine": machine()}
        if options["scale"] == "demo":
            result["hot_paths"] = hot_paths(options["schemes"], options["repeat"] or 5, options["import_rows"])
        else:
            result |= self._at_scale(options)
        text = json.dumps(result, indent=2, default=str)
        if options["output"]:
            options["output"].write_text(text + "\n")
        self.stdout.write(text)

    def _at_scale(self, options: dict[str, Any]) -> dict[str, Any]:
        scale = SCALES[options["scale"]]
        repeat = options["repeat"] or scale.repeat
        started = time.perf_counter()
        portfolio = build_portfolio(scale)
        self.stderr.write(f"portfolio: {portfolio.schemes:,} schemes ready in {time.perf_counter() - started:.1f} s")
        measured: dict[str, Any] = {
            "repeat": repeat,
            "portfolio": {"organisations": len(portfolio.organisations), "years": len(portfolio.years),
                          "schemes": portfolio.schemes, "scheme_months": portfolio.scheme_months,
                          "risks": scale.risks, "actions": scale.actions,
                          "budget_lines": scale.budget_lines * len(portfolio.organisations) * len(portfolio.years),
                          "build_seconds": _rounded(portfolio.build_seconds),
                          "first_recompute_seconds": _rounded(portfolio.recompute_seconds),
                          "reused": portfolio.build_seconds is None},
        }
        sample = options["recompute_organisations"]
        sampled = None if sample is None else [organisation.pk for organisation in portfolio.organisations[:sample]]
        steps = (("recompute", lambda: measure.recompute(repeat, sampled)),
                 ("month_end_report", lambda: measure.month_end_reports(portfolio, repeat)),
                 ("board_pack", lambda: measure.board_pack(portfolio, repeat)),
                 ("pages", lambda: pages.pages(portfolio, scale.page_runs)),
                 ("load", lambda: {"skipped": "--skip-load", "users": 0, "requests": 0, "errors": None,
                                   "p50_ms": None, "p95_ms": None, "paced": None} if options["skip_load"]
                  else load.load_run(portfolio, scale.load_requests, scale.think_seconds)))
        wanted = {name.strip() for name in options["steps"].split(",")}
        measured["vacuumed_before"] = {}
        for name, step in steps:
            if name not in wanted:
                continue
            # Each step starts from a database as a live server keeps it: the recompute's repeats and the load
            # run's writes leave dead rows that autovacuum would clear, and it is off on the build machine.
            measured["vacuumed_before"][name] = vacuum_as_autovacuum_would()
            started = time.perf_counter()
            measured[name] = step()
            self.stderr.write(f"{name}: {time.perf_counter() - started:.1f} s")
            if options["output"]:  # what is measured so far, should a long run be cut short
                options["output"].write_text(json.dumps(measured, indent=2, default=str) + "\n")
        return measured
