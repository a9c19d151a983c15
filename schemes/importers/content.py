"""What an uploaded file is, judged by its bytes, never its name: the one check every import makes (the scheme, risk
and ledger imports; their pages and commands alike, since each reads through here) before any parser sees it.

- A workbook (.xlsx) must be a zip archive holding `[Content_Types].xml` and `xl/workbook.xml`; its central directory
  is read first (parts, unpacked size, how far each part shrank: `check_archive`), so a zip bomb is refused before
  anything is unpacked; then its XML parts are scanned, within those bounds, for a document type declaration, which
  no spreadsheet program writes and which entity expansion ("billion laughs") and external entities (XXE) need.
  openpyxl parses through defusedxml as well (installed: requirements.txt), which refuses both again.
- openpyxl reads read-only with `data_only=True`: a formula cell gives the value Excel last calculated and saved,
  what the person saw; nothing is ever evaluated (openpyxl cannot), and no formula text reaches the portal's records
  (so none can come back out in an export). A formula cell a program saved without a value reads as blank.
- A CSV file must be text: UTF-8 (with or without Excel's byte-order mark) or Windows-1252 (Excel's "CSV" on a UK
  PC); a PDF, a picture, an old binary Office file or Unicode (UTF-16) text is named as what it is.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree.ElementTree import ParseError

import openpyxl.xml
from defusedxml import DefusedXmlException
from django.core.exceptions import ImproperlyConfigured

from schemes.importers.files import MAX_ROWS, WorkbookInvalid, check_archive, label, not_a_workbook

# Signatures of files people rename by mistake (or on purpose), in users' words.
SIGNATURES = ((b"%PDF", "a PDF document"), (b"\xd0\xcf\x11\xe0", "an older Excel (.xls) or Word file"),
              (b"\x89PNG", "a picture"), (b"\xff\xd8\xff", "a picture"), (b"GIF8", "a picture"),
              (b"{\\rtf", "a Word (RTF) document"), (b"\x1f\x8b", "a compressed (gzip) file"),
              (b"Rar!", "a compressed (RAR) archive"), (b"7z\xbc\xaf", "a compressed (7-Zip) archive"))
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive, or an empty one
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Other zip-based files, named by a part only they have.
OTHER_PACKAGES = (("word/document.xml", "a Word document"), ("ppt/presentation.xml", "a PowerPoint presentation"),
                  ("xl/workbook.bin", "an Excel binary workbook (.xlsb)"),
                  ("content.xml", "an OpenDocument (LibreOffice) file"))
XML_SUFFIXES = (".xml", ".rels", ".vml")
# Rows a sheet may hold, counted in its XML during the same scan: far more than an import reads (MAX_ROWS below a
# header, blank rows skipped), so only a file built to be slow is refused before openpyxl reads row after row of it.
MAX_SHEET_ROWS = 5 * MAX_ROWS
ROW_TAGS = (b"<row ", b"<row>")
# Markup that declares a document type or entities: spreadsheet XML never has it.
DECLARATIONS = (b"<!doctype", b"<!entity")
SCAN_CHUNK = 1024 * 1024


def _kind_of(content: bytes) -> str | None:
    return next((kind for signature, kind in SIGNATURES if content.startswith(signature)), None)


def _what(accepts_csv: bool) -> str:
    return "a CSV file or an Excel workbook" if accepts_csv else "an Excel workbook"


def _save_again(accepts_csv: bool) -> str:
    return ("Save it from Excel as CSV or as an Excel Workbook (.xlsx) and choose it again." if accepts_csv
            else "Open it in Excel and save it as an Excel Workbook (.xlsx), then choose it again.")


def signature_problem(name: str | None, head: bytes, *, accepts_csv: bool) -> str | None:
    """Why a file starting `head` is not what the import reads (a renamed PDF or picture, say), or None.

    The pages ask this of the first bytes before keeping an upload; the readers ask again of the whole file.
    """
    kind = _kind_of(head)
    if kind:
        return f"{label(name)} is {kind}, not {_what(accepts_csv)}. {_save_again(accepts_csv)}"
    if not accepts_csv and not head.startswith(ZIP_SIGNATURES):
        ends = " ends .xlsx but" if (name or "").lower().endswith(".xlsx") else ""
        return (f"{label(name)}{ends} is not an Excel workbook. Open it in Excel and save it as an Excel "
                "Workbook (.xlsx), then choose it again.")
    return None


def is_workbook(content: bytes) -> bool:
    """Whether the bytes are a zip archive (what an .xlsx is), whatever the file is called."""
    return content.startswith(ZIP_SIGNATURES)


def check_workbook(name: str | None, content: bytes, *, accepts_csv: bool = False) -> None:
    """Refuse anything but a real, bounded .xlsx workbook, before openpyxl parses a byte of it."""
    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - defusedxml is in requirements.txt
        raise ImproperlyConfigured("defusedxml is not installed, so openpyxl would expand XML entities: "
                                   "pip install -r requirements.txt")
    if not content.strip():
        raise WorkbookInvalid([f"{label(name)} is empty. Choose the file again."])
    problem = signature_problem(name, content[:16], accepts_csv=accepts_csv)
    if problem:
        raise WorkbookInvalid([problem])
    check_archive(name, content)  # the central directory: parts, unpacked size, ratio
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if not all(part in names for part in WORKBOOK_PARTS):
                kind = next((kind for part, kind in OTHER_PACKAGES if part in names), None)
                raise WorkbookInvalid([
                    f"{label(name)} is {kind}, not {_what(accepts_csv)}. {_save_again(accepts_csv)}" if kind
                    else f"{label(name)} is a zip archive but not an Excel workbook (it has no workbook part). "
                         f"{_save_again(accepts_csv)}"])
            for member in archive.infolist():
                if member.filename.lower().endswith(XML_SUFFIXES):
                    _scan(name, archive, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, OSError):
        raise WorkbookInvalid([not_a_workbook(name)]) from None


def _scan(name: str | None, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a part with a DOCTYPE or ENTITY declaration, or a sheet of more than MAX_SHEET_ROWS rows; read in
    chunks, at most the part's declared size (which check_archive bounded)."""
    tail = b""
    rows = 0
    is_sheet = member.filename.startswith("xl/worksheets/")
    with archive.open(member) as part:
        while chunk := part.read(SCAN_CHUNK):
            # Lower case, and without NULs so that UTF-16 text is seen too; the tail joins what a chunk split.
            window = tail + chunk.replace(b"\x00", b"").lower()
            if any(declaration in window for declaration in DECLARATIONS):
                raise WorkbookInvalid([
                    f"{label(name)} holds XML that no spreadsheet program writes (a document type declaration, in "
                    f"{member.filename}), which can be used to attack a server, so it is refused. Open it in Excel "
                    "and save it as an Excel Workbook (.xlsx), then choose it again."])
            if is_sheet:
                # Rows wholly in the tail were counted with the chunk before; one the chunks split is counted now.
                rows += sum(window.count(tag) - tail.count(tag) for tag in ROW_TAGS)
                if rows > MAX_SHEET_ROWS:
                    raise WorkbookInvalid([
                        f"{label(name)} has a sheet of more than {MAX_SHEET_ROWS:,} rows: an import takes at most "
                        f"{MAX_ROWS:,} rows below its header, so it is refused before reading. Nothing has been "
                        "saved. Split it into smaller workbooks, or delete the rows you do not need."])
            tail = window[-16:]


