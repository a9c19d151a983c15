"""The risk register import (issue 8 section 1): the command and the check, all or nothing, bad input by
sheet, row and column, and re-importing changing nothing."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from governance.models import Role
from risks.importers import WorkbookInvalid, read_risk_workbook, risk_import, risk_import_check
from risks.models import Risk
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, SchemeFactory, member
from tests.workbooks import active_sheet

HEADER = ["Risk", "Category", "Scheme", "Owner", "Start likelihood", "Start impact", "Current likelihood",
          "Current impact", "Target likelihood", "Target impact", "Impact", "Mitigation", "Review date"]
S117 = ["Failure to address Section 117/CHC disputes with Local Authorities", "Service/Transformation Delivery",
        "", "Chief Operating Officer", 4, 4, "20 4x4", None, 1, 4, "Statutory recommendations",
        "CHC Improvement Plan, Deloitte Review", "31/03/2019"]
DATA = ["Failure to provide accurate data on activity and finance", "Quality", "Planned care", "Chief Nurse",
        "16 Red", None, 4, 4, "12 Amber", None, "", "", None]


def workbook(*rows: list, title_rows: int = 2, header: list | None = None, sheet: str = "Risks") -> bytes:
    book = openpyxl.Workbook()
    ws = active_sheet(book)
    ws.title = sheet
    for n in range(title_rows):
        ws.append([f"Operational risks, title row {n + 1}"])
    ws.append(header or [h.upper() if i % 2 else f" {h.lower()}. " for i, h in enumerate(HEADER)])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(content: bytes) -> list[str]:
    with pytest.raises(WorkbookInvalid) as refused:
        parsed = read_risk_workbook(io.BytesIO(content), name="risks.xlsx")
        raise WorkbookInvalid(parsed.problems)
    return [str(p) for p in refused.value.problems]


def test_columns_match_ignoring_case_spacing_punctuation_below_title_rows():
    parsed = read_risk_workbook(io.BytesIO(workbook(S117, DATA)))
    assert not parsed.problems
    s117, data = parsed.rows
    assert (s117.row, s117.category, s117.owner) == (4, "service_delivery", "Chief Operating Officer")
    assert s117.scores["current"].text == "20 4x4" and s117.scores["current"].disagrees
    assert s117.review_date.isoformat() == "2019-03-31"
    assert (data.scores["year_start"].score, data.scores["year_start"].likelihood) == (16, None)


@pytest.mark.parametrize(("row_change", "expected"), [
    ({4: 6}, "sheet 'Risks', row 4, column E (start likelihood.): Start likelihood is 1 to 5, not 6"),
    ({7: "high"}, "sheet 'Risks', row 4, column H (CURRENT IMPACT): 'high' is not a current impact"),
    ({6: "twenty 5x4"}, "row 4, column G (current likelihood.): 'twenty 5x4' is not a current likelihood: "
                        "give a whole number from 1 to 5, or a score such as '20 5x4 Red'"),
    ({8: "7 Amber", 9: None}, "row 4, column I (target likelihood.): '7 Amber' is not a target likelihood"),
    ({12: "someday"}, "row 4, column M (review date.): 'someday' is not a date"),
    ({1: "Weather"}, "row 4, column B (CATEGORY): 'Weather' is not a category"),
    ({9: None}, "row 4, column J (TARGET IMPACT): give the target likelihood and impact together, or neither"),
])
def test_bad_cells_are_named_by_sheet_row_and_column(row_change, expected):
    row = list(S117)
    row[7] = 4  # current 4x4
    row[6] = 4
    for index, value in row_change.items():
        row[index] = value
    found = problems_of(workbook(row))
    assert any(expected in p for p in found), found


def test_a_missing_column_is_named():
    header = [h for h in HEADER if h != "Target impact"]
    found = problems_of(workbook(S117[:9] + S117[10:], header=header))
    assert found == ["sheet 'Risks', row 3: no 'Target impact' column (or 'Target score') was found in the header"]


def test_a_file_that_is_not_a_workbook_is_refused_in_words():
    with pytest.raises(WorkbookInvalid, match="“risks.csv” is not an Excel workbook"):
        read_risk_workbook(io.BytesIO(b"Risk,Owner\nA,B\n"), name="risks.csv")
    with pytest.raises(WorkbookInvalid, match="could not be read as an Excel workbook"):
        read_risk_workbook(io.BytesIO(b"PK\x03\x04 a broken zip archive"), name="risks.xlsx")
    with pytest.raises(WorkbookInvalid, match="No sheet has a header row with a 'Risk' column"):
        read_risk_workbook(io.BytesIO(workbook(["x"], header=["Nothing", "Here"])))


@pytest.mark.django_db
def test_import_all_or_nothing_and_again_changes_nothing(tmp_path: Path):
    organisation = OrganisationFactory(ods_code="06H")
    year = FinancialYearFactory(start_year=2018)
    ProgrammeFactory(organisation=organisation, name="Planned care")
    SchemeFactory(organisation=organisation, year=year, reference="CHC1")
    good = tmp_path / "risks.xlsx"
    good.write_bytes(workbook(S117, DATA))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(S117, [*DATA[:4], 6, 4, *DATA[6:]]))
    with pytest.raises(CommandError) as refused:
        call_command("import_risks", str(bad), organisation="06H", year="2018/19")
    assert "nothing was saved" in str(refused.value)
    assert "row 5, column E (start likelihood.): Start likelihood is 1 to 5, not 6" in str(refused.value)
    assert not Risk.objects.exists()

    out = io.StringIO()
    call_command("import_risks", str(good), organisation="06H", year="2018/19", stdout=out)
    assert "2 created, 0 updated, 0 unchanged" in out.getvalue()
    s117 = Risk.objects.get(title__startswith="Failure to address Section 117")
    assert (s117.current_score, s117.current_band, s117.current_published) == (16, "Red", "20 4x4")
    data = Risk.objects.get(title__startswith="Failure to provide accurate data")
    assert (data.year_start_likelihood, data.year_start_impact) == (4, 4)  # "16 Red": one split
    assert (data.target_likelihood, data.target_impact) == (3, 4)  # "12 Amber": impact fixed by the others
    assert data.programme is not None and data.programme.name == "Planned care"
    history = Risk.history.count()
    out = io.StringIO()
    call_command("import_risks", str(good), organisation="06H", year="2018/19", stdout=out)
    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()
    assert Risk.history.count() == history


@pytest.mark.django_db
def test_check_saves_nothing_and_an_unknown_scheme_is_a_problem():
    organisation = OrganisationFactory()
    FinancialYearFactory(start_year=2018)
    editor = member(organisation, Role.PMO_EDITOR)
    report = risk_import_check(actor=editor, organisation=organisation, year_name="2018/19",
                               source=io.BytesIO(workbook(S117)))
    assert report.created == [S117[0]] and not Risk.objects.exists()
    with pytest.raises(WorkbookInvalid) as refused:
        risk_import(actor=editor, organisation=organisation, year_name="2018/19",
                    source=io.BytesIO(workbook(S117, DATA)))
    assert "row 5, column Scheme: no scheme or programme" in str(refused.value)
    assert not Risk.objects.exists()
