"""Import a risk register from a workbook (.xlsx): check first (nothing saved), then import all or nothing.

The limits and archive checks are the scheme importer's (schemes.importers: size, zip archive, unpacked size
and ratio before parsing; rows, columns and a time budget while reading), imported rather than copied.
Columns are matched ignoring case, spacing and punctuation; title rows may sit above the header:
Risk, Category, Scheme, Owner, Start likelihood, Start impact, Current likelihood, Current impact, Target
likelihood, Target impact, Impact, Mitigation, Review date. A score cell written as the papers do
("20 5x4 Red") is accepted in place of a likelihood/impact pair, in the likelihood column or a "... score"
column. Re-importing the same file changes nothing: a row is the risk of the same title in the same register.

The package by concern, as schemes.importers is: `reading` (the pure read), `writing` (check against what is
saved, then import).
"""

from risks.importers.reading import (
    CATEGORY_WORDS,
    DATE_FORMATS,
    HEADERS,
    LABELS,
    TEXT_LIMITS,
    ParsedRisks,
    RiskRow,
    read_risk_workbook,
)
from risks.importers.writing import RiskImportReport, risk_import, risk_import_check

# The scheme importer's limits and refusals, which the risk import page and command show in the same words.
from schemes.importers import LIMITS_IN_WORDS, WorkbookInvalid, describe

__all__ = [
    "LIMITS_IN_WORDS",
    "WorkbookInvalid",
    "describe",
    "CATEGORY_WORDS",
    "DATE_FORMATS",
    "HEADERS",
    "LABELS",
    "ParsedRisks",
    "RiskImportReport",
    "RiskRow",
    "TEXT_LIMITS",
    "read_risk_workbook",
    "risk_import",
    "risk_import_check",
]
