"""Reading a risk register workbook: pure, no database. The table is found below any title rows, its
columns matched ignoring case, spacing and punctuation, and each row read into a RiskRow or a problem by
sheet, row and column. A score cell written as the papers do ("20 5x4 Red") is accepted in place of a
likelihood/impact pair.
"""

from __future__ import annotations

import io
import itertools
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import openpyxl
from openpyxl.utils import get_column_letter

from governance.services import file_checksum
from risks.models import STAGES, Category
from risks.scoring import PublishedScore, parse_score_text
from schemes.importers import (
    CHECK_SECONDS,
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    Problem,
    WorkbookInvalid,
    check_workbook,
    content_of,
    hostile_xml_refused,
    limited_rows,
    normalise,
    not_a_workbook,
)

# Header (normalised) -> our key. The likelihood columns also take a whole score ("20 5x4 Red").
HEADERS: dict[str, str] = {
    "risk": "title", "riskidentified": "title", "riskidentifieddescription": "title", "title": "title",
    "category": "category", "scheme": "scheme", "schemeorprogramme": "scheme", "programme": "scheme",
    "workstream": "scheme", "owner": "owner", "seniorriskownersro": "owner", "sro": "owner",
    "startlikelihood": "year_start_likelihood", "startimpact": "year_start_impact",
    "yearstartlikelihood": "year_start_likelihood", "yearstartimpact": "year_start_impact",
    "currentlikelihood": "current_likelihood", "currentimpact": "current_impact",
    "targetlikelihood": "target_likelihood", "targetimpact": "target_impact",
    "startscore": "year_start_score", "yearstartscore": "year_start_score", "currentscore": "current_score",
    "targetscore": "target_score",
    "impact": "impact", "mitigation": "mitigation", "mitigatingactions": "mitigation",
    "actionsmitigations": "mitigation", "reviewdate": "review_date", "nextreviewdate": "review_date",
}
LABELS = {"title": "Risk", "year_start_likelihood": "Start likelihood", "year_start_impact": "Start impact",
          "current_likelihood": "Current likelihood", "current_impact": "Current impact",
          "target_likelihood": "Target likelihood", "target_impact": "Target impact"}
CATEGORY_WORDS = (("service", Category.SERVICE_DELIVERY), ("transformation", Category.SERVICE_DELIVERY),
                  ("stakeholder", Category.STAKEHOLDER), ("quality", Category.QUALITY),
                  ("financ", Category.FINANCIAL), ("governance", Category.GOVERNANCE),
                  ("leadership", Category.GOVERNANCE))
TEXT_LIMITS = {"title": 300, "owner": 200, "impact": 4000, "mitigation": 4000}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d %b %Y", "%d %B %Y")


@dataclass
class RiskRow:
    row: int
    title: str
    category: str
    scheme: str
    owner: str
    impact: str
    mitigation: str
    review_date: date | None
    scores: dict[str, PublishedScore | None]


