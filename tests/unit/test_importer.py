"""The workbook importer: Bexley's appendix as published, and bad files refused whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from governance.models import FinancialYear, OutboxMessage
from schemes.importers import IMPORT_REASON, WorkbookInvalid, header_key, read_workbook, workbook_import
from schemes.models import DirectorAssessment, FigureOverride, PanelSitting, Scheme, SchemeRating
from schemes.tasks import recompute_scheme_figures
from tests.factories import OrganisationFactory
from tests.workbooks import active_sheet

D = Decimal


def edited(source: Path, tmp_path: Path, edits: dict[str, Any], insert_rows: int | None = None) -> Path:
    book = openpyxl.load_workbook(source)
    sheet = active_sheet(book)
    if insert_rows:
        sheet.insert_rows(insert_rows)
    for cell, value in edits.items():
        sheet[cell] = value
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("No of Months Saving in 13/14", "months"),
        ("2013 / 2014 Plan", "plan_in_year"),
        ("2014/2015 PLAN", "next_year_effect"),
        ("2013/14 Delivery Value £", "director_value"),
        ("  scheme   heading ", "name"),
        ("Go 'Live' Date", "go_live"),
        ("Most Likely Green 100% Amber 75% Red 50%", "most_likely"),
        ("(Full Year) Effect Net Saving", "full_year_effect"),
        ("2012/13 Plan", None),  # another year's label is not this year's plan
    ],
)
def test_header_matching_ignores_case_spacing_punctuation_and_follows_the_year(header, key):
    assert header_key(header, 2013) == key


def test_year_labels_follow_the_imported_year():
    assert header_key("2014 / 2015 Plan", 2014) == "plan_in_year"
    assert header_key("No of Months Saving in 14/15", 2014) == "months"


def test_reads_bexley_appendix(bexley_workbook):
    parsed = read_workbook(bexley_workbook, 2013)
    assert parsed.problems == []
    assert len(parsed.rows) == 27  # the total row ends the table; the two summary rows are not schemes
    assert parsed.rated_on == date(2013, 1, 23)
    assert parsed.assessed_on == date(2013, 3, 14)
    thwaites = next(r for r in parsed.rows if r.name == "Thwaites")
    assert thwaites.reference == "22"  # no File REF: its "No" is the reference
    assert any("Adult Intergrated Care" in w and "gives 8" in w for w in parsed.warnings)


pytestmark = pytest.mark.django_db


@pytest.fixture
def bexley():
    return OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")


def test_import_creates_27_schemes_with_paper_totals(bexley, bexley_workbook, run_on_commit):
    report = run_on_commit(workbook_import, actor=None, organisation=bexley, year_name="2013/14",
                           source=bexley_workbook)
    assert len(report.created) == 27
    schemes = Scheme.objects.filter(organisation=bexley)
    assert schemes.count() == 27
    total = {f: sum(getattr(s, f) for s in schemes) for f in
             ("plan_in_year", "most_likely", "director_value", "director_next_year", "full_year_effect")}
    assert abs(total["plan_in_year"] - D("11576188")) <= 2
    assert abs(total["most_likely"] - D("10425159")) <= 2
    assert abs(total["director_next_year"] - D("5390489")) <= 2
    assert total["full_year_effect"] == D("16878104")
    # The paper's own total (10,410,339) is £1 less than its rows add up to (10,410,340).
    assert abs(total["director_value"] - D("10410340")) <= 2
    pmc = schemes.get(reference="15a")
    assert pmc.director_value == D("141000.00")
    assert pmc.overridden_fields == ["director_value"]
    assert FigureOverride.objects.get(scheme=pmc).reason.startswith(IMPORT_REASON)
    adult = schemes.get(reference="1")
    assert adult.plan_in_year == D("1164417.00")
    assert adult.most_likely == D("1164417.00")
    assert adult.next_year_effect == D("834862.00")
    assert adult.overridden_fields == ["plan_in_year"]
    assert {o.scheme.reference for o in FigureOverride.objects.all()} == {"1", "30", "3", "15a"}
    sitting = PanelSitting.objects.get(organisation=bexley)
    assert sitting.held_on == date(2013, 1, 23)
    assert SchemeRating.objects.filter(sitting=sitting).count() == 27
    assert DirectorAssessment.objects.filter(assessed_on=date(2013, 3, 14)).count() == 12


def test_reimporting_the_same_file_changes_nothing(bexley, bexley_workbook, run_on_commit):
    run_on_commit(workbook_import, actor=None, organisation=bexley, year_name="2013/14", source=bexley_workbook)
    history = Scheme.history.count()
    counts = (FigureOverride.objects.count(), SchemeRating.objects.count(), DirectorAssessment.objects.count(),
              SchemeRating.history.count(), FigureOverride.history.count())
    versions = list(Scheme.objects.order_by("pk").values_list("version", flat=True))
    report = run_on_commit(workbook_import, actor=None, organisation=bexley, year_name="2013/14",
                           source=bexley_workbook)
    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == 27
    assert Scheme.history.count() == history
    assert counts == (FigureOverride.objects.count(), SchemeRating.objects.count(),
                      DirectorAssessment.objects.count(), SchemeRating.history.count(),
                      FigureOverride.history.count())
    assert versions == list(Scheme.objects.order_by("pk").values_list("version", flat=True))


def test_creates_the_financial_year_when_missing(bexley, bexley_workbook):
    assert not FinancialYear.objects.filter(start_year=2013).exists()
    workbook_import(actor=None, organisation=bexley, year_name="2013/14", source=bexley_workbook)
    assert FinancialYear.objects.filter(start_year=2013).exists()


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ({"P10": "Purple"}, "row 10, column P (Overall Scheme Rating): 'Purple' is not a RAG rating"),
        ({"I12": "lots"}, "row 12, column I ((Full Year) Effect Net Saving): the full-year effect must be an amount"),
        ({"F7": "sometime soon"}, "row 7, column F (Go 'Live' Date): the go-live date must be a month like Jul-13"),
        ({"D9": None}, "row 9, column D (Scheme Heading): this row has figures but no scheme heading"),
        ({"J15": "n/a"}, "row 15, column J (2013 / 2014 Plan): this must be an amount in pounds"),
    ],
)
def test_bad_rows_are_reported_with_sheet_row_and_column_and_nothing_is_saved(
    bexley, bexley_workbook, tmp_path, edits, expected
):
    path = edited(bexley_workbook, tmp_path, edits)
    with pytest.raises(WorkbookInvalid) as raised:
        workbook_import(actor=None, organisation=bexley, year_name="2013/14", source=path)
    assert f"sheet 'Appendix 1', {expected}" in str(raised.value)
    assert Scheme.objects.count() == 0
    assert FigureOverride.objects.count() == 0


def test_every_problem_in_the_workbook_is_reported_not_only_the_first(bexley, bexley_workbook, tmp_path):
    path = edited(bexley_workbook, tmp_path, {"P10": "Purple", "F11": "soon"})
    with pytest.raises(WorkbookInvalid) as raised:
        workbook_import(actor=None, organisation=bexley, year_name="2013/14", source=path)
    assert [(problem.row, problem.column.split()[0]) for problem in raised.value.problems] == [(10, "P"), (11, "F")]
    assert Scheme.objects.count() == 0


def test_title_rows_above_the_header_are_skipped(bexley_workbook, tmp_path):
    path = edited(bexley_workbook, tmp_path, {"A1": "Extra title", "A2": "Another title"}, insert_rows=1)
    parsed = read_workbook(path, 2013)
    assert parsed.problems == [] and len(parsed.rows) == 27


def test_wrong_year_is_refused(bexley, bexley_workbook):
    with pytest.raises(WorkbookInvalid) as raised:
        workbook_import(actor=None, organisation=bexley, year_name="2014/15", source=bexley_workbook)
    assert "the heading 'No of Months Saving in 13/14' is for another year: this import is for 2014/15" in str(
        raised.value
    )
    assert Scheme.objects.count() == 0


def test_rows_below_the_total_are_not_imported(bexley_workbook, tmp_path):
    # A scheme-looking row under the total row (like Bexley's summary rows) is ignored.
    path = edited(bexley_workbook, tmp_path, {"D36": "Not a scheme", "I36": 1000})
    parsed = read_workbook(path, 2013)
    assert "Not a scheme" not in [r.name for r in parsed.rows]


def test_command_imports_and_reports(bexley, bexley_workbook, capsys):
    call_command("import_workbook", str(bexley_workbook), "--organisation", "07N", "--year", "2013/14")
    out = capsys.readouterr().out
    assert "27 created" in out
    assert "GP QIPP - PMC: Director's value this year £141,000 in the file, £150,000.00 by the formula" in out
    # History names the portal's "workbook import", never a person.
    scheme = Scheme.objects.get(organisation=bexley, name="GP QIPP - PMC")
    assert scheme.history.latest().history_user.get_full_name() == "workbook import (system)"


def test_command_needs_an_existing_organisation(bexley_workbook):
    with pytest.raises(CommandError, match="No organisation has ODS code ZZZ"):
        call_command("import_workbook", str(bexley_workbook), "--organisation", "ZZZ", "--year", "2013/14")


def test_command_refuses_a_bad_year_name(bexley, bexley_workbook):
    with pytest.raises(CommandError, match="not a financial year"):
        call_command("import_workbook", str(bexley_workbook), "--organisation", "07N", "--year", "2013-2014")


def test_command_refuses_a_file_that_is_not_a_workbook(bexley, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(CommandError, match="“notes.xlsx” ends .xlsx but is not an Excel workbook"):
        call_command("import_workbook", str(path), "--organisation", "07N", "--year", "2013/14")


def test_one_recompute_task_per_transaction(bexley, bexley_workbook, django_capture_on_commit_callbacks):
    """An import touches hundreds of records; the worker gets one task for the whole transaction."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workbook_import(actor=None, organisation=bexley, year_name="2013/14", source=bexley_workbook)
    # The task goes through the outbox (docs/adr/0007): one message, sent on commit, naming all 27 schemes.
    assert len(callbacks) == 1
    (message,) = OutboxMessage.objects.all()
    assert message.task == recompute_scheme_figures.name
    assert len(message.arguments[0]) == 27


def test_blank_rows_inside_the_table_are_skipped(bexley_workbook, tmp_path):
    book = openpyxl.load_workbook(bexley_workbook)
    book.active.insert_rows(12, amount=2)  # two empty rows between schemes
    path = tmp_path / "gaps.xlsx"
    book.save(path)
    parsed = read_workbook(path, 2013)
    assert parsed.problems == []
    assert len(parsed.rows) == 27
