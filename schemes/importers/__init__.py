"""Import a scheme workbook laid out like Bexley's Appendix 1 (the way real data arrives).

Reading (`read_workbook`) is pure: it turns a sheet into plain rows and a list of problems, and
touches no database, so a slow or hostile file never holds a lock other users wait on. It refuses,
before openpyxl parses anything, a file that is too large, is not a zip archive, or unpacks to too
much (a "zip bomb"), and it stops a read that goes over its row, column or time limits.

Checking (`workbook_check`) reads the file, then compares it with what is saved: it writes nothing
and opens no transaction. Importing (`workbook_import`) reads the file first, outside any
transaction, and only when the whole file is valid writes it in one short transaction through the
same services as the browser. Re-importing the same file changes nothing.

The package by concern: `content` (what a file is by its bytes: the one check every import's page and command
makes), `files` (limits, the archive's central directory, problem lists), `headers` (which column is which),
`cells` (months, whole numbers and RAG words as papers write them), `reading` (the pure read),
`writing` (check against what is saved, then import).
"""

from schemes.importers.content import (
    check_workbook,
    csv_text,
    hostile_xml_refused,
    is_workbook,
    signature_problem,
)
from schemes.importers.files import (
    CHECK_SECONDS,
    HEADER_SEARCH_ROWS,
    LIMITS_IN_WORDS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_WORDS,
    PROBLEMS_SHOWN,
    Problem,
    WorkbookInvalid,
    check_archive,
    content_of,
    describe,
    limited_rows,
    more_problems,
    not_a_workbook,
    problem_summary,
    size_problem,
    split_problems,
)
from schemes.importers.headers import COLUMNS, header_key, normalise
from schemes.importers.reading import read_workbook
from schemes.importers.rows import ParsedWorkbook, WorkbookRow
from schemes.importers.writing import (
    IMPORT_REASON,
    ImportReport,
    overrides_for,
    workbook_check,
    workbook_import,
)

__all__ = [
    "CHECK_SECONDS", "COLUMNS", "HEADER_SEARCH_ROWS", "IMPORT_REASON", "LIMITS_IN_WORDS", "MAX_COLUMNS", "MAX_ROWS",
    "MAX_UPLOAD_BYTES", "MAX_UPLOAD_WORDS", "PROBLEMS_SHOWN", "ImportReport", "ParsedWorkbook", "Problem",
    "WorkbookInvalid", "WorkbookRow", "check_archive", "check_workbook", "content_of", "csv_text", "describe",
    "header_key", "hostile_xml_refused", "is_workbook", "limited_rows", "more_problems", "normalise", "not_a_workbook",
    "overrides_for", "problem_summary", "read_workbook", "signature_problem", "size_problem", "split_problems",
    "workbook_check", "workbook_import",
]
