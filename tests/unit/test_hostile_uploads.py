"""Every hostile file is refused cleanly by every import (issue 12): the scheme workbook, the risk register and the
ledger, on the page and by the command alike (no import has an API: the API's imports are the records, read-only).

Each file is made here: renamed PDFs and pictures, a Word document renamed .xlsx, empty, zip bombs (by ratio and by
size), entity expansion ("billion laughs"), an external entity (XXE), 100,000 rows, 50 MB, CSV text in encodings
the portal does not read. Each is refused with a message in words and nothing saved, with a bounded peak of memory
(tracemalloc), and before openpyxl or pandas reads a row of it: each is refused by what the file is (its bytes, its
zip directory, a scan of its XML) or by the CSV row count, which is what keeps every refusal within seconds; the
tests assert those bounds, not timings.
"""

from __future__ import annotations

import html
import io
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.xml
import pandas as pd
import pytest
from defusedxml import DefusedXmlException, EntitiesForbidden
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from finance.models import BudgetLine
from governance.models import ImportRecord, Role
from risks.models import Risk
from schemes.importers import WorkbookInvalid, check_workbook, hostile_xml_refused
from schemes.models import Scheme
from tests.factories import FinancialYearFactory, OrganisationFactory, member
from tests.unit.test_import_limits import (
    _CONTENT_TYPES,
    _ROOT_RELS,
    _SHEET_END,
    _SHEET_START,
    _WORKBOOK,
    _WORKBOOK_RELS,
    bad_rows,
    workbook,
    zip_bomb,
)
from tests.unit.test_risk_importer import HEADER as RISK_HEADER

pytestmark = pytest.mark.django_db

PEAK_BYTES = 500 * 1024 * 1024
LEDGER_HEADER = ["Budget line", "Month", "Plan", "Actual", "Forecast"]


@dataclass(frozen=True)
class Importer:
    url: str
    field: str
    command: str
    accepts_csv: bool
    rows: Callable[[int], Iterable[list[Any]]]  # a header and that many rows of its table

    def saved(self) -> int:
        return Scheme.objects.count() + Risk.objects.count() + BudgetLine.objects.count() + \
            ImportRecord.objects.count()


IMPORTERS = {
    "schemes": Importer("/schemes/import/", "workbook", "import_workbook", False, lambda n: bad_rows(n)),
    "risks": Importer("/risks/import/", "workbook", "import_risks", False,
                      lambda n: [RISK_HEADER, *([f"Risk {i}", "Quality", "", "Owner", 4, 4, None, None, 1, 4, "", "",
                                                 None] for i in range(n))]),
    "ledger": Importer("/finance/budgets/import/", "ledger", "import_ledger", True,
                       lambda n: [LEDGER_HEADER, *(["Acute", f"M{i % 12 + 1}", "100", "", ""] for i in range(n))]),
}


# --- The hostile files ------------------------------------------------------------------------------------------

