"""The ledger import: reading CSV and .xlsx, every bad input refused whole, the preview, the import and its record,
the command, and the browser's check-then-confirm page."""

from __future__ import annotations

import html
import io
import tempfile
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from finance.calculations import BudgetMonthFigures, budget_row, spread_evenly
from finance.importers import WorkbookInvalid, ledger_check, ledger_import, month_number, read_ledger
from finance.models import BudgetLine, BudgetMonth
from finance.services import budget_line_record
from finance.views.ledger import SESSION_KEY
from governance.models import FinancialYear, ImportChange, ImportKind, ImportRecord, Organisation, Role
from governance.services import file_checksum
from schemes import uploads
from tests.factories import FinancialYearFactory, OrganisationFactory, member
from tests.workbooks import active_sheet

pytestmark = pytest.mark.django_db
URL = "/finance/budgets/import/"
HEADER = "Budget line,Month,Plan,Actual,Forecast\n"
K = Decimal(1000)


# --- Fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_temp_dir(tmp_path, monkeypatch):
    """Kept uploads go under this test's own temp folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


@pytest.fixture
def cambs() -> Organisation:
    return OrganisationFactory(ods_code="06H", name="NHS Cambridgeshire and Peterborough CCG")


@pytest.fixture
def year() -> FinancialYear:
    return FinancialYearFactory(start_year=2018)


def csv_file(text: str, *, encoding: str = "utf-8", bom: bool = False) -> io.BytesIO:
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


def xlsx_file(rows: list[list[object]], *, title_rows: int = 0, sheet: str = "Ledger") -> io.BytesIO:
    book = openpyxl.Workbook()
    first = active_sheet(book)
    first.title = "Notes"
    first.append(["Nothing here"])
    ledger = book.create_sheet(sheet)
    for number in range(title_rows):
        ledger.append([f"Title {number + 1}"] if number == 0 else [])
    for row in rows:
        ledger.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def problems_of(source: io.BytesIO, name: str = "ledger.csv", start_year: int = 2018) -> list[str]:
    """What reading refuses: a whole-file problem is raised, row problems are collected (both say nothing saved)."""
    try:
        parsed = read_ledger(source, start_year=start_year, name=name)
    except WorkbookInvalid as refused:
        return [str(problem) for problem in refused.problems]
    assert parsed.problems
    return [str(problem) for problem in parsed.problems]


def check(organisation: Organisation, source: io.BytesIO, name: str = "ledger.csv"):
    return ledger_check(actor=None, organisation=organisation, year_name="2018/19", source=source, name=name)


def do_import(organisation: Organisation, source: io.BytesIO, name: str = "ledger.csv"):
    return ledger_import(actor=None, organisation=organisation, year_name="2018/19", source=source, name=name)


def nothing_saved() -> bool:
    return not BudgetLine.objects.exists() and not BudgetMonth.objects.exists() and not ImportRecord.objects.exists()


# --- Reading ----------------------------------------------------------------------------------------


def test_a_csv_saved_by_excel_with_a_bom_title_rows_and_loose_headings_is_read_exactly():
    text = ("Cambridgeshire ledger, Month 10\n\n"
            " BUDGET LINE ,month,  Plan ,Actual,Forecast\n"
            'Acute,M1,"£50,330,400.00","50,752,800",\n'
            "Acute,Feb-19,(1.50),,\"1,000.25\"\n"
            "Running costs,April 2018,0,,\n")
    parsed = read_ledger(csv_file(text, bom=True), start_year=2018, name="ledger.csv")
    assert parsed.sheet == "" and parsed.problems == []
    first, feb, running = parsed.rows
    assert (first.row, first.line, first.month) == (4, "Acute", 1)
    assert first.plan == Decimal("50330400.00") and first.actual == Decimal("50752800") and first.forecast is None
    assert (feb.month, feb.plan, feb.actual, feb.forecast) == (11, Decimal("-1.50"), None, Decimal("1000.25"))
    assert (running.line, running.month, running.plan) == ("Running costs", 1, Decimal(0))
    assert all(isinstance(value, Decimal) for row in parsed.rows for value in (row.plan,))
    assert parsed.checksum == file_checksum(b"\xef\xbb\xbf" + text.encode())


def test_a_csv_saved_in_windows_1252_keeps_its_pound_signs():
    parsed = read_ledger(csv_file(HEADER + "Acute,M2,£1000,£999.99,\n", encoding="cp1252"), start_year=2018)
    assert parsed.rows[0].plan == Decimal("1000") and parsed.rows[0].actual == Decimal("999.99")


def test_an_xlsx_is_read_from_the_sheet_with_the_table_below_its_title_rows_with_real_dates_and_numbers():
    source = xlsx_file([["Budget line", "Month", "Plan", "Actual", "Forecast"],
                        ["Acute", "M1", 50330400, 50752800.5, None],
                        ["Acute", datetime(2019, 3, 1), "£1,000", None, 1234.56]], title_rows=2)
    parsed = read_ledger(source, start_year=2018, name="ledger.xlsx")
    assert parsed.sheet == "Ledger"
    assert [(r.row, r.month, r.plan, r.actual, r.forecast) for r in parsed.rows] == [
        (4, 1, Decimal("50330400"), Decimal("50752800.5"), None),
        (5, 12, Decimal("1000"), None, Decimal("1234.56")),
    ]


@pytest.mark.parametrize(("text", "month"), [
    ("M1", 1), ("m12", 12), ("Month 3", 3), ("M03", 3), ("Apr-18", 1), ("apr 2018", 1), ("April 2018", 1),
    ("Sept-18", 6), ("Dec-18", 9), ("Jan-19", 10), ("March 2019", 12), ("2019-01-01 00:00:00", 10),
])
def test_months_are_m1_to_m12_or_a_label_in_the_year(text, month):
    assert month_number(text, 2018) == (month, "")


@pytest.mark.parametrize(("text", "message"), [
    ("M13", "'M13' is not a month: write M1 (April) to M12 (March)"),
    ("M0", "'M0' is not a month"),
    ("Smarch", "'Smarch' is not a month: write M1 (April) to M12 (March), or a month such as Apr-18"),
    ("Apr-19", "Apr-19 is not in 2018/19 (April 2018 to March 2019)"),
    ("Mar-18", "Mar-18 is not in 2018/19"),
    ("", "the month is blank"),
])
def test_unknown_months_and_months_outside_the_year_are_refused_in_words(text, message):
    month, problem = month_number(text, 2018)
    assert month is None and message in problem


# --- Every bad input: a clear message with sheet, row and column, and nothing saved -------------------


def test_a_pdf_renamed_csv_is_refused_as_the_wrong_type_of_file(cambs, year):
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
    with pytest.raises(WorkbookInvalid) as refused:
        do_import(cambs, pdf, name="ledger.csv")
    assert "“ledger.csv” is a PDF document, not a CSV file or an Excel workbook" in str(refused.value)
    assert nothing_saved()


def test_binary_data_renamed_csv_and_a_broken_xlsx_are_refused(cambs, year):
    assert "is not a CSV file (it is not text)" in problems_of(io.BytesIO(b"\x00\x01\x02abc"))[0]
    assert "could not be read as an Excel workbook" in problems_of(io.BytesIO(b"PK\x03\x04broken"), "l.xlsx")[0]


def test_an_empty_file_is_refused(cambs, year):
    assert problems_of(io.BytesIO(b"")) == ["“ledger.csv” is empty. Choose the ledger file (CSV or .xlsx) again."]
    assert "there are no rows of figures below the header" in problems_of(csv_file(HEADER))[0]


def test_a_missing_column_is_named_with_the_header_row(cambs, year):
    problems = problems_of(csv_file("Title\nBudget line,Month,Plan,Forecast\nAcute,M1,1,\n"))
    assert problems == ["row 2: there is no 'Actual' column in the header row: the columns are Budget line, "
                        "Month, Plan, Actual, Forecast"]
    assert "No header row with the columns Budget line, Month, Plan, Actual, Forecast" in problems_of(
        csv_file("Line,Period,Plan\nAcute,M1,1\n"))[0]


def test_every_bad_row_is_listed_by_sheet_row_and_column_and_nothing_is_saved(cambs, year):
    long_name = "A" * 201
    source = xlsx_file([
        ["Budget line", "Month", "Plan", "Actual", "Forecast"],
        ["Acute", "M1", 100, 90, None],              # row 3: fine
        ["Acute", "M13", 100, None, None],           # row 4: unknown month
        ["Acute", "Apr-19", 100, None, None],        # row 5: month outside the year
        ["Acute", "M1", 100, None, None],            # row 6: a month twice for one line
        ["Acute", "M2", "12k", None, None],          # row 7: non-numeric money
        ["Acute", "M3", 100, "TBC", None],           # row 8: text in a number column
        [long_name, "M4", 100, None, None],          # row 9: too-long line name
        ["Acute", "M5", 10_000_000_000, None, None],  # row 10: money out of range
        ["Acute", "M6", "1.234", None, None],        # row 11: more than 2 decimals
        ["Acute", "M7", None, 5, None],              # row 12: no plan
    ], title_rows=1)
    with pytest.raises(WorkbookInvalid) as refused:
        do_import(cambs, source, name="ledger.xlsx")
    problems = [str(p) for p in refused.value.problems]
    assert problems == [
        "sheet 'Ledger', row 4, column B (Month): 'M13' is not a month: write M1 (April) to M12 (March)",
        "sheet 'Ledger', row 5, column B (Month): Apr-19 is not in 2018/19 (April 2018 to March 2019)",
        "sheet 'Ledger', row 6, column B (Month): M1 of Acute is also on row 3: give each line's month once",
        "sheet 'Ledger', row 7, column C (Plan): '12k' is not an amount in pounds: write it like 50,330,400 or "
        "1234.56, with a negative in brackets like (1,234.56)",
        "sheet 'Ledger', row 8, column D (Actual): 'TBC' is not an amount in pounds: write it like 50,330,400 or "
        "1234.56, with a negative in brackets like (1,234.56)",
        "sheet 'Ledger', row 9, column A (Budget line): the budget line's name has 201 characters: at most 200 "
        "are kept",
        "sheet 'Ledger', row 10, column C (Plan): The plan must be less than £10,000,000,000 (and more than "
        "-£10,000,000,000).",
        "sheet 'Ledger', row 11, column C (Plan): Enter the plan to the nearest penny (at most 2 decimal places).",
        "sheet 'Ledger', row 12, column C (Plan): the plan is blank: give the month's budget in pounds (0 if it "
        "has none)",
    ]
    assert nothing_saved()


def test_a_sheet_longer_than_the_rows_read_is_refused_not_cut_short(monkeypatch):
    from finance.importers import reading

    monkeypatch.setattr(reading, "READ_ROWS", 5)
    rows: list[list[object]] = [["Budget line", "Month", "Plan", "Actual", "Forecast"]]
    rows += [[], [], [], [], ["Acute", "M1", 1, None, None]]  # figures below blank rows, past the rows read
    assert "has more than 10,000 rows below its header" in problems_of(xlsx_file(rows), "l.xlsx")[0]


def test_a_csv_problem_names_row_and_column_without_a_sheet(cambs, year):
    problems = problems_of(csv_file(HEADER + "Acute,M1,1,,\nAcute,M1,2,,\n"))
    assert problems == ["row 3, column B (Month): M1 of Acute is also on row 2: give each line's month once"]


def test_a_bad_row_late_in_the_file_leaves_an_existing_ledger_untouched(cambs, year):
    do_import(cambs, csv_file(HEADER + "Acute,M1,100,90,\n"))
    with pytest.raises(WorkbookInvalid):
        do_import(cambs, csv_file(HEADER + "Acute,M1,100,95,\nMental health,M1,5,,\nAcute,M2,x,,\n"))
    assert BudgetMonth.objects.get().actual == Decimal(90)
    assert list(BudgetLine.objects.values_list("name", flat=True)) == ["Acute"]
    assert ImportRecord.objects.count() == 1


def test_a_year_written_wrongly_is_refused(cambs):
    with pytest.raises(WorkbookInvalid) as refused:
        ledger_check(actor=None, organisation=cambs, year_name="2018/20", source=csv_file(HEADER))
    assert "is not a financial year" in str(refused.value)


# --- The preview, the import, its record ------------------------------------------------------------


def test_the_preview_says_which_lines_are_created_and_saves_nothing(cambs, year):
    plan = check(cambs, csv_file(HEADER + "Acute,M1,100,90,\nAcute,M2,100,,\nMental health,M1,5,,\n"))
    assert [line.name for line in plan.created] == ["Acute", "Mental health"]
    assert plan.describe(plan.lines[0]) == "not seen before in 06H 2018/19, will be created (M1–M2)"
    assert plan.row_count == 3 and plan.changed
    assert nothing_saved()


def test_import_creates_the_lines_and_months_and_records_the_import(cambs, year):
    content = (HEADER + "Acute,M1,100,90,\nAcute,M2,100,,110\nMental health,M1,5,,\n").encode()
    plan = do_import(cambs, io.BytesIO(content))
    acute = BudgetLine.objects.get(organisation=cambs, year=year, name="Acute")
    assert [(m.month, m.plan, m.actual, m.forecast) for m in acute.months.all()] == [
        (1, Decimal("100.00"), Decimal("90.00"), None), (2, Decimal("100.00"), None, Decimal("110.00"))]
    assert list(BudgetLine.objects.order_by("position").values_list("name", flat=True)) == ["Acute", "Mental health"]
    record = ImportRecord.objects.get()
    assert plan.record == record
    assert (record.kind, record.file_name, record.checksum) == (ImportKind.LEDGER, "ledger.csv",
                                                                 file_checksum(content))
    assert (record.rows_created, record.rows_updated, record.rows_unchanged) == (2, 0, 0)
    assert sorted((link.label, link.change, link.url) for link in record.links.all()) == [
        ("Acute", ImportChange.CREATED, f"/finance/budgets/lines/{acute.pk}/"),
        ("Mental health", ImportChange.CREATED, BudgetLine.objects.get(name="Mental health").get_absolute_url())]


def test_re_importing_the_same_file_changes_nothing_and_is_still_recorded(cambs, year):
    content = (HEADER + "Acute,M1,100,90,\nAcute,M2,100,,110\n").encode()
    do_import(cambs, io.BytesIO(content))
    versions = list(BudgetMonth.objects.values_list("version", flat=True))
    history = BudgetMonth.history.count()
    plan = do_import(cambs, io.BytesIO(content))
    assert (len(plan.created), len(plan.updated), len(plan.unchanged)) == (0, 0, 1)
    assert list(BudgetMonth.objects.values_list("version", flat=True)) == versions
    assert BudgetMonth.history.count() == history
    second = ImportRecord.objects.order_by("pk").last()
    assert second is not None and (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 1)
    assert ImportRecord.objects.count() == 2 and second.checksum == file_checksum(content)


def test_a_changed_figure_is_an_update_shown_old_to_new_in_the_preview(cambs, year):
    do_import(cambs, csv_file(HEADER + "Acute,M1,100,90,\nAcute,M2,100,,\nAcute,M3,100,,\n"))
    plan = check(cambs, csv_file(HEADER + "Acute,M1,100,95.5,\nAcute,M2,100,,\nAcute,M4,100,,\n"))
    (line,) = plan.updated
    assert plan.details(line) == ["M1 actual £90.00 → £95.50", "M4 added"]
    assert plan.warnings == ["Acute: M3 saved but not in the file, kept as saved"]
    assert BudgetMonth.objects.get(month=1).actual == Decimal(90)  # the preview saved nothing
    do_import(cambs, csv_file(HEADER + "Acute,M1,100,95.5,\nAcute,M2,100,,\nAcute,M4,100,,\n"))
    assert list(BudgetMonth.objects.order_by("month").values_list("month", "actual")) == [
        (1, Decimal("95.50")), (2, None), (3, None), (4, None)]
    record = ImportRecord.objects.order_by("pk").last()
    assert record is not None and record.warnings == ["Acute: M3 saved but not in the file, kept as saved"]


def test_a_line_is_matched_ignoring_case_and_spacing_and_keeps_its_saved_name(cambs, year):
    budget_line_record(actor=None, organisation=cambs, year=year, name="Acute Services", position=3)
    plan = do_import(cambs, csv_file(HEADER + "acute  services,M1,1,,\n"))
    assert [line.name for line in plan.updated] == ["Acute Services"]
    assert BudgetLine.objects.count() == 1


def test_the_check_reads_a_fixed_number_of_queries_whatever_the_number_of_lines(cambs, year):
    def queries(lines: int) -> int:
        rows = "".join(f"Line {n},M{m},100,,\n" for n in range(lines) for m in range(1, 13))
        do_import(cambs, csv_file(HEADER + rows))
        with CaptureQueriesContext(connection) as captured:
            check(cambs, csv_file(HEADER + rows))
        return len(captured)

    assert queries(2) == queries(8)


def test_a_line_created_by_someone_else_during_the_import_refuses_it_whole(cambs, year, monkeypatch):
    from django.db import IntegrityError

    from finance.importers import ledger

    real = ledger.budget_line_record

    def raced(**values):  # PostgreSQL: another import committed "Mental health" first, so this insert fails
        if values["name"] == "Mental health":
            raise IntegrityError("duplicate key value violates unique constraint one_budget_line_name_per_year")
        return real(**values)

    monkeypatch.setattr(ledger, "budget_line_record", raced)
    with pytest.raises(WorkbookInvalid, match="saved by someone else while this file was being imported"):
        do_import(cambs, csv_file(HEADER + "Acute,M1,1,,\nMental health,M1,2,,\n"))
    assert nothing_saved()  # Acute, written first, went with the rest


def test_a_viewer_may_not_import(cambs, year):
    from django.core.exceptions import PermissionDenied

    viewer = member(cambs, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        ledger_import(actor=viewer, organisation=cambs, year_name="2018/19", source=csv_file(HEADER + "A,M1,1,,\n"))
    assert nothing_saved()


# --- Cambridgeshire's acute line, from the demo's spread, round-trips to the paper's YTD --------------


def test_cambridgeshire_acute_m10_round_trips_to_the_papers_ytd(cambs, year):
    plans = spread_evenly(503_304 * K, 10) + spread_evenly((603_946 - 503_304) * K, 2)
    actuals = spread_evenly(507_528 * K, 10)
    forecasts = spread_evenly((608_405 - 507_528) * K, 2)
    rows = [f'Acute,M{m},"£{plans[m - 1]:,.2f}","{actuals[m - 1]:,.2f}",\n' for m in range(1, 11)]
    rows += [f'Acute,M{m},"{plans[m - 1]:,.2f}",,"{forecasts[m - 11]:,.2f}"\n' for m in (11, 12)]
    do_import(cambs, csv_file("Cambridgeshire and Peterborough CCG, M10 2018/19\n" + HEADER + "".join(rows),
                              bom=True))
    months = BudgetLine.objects.get(name="Acute").months.order_by("month")
    row = budget_row([BudgetMonthFigures(m.plan, m.actual, m.forecast) for m in months], 10)
    assert (row.ytd_plan, row.ytd_actual, row.ytd_variance) == (503_304 * K, 507_528 * K, -4_224 * K)
    assert row.ytd_variance_pct == Decimal("-0.8")
    assert (row.forecast_plan, row.forecast_actual, row.forecast_variance) == (603_946 * K, 608_405 * K,
                                                                                -4_459 * K)
    assert row.forecast_variance_pct == Decimal("-0.7")


# --- The command ------------------------------------------------------------------------------------


def test_the_command_prints_the_preview_and_the_result_and_a_dry_run_saves_nothing(cambs, year, tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text(HEADER + "Acute,M1,100,90,\n", encoding="utf-8-sig")
    call_command("import_ledger", str(path), "--organisation", "06h", "--year", "2018/19", "--dry-run")
    out = capsys.readouterr().out
    assert "Acute: not seen before in 06H 2018/19, will be created (M1)" in out
    assert "Dry run, nothing saved" in out and nothing_saved()
    call_command("import_ledger", str(path), "--organisation", "06H", "--year", "2018/19")
    out = capsys.readouterr().out
    assert "Imported. Budget lines: 1 created, 0 updated, 0 unchanged." in out
    record = ImportRecord.objects.get()
    assert record.imported_by is not None and record.imported_by.username == "system-ledger-import"
    path.write_text(HEADER + "Acute,M1,100,92,\n", encoding="utf-8")
    call_command("import_ledger", str(path), "--organisation", "06H", "--year", "2018/19")
    out = capsys.readouterr().out
    assert "Acute: M1 actual £90.00 → £92.00" in out and "0 created, 1 updated, 0 unchanged" in out


def test_the_command_exits_non_zero_with_the_messages_on_bad_input(cambs, year, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(HEADER + "Acute,M14,100,,\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_ledger", str(path), "--organisation", "06H", "--year", "2018/19")
    assert "ledger.csv was not imported; nothing was saved" in str(refused.value)
    assert "row 2, column B (Month): 'M14' is not a month" in str(refused.value)
    with pytest.raises(CommandError, match="No organisation has ODS code XXX"):
        call_command("import_ledger", str(path), "--organisation", "XXX", "--year", "2018/19")
    assert nothing_saved()


# --- The page: check (nothing saved), then confirm that same file -------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def finance_client(cambs, year) -> Client:
    return client_for(member(cambs, Role.FINANCE, username="fin"))


def upload(text: str, name: str = "ledger.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_the_page_checks_then_imports_exactly_the_checked_file(finance_client, cambs, year):
    page = text_of(finance_client.get(URL))
    assert "Importing into NHS Cambridgeshire and Peterborough CCG, 2018/19" in page and 'type="file"' in page
    checked = finance_client.post(URL, {"ledger": upload(HEADER + "Acute,M1,100,90,\nAcute,M2,100,,\n")})
    assert checked.status_code == 200
    page = text_of(checked)
    assert "Nothing has been saved yet" in page
    assert "not seen before in 06H 2018/19, will be created (M1–M2)" in page and "Import 2 rows" in page
    assert nothing_saved()
    kept = uploads.pending(finance_client.session, key=SESSION_KEY)
    assert kept is not None and uploads.pending(finance_client.session) is None  # not the scheme import's key
    done = finance_client.post(URL, {"step": "confirm", "digest": kept.digest})
    record = ImportRecord.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/imports/{record.pk}/"
    assert BudgetMonth.objects.count() == 2 and record.imported_by is not None
    assert not kept.path.exists() and not kept.claimed_path.exists()


def test_the_budgets_page_links_to_the_import_only_for_roles_that_keep_budgets(finance_client, cambs):
    assert URL in text_of(finance_client.get("/finance/budgets/"))
    viewer = client_for(member(cambs, Role.VIEWER))
    page = viewer.get("/finance/budgets/")
    assert page.status_code == 200 and URL not in text_of(page)


def test_the_import_record_page_links_to_each_line_touched(finance_client):
    finance_client.post(URL, {"ledger": upload(HEADER + "Acute,M1,100,90,\n")})
    kept = uploads.pending(finance_client.session, key=SESSION_KEY)
    assert kept is not None
    done = finance_client.post(URL, {"step": "confirm", "digest": kept.digest}, follow=True)
    page = text_of(done)
    line = BudgetLine.objects.get(name="Acute")
    assert "Imported ledger.csv into NHS Cambridgeshire and Peterborough CCG, 2018/19" in page
    assert f'href="{line.get_absolute_url()}"' in page


def test_an_invalid_file_lists_its_problems_on_the_page_and_keeps_nothing(finance_client):
    response = finance_client.post(URL, {"ledger": upload(HEADER + "Acute,M13,1,,\n")})
    page = text_of(response)
    assert response.status_code == 200 and "<title>Error:" in page
    assert "ledger.csv cannot be imported" in page and "row 2, column B (Month): 'M13' is not a month" in page
    assert uploads.pending(finance_client.session, key=SESSION_KEY) is None and nothing_saved()


def test_a_file_of_the_wrong_type_is_refused_by_its_name(finance_client):
    response = finance_client.post(URL, {"ledger": upload("x", name="ledger.pdf")})
    assert "is not a CSV file or an Excel workbook: choose a file ending .csv or .xlsx" in text_of(response)


def test_the_confirm_of_a_changed_file_is_refused(finance_client):
    finance_client.post(URL, {"ledger": upload(HEADER + "Acute,M1,100,90,\n")})
    kept = uploads.pending(finance_client.session, key=SESSION_KEY)
    assert kept is not None
    kept.path.write_bytes((HEADER + "Acute,M1,100,999999,\n").encode())  # the kept file is not what was checked
    response = finance_client.post(URL, {"step": "confirm", "digest": kept.digest})
    assert response.status_code == 409 and "not the file you checked" in text_of(response)
    assert nothing_saved()


def test_the_confirm_of_a_page_drawn_for_another_file_is_refused(finance_client):
    finance_client.post(URL, {"ledger": upload(HEADER + "Acute,M1,100,90,\n")})
    response = finance_client.post(URL, {"step": "confirm", "digest": "0" * 64})
    assert response.status_code == 409 and "since this page was shown" in text_of(response)
    assert nothing_saved()
    assert finance_client.post(URL, {"step": "confirm", "digest": "x"}).status_code == 409


def test_a_confirm_with_nothing_checked_and_a_cancel_save_nothing(finance_client):
    assert finance_client.post(URL, {"step": "confirm", "digest": "x"}).status_code == 400
    finance_client.post(URL, {"ledger": upload(HEADER + "Acute,M1,100,90,\n")})
    kept = uploads.pending(finance_client.session, key=SESSION_KEY)
    assert kept is not None
    assert finance_client.post(URL, {"step": "cancel"}).status_code == 302
    assert not kept.path.exists() and nothing_saved()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER])
def test_roles_that_do_not_keep_budgets_get_403(cambs, year, role):
    client = client_for(member(cambs, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"ledger": upload(HEADER + "Acute,M1,100,90,\n")}).status_code == 403
    assert client.post(URL, {"step": "confirm", "digest": "x"}).status_code == 403
    assert nothing_saved()


def test_administrators_may_import(cambs, year):
    client = client_for(member(cambs, Role.ADMINISTRATOR))
    assert client.get(URL).status_code == 200


def test_signed_out_users_are_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_scheme_importers_problem_text_keeps_its_sheet():
    from schemes.importers import Problem

    assert str(Problem("Appendix 1", 3, "F", "x")) == "sheet 'Appendix 1', row 3, column F: x"
    assert str(Problem("", 3, "B (Month)", "x")) == "row 3, column B (Month): x"