@dataclass
class ParsedRisks:
    sheet: str
    rows: list[RiskRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_name: str = ""
    checksum: str = ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _find_header(rows: list[tuple[Any, ...]]) -> int | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(HEADERS.get(normalise(cell)) == "title" for cell in row):
            return index
    return None


def read_risk_workbook(source: str | Path | IO[bytes], *, name: str | None = None) -> ParsedRisks:
    """Read the risk table of a workbook. Pure: no database. Problems are by sheet, row and column."""
    deadline = time.monotonic() + CHECK_SECONDS
    name, content = content_of(source, name)
    check_workbook(name, content)  # by its bytes: a bounded .xlsx with no DTD (schemes.importers.content)
    try:
        # Read-only, the values Excel saved (data_only): nothing is evaluated (schemes.importers.content).
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    except Exception:  # openpyxl raises many types for an archive that is not a workbook
        raise WorkbookInvalid([not_a_workbook(name)]) from None
    with hostile_xml_refused(name):
        try:
            return _read_sheets(book, name, content, deadline)
        finally:
            book.close()


def _read_sheets(book: Any, name: str | None, content: bytes, deadline: float) -> ParsedRisks:
    """The first sheet with a risk table, read."""
    for sheet in book.sheetnames:
        worksheet = book[sheet]
        worksheet.reset_dimensions()
        rows = limited_rows(sheet, worksheet.iter_rows(values_only=True), deadline)
        top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        header = _find_header(top)
        if header is not None:
            parsed = _read_table(sheet, itertools.chain(top[header + 1:], rows), top[header], header + 1)
            parsed.file_name, parsed.checksum = name or "", file_checksum(content)  # for the import's record
            return parsed
    raise WorkbookInvalid(["No sheet has a header row with a 'Risk' column (looked in the first "
                           f"{HEADER_SEARCH_ROWS} rows of every sheet)."])


def _read_table(sheet: str, rows: Any, header: tuple[Any, ...], header_row: int) -> ParsedRisks:
    parsed = ParsedRisks(sheet=sheet)
    columns: dict[str, int] = {}
    labels: dict[int, str] = {}
    for index, cell in enumerate(header):
        key = HEADERS.get(normalise(cell))
        if key and key not in columns:
            columns[key] = index
            labels[index] = _text(cell)
    for stage, label in (("year_start", "Start"), ("current", "Current"), ("target", "Target")):
        if f"{stage}_score" in columns:
            continue
        for part in ("likelihood", "impact"):
            if f"{stage}_{part}" not in columns:
                parsed.problems.append(Problem(sheet, header_row, "", f"no '{label} {part}' column (or "
                                                                      f"'{label} score') was found in the header"))
    if parsed.problems:
        return parsed

    def where(key: str) -> str:
        index = columns[key]
        return f"{get_column_letter(index + 1)} ({labels.get(index, '')})"

    data_rows = 0
    for number, row in enumerate(rows, start=header_row + 1):
        cells = list(row)
        if all(_text(c) == "" for c in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise WorkbookInvalid([f"Sheet '{sheet}' has more than {MAX_ROWS:,} rows of risks below its header: "
                                   "nothing has been saved. Split the register into smaller workbooks."])
        _read_row(parsed, sheet, number, cells, columns, where)
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(sheet, header_row, "", "the table has no risks"))
    return parsed


def _one_to_five(value: Any, label: str) -> tuple[int | None, PublishedScore | None, str]:
    """A likelihood or impact cell: (number, or a whole score written in it, or a problem)."""
    if value is None or _text(value) == "":
        return None, None, ""
    if isinstance(value, bool):
        return None, None, f"'{value}' is not a {label.lower()}: give a whole number from 1 to 5"
    if isinstance(value, int | float):
        if float(value).is_integer() and 1 <= value <= 5:
            return int(value), None, ""
        return None, None, f"{label} is 1 to 5, not {_text(value)}"
    text = _text(value)
    if text.isdigit():
        return _one_to_five(int(text), label)
    try:
        return None, parse_score_text(text), ""
    except ValueError:
        return None, None, (f"'{text[:40]}' is not a {label.lower()}: give a whole number from 1 to 5, or a score "
                            "such as '20 5x4 Red'")


def _read_row(parsed: ParsedRisks, sheet: str, number: int, cells: list[Any], columns: dict[str, int],
              where: Any) -> None:
    problems: list[Problem] = []

    def cell(key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def problem(key: str, message: str) -> None:
        problems.append(Problem(sheet, number, where(key) if key in columns else "", message))

    title = _text(cell("title"))
    if not title:
        problem("title", "the risk has no text in the 'Risk' column")
    texts: dict[str, str] = {}
    for key in ("owner", "impact", "mitigation", "scheme", "category"):
        texts[key] = _text(cell(key))
    for key, limit in TEXT_LIMITS.items():
        value = title if key == "title" else texts.get(key, "")
        if len(value) > limit:
            problem(key, f"{len(value):,} characters: at most {limit:,} are kept")
    category = ""
    if texts["category"]:
        word = normalise(texts["category"])
        category = next((choice for stem, choice in CATEGORY_WORDS if stem in word), "")
        if not category:
            problem("category", f"'{texts['category'][:40]}' is not a category: use "
                                f"{', '.join(str(label) for label in Category.labels)}")
    review: date | None = None
    raw_review = cell("review_date")
    if isinstance(raw_review, datetime):
        review = raw_review.date()
    elif isinstance(raw_review, date):
        review = raw_review
    elif _text(raw_review):
        for pattern in DATE_FORMATS:
            try:
                review = datetime.strptime(_text(raw_review), pattern).date()
                break
            except ValueError:
                continue
        else:
            problem("review_date", f"'{_text(raw_review)[:40]}' is not a date: write it like 31/03/2019")
    if review is not None and not date(2000, 1, 1) <= review <= date(2099, 12, 31):
        problem("review_date", f"{review:%d/%m/%Y} is not a review date between 2000 and 2099")
    scores: dict[str, PublishedScore | None] = {}
    for stage in STAGES:
        lik_key, imp_key, score_key = f"{stage}_likelihood", f"{stage}_impact", f"{stage}_score"
        likelihood, written, bad = _one_to_five(cell(lik_key), LABELS[lik_key])
        if bad:
            problem(lik_key, bad)
        impact, written_in_impact, bad = _one_to_five(cell(imp_key), LABELS[imp_key])
        if bad or written_in_impact is not None:
            problem(imp_key, bad or f"{LABELS[imp_key]} is a number from 1 to 5 (write a whole score such as "
                                    "'20 5x4 Red' in the likelihood column)")
        if _text(cell(score_key)):
            try:
                written = parse_score_text(_text(cell(score_key)))
            except ValueError as error:
                problem(score_key, str(error))
        if written is not None:
            if likelihood is not None or impact is not None:
                problem(lik_key, "give either a score such as '20 5x4 Red' or a likelihood and an impact, not both")
            scores[stage] = written
        elif likelihood is not None and impact is not None:
            scores[stage] = PublishedScore(f"{likelihood}x{impact}", None, likelihood, impact, None)
        elif likelihood is not None or impact is not None:
            missing = imp_key if impact is None else lik_key
            problem(missing, f"give the {LABELS[lik_key].split()[0].lower()} likelihood and impact together, "
                             "or neither")
            scores[stage] = None
        else:
            scores[stage] = None
    if problems:
        parsed.problems.extend(problems)
        return
    parsed.rows.append(RiskRow(number, title, category, texts["scheme"], texts["owner"], texts["impact"],
                               texts["mitigation"], review, scores))
