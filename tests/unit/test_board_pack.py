"""The Excel board pack, checked the way finance will open it: openpyxl reads its structure and formats, and
Debian's LibreOffice (headless) computes its formulas, whose totals must be the papers' (the Bexley appendix:
plan 11,576,188, most likely 10,425,159; Cambridgeshire M10: financial risks 29,001 / 21,259 against mitigations
27,887 / 21,259, a shortfall of (1,114) total and nil assessed, £'000)."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from dashboards.exports import SHEETS, board_pack, pack_inputs
from finance.services import month_end_report_produce
from governance.models import FinancialYear, Organisation
from governance.services import system_actor
from risks.models import Risk
from schemes.models import Scheme, SchemeMonth

pytestmark = pytest.mark.django_db
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
needs_libreoffice = pytest.mark.skipif(
    not Path(SOFFICE).exists() and os.environ.get("CI") != "true",  # CI must have it: there it fails
    reason="needs Debian's LibreOffice: scripts/install-libreoffice.sh")
ACTUAL = Decimal("40000.00")  # 15b's actual each month from go-live (M4) to M10, so YTD 7 x 40,000 = 280,000


@pytest.fixture
def demo(django_capture_on_commit_callbacks, settings) -> None:
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    # Names that look like formulas must stay text in the pack.
    Scheme.objects.filter(organisation__ods_code="07N", reference="30").update(name="=1+1")
    Risk.objects.filter(organisation__ods_code="06H", reference="OR1").update(title="@SUM(A1) -1 +2")
    SchemeMonth.objects.filter(scheme__organisation__ods_code="07N", scheme__reference="15b",
                               month__range=(4, 10)).update(actual=ACTUAL)


@pytest.fixture
def packs(demo, tmp_path) -> dict[str, Path]:
    paths = {"07N": tmp_path / "bexley.xlsx", "06H": tmp_path / "cambridgeshire.xlsx"}
    call_command("board_pack", organisation="07N", year="2013/14", month=10, output=str(paths["07N"]), verbosity=0)
    call_command("board_pack", organisation="06H", year="2018/19", month=10, output=str(paths["06H"]), verbosity=0)
    return paths


def _rows(ws: Any, first: int = 1) -> list[tuple[Any, ...]]:
    return [tuple(cell.value for cell in row) for row in ws.iter_rows(min_row=first)]


def test_every_sheet_has_the_formats_finance_expects(packs) -> None:
    tables = {"07N": ("Schemes", "Monthly tracker"),  # the sheets with rows for each paper's organisation
              "06H": ("Budget variance", "Financial risks", "Risk register", "Improvement plan")}
    for ods, month_name in (("07N", "M10 (January 2014)"), ("06H", "M10 (January 2019)")):
        workbook: Any = load_workbook(packs[ods])  # cells are read dynamically: their values are any kind
        assert workbook.sheetnames == list(SHEETS)
        assert workbook.properties.title == f"QIPP board pack {'2013/14' if ods == '07N' else '2018/19'} {month_name}"
        assert ods in workbook.properties.subject and "M10" in workbook.properties.keywords
        for ws in workbook.worksheets:
            assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
            assert f"({ods})" in ws.oddFooter.left.text and month_name in ws.oddFooter.center.text, ws.title
            assert ws.oddFooter.right.text == "Page &P of &N", ws.title
            assert ws.print_title_rows, ws.title  # the headings repeat on every printed page
            assert ws.column_dimensions["A"].width >= 8 and ws.column_dimensions["B"].width >= 6, ws.title
            assert month_name in ws["A2"].value, ws.title  # every sheet says its month
        for name in tables[ods]:
            ws = workbook[name]
            assert ws.freeze_panes and ws.auto_filter.ref, name
    bexley: Any = load_workbook(packs["07N"])
    schemes = bexley["Schemes"]
    assert schemes.freeze_panes == "A5" and schemes.auto_filter.ref.startswith("A4:")
    assert schemes.print_title_rows == "$4:$4"
    rows = {row[0].value: row for row in schemes.iter_rows(min_row=5) if row[0].value}
    formula_name = next(row[2] for row in rows.values() if row[2].value == "=1+1")
    assert formula_name.data_type == "s"  # text, not a formula
    adult = rows["1"]
    plan = adult[7]
    assert plan.value == 1164417  # the hand-set plan, to the penny
    assert "£" in plan.number_format and "(" in plan.number_format  # adverse in brackets
    assert plan.comment is not None and "paper 1,164,417" in plan.comment.text  # the override's reason
    overall = adult[13]
    assert overall.value in ("Green", "Amber", "Red") and overall.fill.fgColor.rgb.endswith(
        {"Green": "007F3B", "Amber": "FFB81C", "Red": "D5281B"}[overall.value])
    total_row = next(row for row in schemes.iter_rows(min_row=5) if row[2].value == "Total")
    assert total_row[7].value.startswith("=SUM(H5:H")
    summary = bexley["Summary"]
    assert summary["B5"].value == f"='Schemes'!H{total_row[7].row}"
    assert "No month-end report for this month" in summary["A2"].value


def test_the_monthly_tracker_has_plan_actual_and_forecast_by_month_with_ytd_and_fot(packs) -> None:
    tracker: Any = load_workbook(packs["07N"])["Monthly tracker"]
    header = [cell.value for cell in tracker[4]]
    assert header[:5] == ["Ref", "Scheme", "Programme", "Measure", "M1 Apr-13"] and header[15] == "M12 Mar-14"
    assert header[16:] == ["YTD M1-M10 (£)", "Full year / FOT (£)"] and tracker.freeze_panes == "E5"
    rows = [row for row in tracker.iter_rows(min_row=5) if row[0].value == "15b"]
    plan, actual, forecast = rows
    assert [r[3].value for r in rows] == ["Plan", "Actual", "Forecast"]
    assert plan[8].value == pytest.approx(50166.67) and actual[6].value is None and actual[8].value == ACTUAL  # M5, M3
    assert plan[16].value == f"=SUM(E{plan[0].row}:N{plan[0].row})"  # YTD to M10
    assert forecast[17].value == (f"=SUM(E{actual[0].row}:N{actual[0].row})"
                                  f"+SUM(O{forecast[0].row}:P{forecast[0].row})")  # actuals to M10 + forecasts
    assert forecast[14].font.italic  # M11 has no forecast: it counts at plan, in italics


def test_the_registers_say_their_bands_in_words_and_text_stays_text(packs) -> None:
    workbook: Any = load_workbook(packs["06H"])
    register = workbook["Risk register"]
    rows = {row[0].value: row for row in register.iter_rows(min_row=7) if row[0].value}
    or1 = rows["OR1"]
    assert or1[1].value == "@SUM(A1) -1 +2" and or1[1].data_type == "s"  # a title like a formula stays text
    assert (or1[9].value, or1[10].value, or1[11].value, or1[12].value) == (4, 5, 20, "Red")
    assert or1[12].fill.fgColor.rgb.endswith("D5281B")
    heat = workbook["Risk heat map"]
    cells = {row[0].value: [c.value for c in row[1:6]] for row in heat.iter_rows(min_row=8, max_row=12)}
    current = Risk.objects.filter(organisation__ods_code="06H", current_likelihood=4, current_impact=4).count()
    assert current > 0 and cells["Likelihood 4"][3] == f"{current}\nRed 16"  # count, band and score in words
    assert cells["Likelihood 1"][0] == "0\nGreen 1"
    plan = workbook["Improvement plan"]
    actions = {row[2].value: row for row in plan.iter_rows(min_row=7) if row[2].value}
    reset = actions["2c"]
    assert reset[8].value == "Reset Date" and "30/09/2019" in reset[7].value  # the revision with its reason
    assert actions["1a"][8].value == "Complete" and actions["1a"][9].value == "Closed"
    budget = workbook["Budget variance"]
    acute = next(row for row in budget.iter_rows(min_row=7) if row[0].value == "Acute Services")
    assert acute[3].value == Decimal("-4224000.00") and acute[3].number_format.startswith("#,##0,")  # £'000


def test_a_past_month_pack_shows_what_was_reported_then(demo) -> None:
    bexley = Organisation.objects.get(ods_code="07N")
    year = FinancialYear.objects.by_name("2013/14")
    report = month_end_report_produce(actor=system_actor("month-end report"), organisation=bexley, year=year,
                                      month=10)
    assert report.schemes_stored and report.schemes.count() == 27
    # After the report is issued, 15b's plan is changed and its M5 actual corrected.
    Scheme.objects.filter(organisation=bexley, reference="15b").update(plan_in_year=Decimal("999999.00"))
    SchemeMonth.objects.filter(scheme__organisation=bexley, scheme__reference="15b", month=5).update(
        actual=Decimal("1.00"))

    def scheme_15b(month: int) -> tuple[Any, Any, str]:
        workbook: Any = load_workbook(_pack(bexley, year, month))
        schemes = next(row for row in workbook["Schemes"].iter_rows(min_row=5) if row[0].value == "15b")
        actual = next(row for row in workbook["Monthly tracker"].iter_rows(min_row=5)
                      if row[0].value == "15b" and row[3].value == "Actual")
        return schemes[7].value, actual[8].value, workbook["Summary"]["A2"].value  # plan this year, M5 actual

    plan, may_actual, note = scheme_15b(10)
    assert (plan, may_actual) == (Decimal("451500.00"), ACTUAL)  # as reported (DOMAIN.md: 15b plans 451,500)
    assert f"issue {report.issue} of" in note
    plan, may_actual, note = scheme_15b(9)  # no report for M9: today's figures, and the pack says so
    assert (plan, may_actual) == (Decimal("999999.00"), Decimal("1.00")) and "No month-end report" in note


def _pack(organisation: Organisation, year: FinancialYear, month: int) -> Any:
    from io import BytesIO

    return BytesIO(board_pack(pack_inputs(None, organisation, year, month, produced_at=timezone.now())))


@needs_libreoffice
def test_libreoffice_opens_every_sheet_and_computes_the_papers_totals(packs, tmp_path) -> None:
    out = tmp_path / "computed"
    result = subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx", "--outdir", str(out), str(packs["07N"]), str(packs["06H"])],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    for path in packs.values():  # every sheet opened and was written back: no repair, nothing dropped
        assert load_workbook(out / path.name, data_only=True).sheetnames == list(SHEETS)
    bexley: Any = load_workbook(out / packs["07N"].name, data_only=True)
    schemes = bexley["Schemes"]
    total_row = next(row for row in schemes.iter_rows(min_row=5) if row[2].value == "Total")
    assert round(total_row[7].value) == 11_576_188  # plan this year
    assert round(total_row[14].value) == 10_425_159  # most likely
    summary = {row[0]: row[1] for row in _rows(bexley["Summary"]) if row[0]}
    assert round(summary["In-year plan"]) == 11_576_188 and round(summary["Most likely"]) == 10_425_159
    assert summary["YTD actual (M1-M10)"] == 7 * ACTUAL  # only 15b has actuals: M4..M10 at 40,000
    months = SchemeMonth.objects.filter(scheme__organisation__ods_code="07N", scheme__year__start_year=2013)
    rest = sum((m.forecast if m.forecast is not None else m.plan for m in months if m.month > 10), Decimal("0"))
    assert round(Decimal(str(summary["Forecast outturn"])), 2) == 7 * ACTUAL + rest  # actuals to M10 + the rest
    assert schemes.cell(row=next(r for r in range(5, 40) if schemes.cell(r, 1).value == "30"), column=3).value == "=1+1"
    cambridgeshire: Any = load_workbook(out / packs["06H"].name, data_only=True)
    risks = {row[1]: row for row in _rows(cambridgeshire["Financial risks"]) if row[1]}
    assert (risks["Total risks"][3], risks["Total risks"][4]) == (29_001_000, 21_259_000)
    assert (risks["Total mitigations"][3], risks["Total mitigations"][4]) == (27_887_000, 21_259_000)
    shortfall = risks["Shortfall (mitigations - risks)"]
    assert (shortfall[3], shortfall[4]) == (-1_114_000, 0)  # (1,114) total, nil assessed, £'000
    summary_rows = {row[0]: row for row in _rows(cambridgeshire["Summary"]) if row[0]}
    assert summary_rows["Shortfall: total / assessed"][1:3] == (-1_114_000, 0)
