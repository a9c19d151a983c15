"""`manage.py benchmark`: the small scale builds its portfolio and reports every measure (the numbers are the
machine's, never asserted); the demo scale still reports the hot paths.

Transactional: the board pack's job runs when the page's transaction commits, and the portfolio's recompute
commits an organisation-year at a time, as they do outside tests.
"""

from __future__ import annotations

import gc
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from benchmarks.management.commands.benchmark import STEPS
from benchmarks.portfolio import SCALES, build_portfolio
from finance.models import BudgetLine, BudgetMonth, FinancialPlan
from governance.models import PlanAction
from risks.models import Risk
from schemes.models import DirectorAssessment, Scheme, SchemeMonth, SchemeRating

pytestmark = pytest.mark.django_db(transaction=True)

TIMED = ("seconds", "runs", "peak_rss_mb", "peak_rss_growth_mb")


def _timed(measured: dict[str, Any]) -> None:
    assert set(TIMED) <= set(measured)
    assert measured["seconds"] >= 0 and all(run >= 0 for run in measured["runs"])
    assert isinstance(measured["peak_rss_mb"], float) and measured["peak_rss_mb"] > 0


def _run(tmp_path: Path, *arguments: str) -> dict[str, Any]:
    output = tmp_path / "benchmark.json"
    stdout = io.StringIO()
    call_command("benchmark", *arguments, "--output", str(output), stdout=stdout, stderr=io.StringIO())
    result = json.loads(output.read_text())
    assert json.loads(stdout.getvalue()) == result  # printed and written alike
    assert gc.get_freeze_count() == 0  # the pages' measure froze this process's objects and let them go again
    return result


def test_small_portfolio_has_every_kind_of_row_and_stored_figures() -> None:
    scale = SCALES["small"]
    portfolio = build_portfolio(scale)
    schemes = scale.organisations * scale.years * scale.schemes
    assert (portfolio.schemes, Scheme.objects.count()) == (schemes, schemes)
    assert SchemeMonth.objects.count() == schemes * 12
    assert SchemeMonth.objects.filter(actual__isnull=False).count() == schemes * 6
    assert SchemeRating.objects.count() == schemes
    assert DirectorAssessment.objects.count() == schemes // 2
    assert Risk.objects.count() == scale.risks
    assert PlanAction.objects.count() == scale.actions
    org_years = scale.organisations * scale.years
    assert BudgetLine.objects.count() == org_years * scale.budget_lines
    assert BudgetMonth.objects.count() == org_years * scale.budget_lines * 12
    assert FinancialPlan.objects.count() == org_years
    # The project's recompute ran over it: every scheme has figures, and plans are phased into the months.
    assert not Scheme.objects.filter(figures_computed_at__isnull=True).exists()
    assert Scheme.objects.filter(plan_in_year__gt=0).count() > schemes // 2
    assert SchemeMonth.objects.filter(plan__gt=0).exists()
    assert len(portfolio.users) == scale.users
    # A second build finds it and reuses it rather than writing another.
    again = build_portfolio(scale)
    assert again.build_seconds is None and Scheme.objects.count() == schemes


def test_small_scale_reports_every_measure(tmp_path: Path) -> None:
    result = _run(tmp_path, "--scale", "small")
    assert {"scale", "machine", "repeat", "portfolio", "recompute", "month_end_report", "board_pack", "pages",
            "load"} <= set(result)
    assert result["machine"]["cpus"] >= 1 and result["machine"]["database"].startswith("sqlite")
    # SQLite has no autovacuum to stand in for: nothing is vacuumed.
    assert result["machine"]["autovacuum"] is None and not any(result["vacuumed_before"].values())
    assert set(result["vacuumed_before"]) == set(STEPS)
    assert result["portfolio"]["schemes"] == 120 and result["portfolio"]["reused"] is False

    recompute = result["recompute"]
    for measure in ("full", "unchanged", "floor", "floor_scheme_rows"):
        _timed(recompute[measure])
    assert len(recompute["full"]["runs"]) == result["repeat"] == SCALES["small"].repeat
    assert recompute["full"]["ms_per_scheme"] > 0
    assert recompute["ratio_to_floor"] > 0 and recompute["unchanged_ratio_to_scheme_rows_floor"] > 0
    assert recompute["rows_differing_after_full_recompute"] == 0  # the recompute wrote what the floor writes

    reports = result["month_end_report"]
    _timed(reports["one_organisation"])
    _timed(reports["all_organisations"])
    assert reports["all_organisations"]["organisations"] == 3

    pack = result["board_pack"]
    _timed(pack)
    _timed(pack["write_only"])
    assert pack["statuses"] == [302] * result["repeat"] and pack["packs_stored"] == result["repeat"]
    assert pack["sheets"] == 8 and pack["cells"] > 0 and pack["ratio_to_write_only"] > 0

    pages = result["pages"]
    assert set(pages["scale"]["pages"]) == {"register", "tracker", "scheme", "dashboard", "api_list"}
    for page in pages["scale"]["pages"].values():
        assert page["status"] == 200 and page["queries"] > 0
        assert 0 < page["p50_ms"] <= page["p95_ms"]
    assert pages["demo"] is None and pages["growth"] is None and pages["demo_note"]  # no demo loaded here
    across = pages["cross_organisation"]
    assert across["schemes_in_database"] == 3 * 2 * 20
    assert {"admin_schemes", "admin_risks", "api_schemes_first_page", "api_schemes_last_page"} <= set(across["pages"])
    for page in across["pages"].values():  # a superuser's lists over every organisation, each answered
        assert page["status"] == 200 and page["queries"] > 0, page

    load = result["load"]
    assert load["skipped"].startswith("on sqlite") and load["requests"] == 0 and load["users"] == 3
    assert load["paced"] is None


def test_demo_scale_reports_the_hot_paths(tmp_path: Path) -> None:
    result = _run(tmp_path, "--scale", "demo", "--repeat", "1", "--schemes", "20", "--import-rows", "50")
    measured = {row["what"]: row for row in result["hot_paths"]}
    assert "engine: compute 10,000 schemes" in measured
    assert "recompute: 20 schemes in one task (figures + 12 months)" in measured
    assert all(row["seconds"] > 0 for row in measured.values())
    assert "HTTP 200" in measured["register page: 20 schemes"]["notes"]
    assert not Scheme.objects.exists()  # rolled back


def test_steps_choose_the_measures(tmp_path: Path) -> None:
    result = _run(tmp_path, "--scale", "small", "--steps", "load", "--skip-load")
    assert {"recompute", "month_end_report", "board_pack", "pages"}.isdisjoint(result)
    assert result["load"]["skipped"] == "--skip-load" and result["load"]["requests"] == 0