def _package(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _workbook_parts(**replaced: bytes | str) -> dict[str, bytes | str]:
    sheet = _SHEET_START + '<row r="1"><c r="A1" t="inlineStr"><is><t>Scheme Heading</t></is></c></row>' + _SHEET_END
    return {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS, "xl/workbook.xml": _WORKBOOK,
            "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet, **replaced}


def billion_laughs() -> bytes:
    """workbook.xml declaring entities that expand to 10^9 'lol's (a few hundred bytes as written)."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    xml = _WORKBOOK.replace("<workbook ", f'<!DOCTYPE workbook [{entities}]><workbook ', 1).replace(
        'name="Schemes"', 'name="&lol9;"')
    return _package(_workbook_parts(**{"xl/workbook.xml": xml}))


def external_entity() -> bytes:
    """A sheet whose cell is an external entity: the server's /etc/passwd, if it were ever expanded."""
    sheet = (_SHEET_START.replace("<worksheet ", '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                                                 "<worksheet ", 1)
             + '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>' + _SHEET_END)
    return _package(_workbook_parts(**{"xl/worksheets/sheet1.xml": sheet}))


def utf16_entity_sheet() -> bytes:
    """The DOCTYPE hidden in UTF-16: the scan reads through the NULs."""
    sheet = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY a "b">]>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    return _package(_workbook_parts(**{"xl/worksheets/sheet1.xml": sheet.encode("utf-16")}))


def word_document() -> bytes:
    return _package({"[Content_Types].xml": _CONTENT_TYPES, "word/document.xml": "<w:document/>"})


def xlsx(rows: Iterable[list[Any]]) -> bytes:
    return workbook(rows)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
FIFTY_MB = b"PK\x03\x04" + bytes(50 * 1024 * 1024)

# name, the file (made when asked), the words each refusal has, the importers it is for (None: all).
HOSTILE: list[tuple[str, str, Callable[[Importer], bytes], str, set[str] | None]] = [
    ("pdf-renamed-xlsx", "report.xlsx", lambda imp: PDF, "is a PDF document, not", None),
    ("png-renamed-xlsx", "chart.xlsx", lambda imp: PNG, "is a picture, not", None),
    ("pdf-renamed-csv", "ledger.csv", lambda imp: PDF, "is a PDF document, not a CSV file", {"ledger"}),
    ("word-renamed-xlsx", "letter.xlsx", lambda imp: word_document(), "is a Word document, not", None),
    ("empty", "empty.xlsx", lambda imp: b"", "empty", None),
    ("zip-bomb-ratio", "bomb.xlsx", lambda imp: zip_bomb(40 * 1024 * 1024), "times its packed size", None),
    ("zip-bomb-size", "bomb.xlsx", lambda imp: zip_bomb(60 * 1024 * 1024), "unpacks to", None),
    ("billion-laughs", "laughs.xlsx", lambda imp: billion_laughs(), "document type declaration", None),
    ("external-entity", "xxe.xlsx", lambda imp: external_entity(), "document type declaration", None),
    ("utf16-entity", "xxe16.xlsx", lambda imp: utf16_entity_sheet(), "document type declaration", None),
    ("100000-rows", "rows.xlsx", lambda imp: xlsx(imp.rows(100_000)), "at most 10,000 rows", None),
    ("100000-rows-csv", "rows.csv",
     lambda imp: "\n".join(",".join(map(str, row)) for row in imp.rows(100_000)).encode(), "more than 10,000 rows",
     {"ledger"}),
    ("50-mb", "big.xlsx", lambda imp: FIFTY_MB, "50.0 MB", None),
    ("utf16-csv", "ledger.csv", lambda imp: "Budget line,Month\nAcute,M1\n".encode("utf-16"), "UTF-16", {"ledger"}),
    ("undecodable-csv", "ledger.csv", lambda imp: b"Budget line,Month\nAcute \x81\x8d\x90,M1\n",
     "not in a text encoding the portal reads", {"ledger"}),
    ("csv-renamed-xlsx", "schemes.xlsx", lambda imp: b"File REF,Scheme Heading\n1,A\n",
     "ends .xlsx but is not an Excel workbook", {"schemes", "risks"}),
]
CASES = [pytest.param(importer, hostile, id=f"{name}-{hostile[0]}")
         for name, importer in IMPORTERS.items() for hostile in HOSTILE if hostile[4] is None or name in hostile[4]]


@pytest.fixture(autouse=True)
def _private_temp_dir(tmp_path, monkeypatch):
    """Kept uploads go under this test's own temp folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


@pytest.fixture
def admin() -> Client:
    FinancialYearFactory(start_year=2013)
    client = Client()
    client.force_login(member(OrganisationFactory(ods_code="07N"), Role.ADMINISTRATOR, username="ada"))
    client.get("/")  # a steady session before measuring
    return client


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every call to the parsers that read rows (openpyxl, pandas): a hostile file must be refused before them."""
    calls: list[str] = []
    for module, name in ((openpyxl, "load_workbook"), (pd, "read_excel"), (pd, "read_csv")):
        real = getattr(module, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return calls


def _measured(work: Callable[[], str]) -> str:
    tracemalloc.start()
    try:
        said = work()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"peak {peak / 1024 / 1024:.0f} MB"
    return said


@pytest.mark.parametrize(("importer", "hostile"), CASES)
def test_a_hostile_file_is_refused_in_words_on_the_page(admin, importer, hostile, parses) -> None:
    _, name, make, words, _ = hostile
    content = make(importer)

    def post() -> str:
        response = admin.post(importer.url, {importer.field: SimpleUploadedFile(name, content)})
        assert response.status_code in (200, 400), response.status_code
        return html.unescape(response.content.decode())

    page = _measured(post)
    assert words in page, page[-3000:]
    assert importer.saved() == 0 and parses == []


@pytest.mark.parametrize(("importer", "hostile"), CASES)
def test_a_hostile_file_is_refused_in_words_by_the_command(admin, importer, hostile, parses, tmp_path: Path) -> None:
    _, name, make, words, _ = hostile
    path = tmp_path / name
    path.write_bytes(make(importer))

    def run() -> str:
        with pytest.raises(CommandError) as refused:
            call_command(importer.command, str(path), "--organisation", "07N", "--year", "2013/14")
        return str(refused.value)

    said = _measured(run)
    assert words in said and "Traceback" not in said, said
    assert importer.saved() == 0 and parses == []


def test_openpyxl_parses_through_defusedxml_which_refuses_entities_again() -> None:
    """The second line behind the scan: were a declaration to reach openpyxl, defusedxml refuses it."""
    assert openpyxl.xml.DEFUSEDXML is True
    for content in (billion_laughs(), external_entity()):
        with pytest.raises(WorkbookInvalid, match="document type declaration"):
            check_workbook("hostile.xlsx", content)
    # Opening reads workbook.xml and the sheets: openpyxl wraps defusedxml's refusal in a ValueError, which the
    # readers turn into "could not be read"; while rows are read, hostile_xml_refused does the same.
    for content in (billion_laughs(), external_entity()):
        with pytest.raises(ValueError, match="could not read") as opening:
            openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        assert isinstance(opening.value.__context__, DefusedXmlException)
    with pytest.raises(WorkbookInvalid, match="could not be read as an Excel workbook"), \
            hostile_xml_refused("hostile.xlsx"):
        raise EntitiesForbidden("xxe", None, "file:///etc/passwd", None, None, None)


def test_a_real_workbook_passes_the_content_check() -> None:
    check_workbook("schemes.xlsx", workbook(bad_rows(3)))
    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    check_workbook("saved-by-openpyxl.xlsx", out.getvalue())