@contextmanager
def hostile_xml_refused(name: str | None) -> Iterator[None]:
    """While openpyxl reads (read-only, so sheets are parsed as rows are asked for): XML that defusedxml refuses,
    or that does not parse, is the workbook's problem in words, never a server error."""
    try:
        yield
    except (DefusedXmlException, ParseError):
        raise WorkbookInvalid([not_a_workbook(name)]) from None


def csv_text(name: str | None, content: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without Excel's byte-order mark), else Windows-1252 (Excel's
    "CSV" on a UK Windows PC, where £ is byte A3). Anything else is refused, saying what it is."""
    kind = _kind_of(content)
    if kind:
        raise WorkbookInvalid([f"{label(name)} is {kind}, not {_what(True)}. {_save_again(True)}"])
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise WorkbookInvalid([f"{label(name)} is saved as Unicode text (UTF-16), which the portal does not read. "
                               "In Excel choose Save As, then “CSV UTF-8 (Comma delimited)”, and choose it again."])
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8):]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise WorkbookInvalid([
                f"{label(name)} is not in a text encoding the portal reads (UTF-8 or Windows-1252). In Excel choose "
                "Save As, then “CSV UTF-8 (Comma delimited)”, and choose it again."]) from None
    # Control characters other than tab and line ends mean a binary file renamed .csv.
    if not text or any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        raise WorkbookInvalid([f"{label(name)} is not a CSV file (it is not text). {_save_again(True)}"])
    return text
