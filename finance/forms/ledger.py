"""The ledger import's two steps: choose and check the file (CSV or .xlsx), then confirm."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from finance import importers
from governance.forms import NhsForm
from schemes.forms import WorkbookConfirmForm as LedgerConfirmForm  # the same step: which preview to import

__all__ = ["LedgerConfirmForm", "LedgerUploadForm"]

ACCEPTED = (".csv", ".xlsx")


class LedgerUploadForm(NhsForm):
    """Step 1: the ledger file. The importer reads the contents (and refuses a renamed PDF with its words)."""

    ledger = forms.FileField(
        label="Ledger file", allow_empty_file=False,
        help_text=(f"Columns {', '.join(importers.COLUMNS)}, one row per budget line and month: "
                   f"{importers.LIMITS_IN_WORDS}"),
        widget=forms.FileInput(attrs={
            "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
        error_messages={
            "required": "Choose the ledger file (CSV or .xlsx) to import.",
            "empty": "The file you chose is empty. Choose the ledger file (CSV or .xlsx) to import.",
            "invalid": "The file did not arrive. Choose the ledger file again.",
            "missing": "The file did not arrive. Choose the ledger file again.",
        },
    )

    def clean_ledger(self) -> Any:
        upload = self.cleaned_data["ledger"]
        name = str(upload.name or "")
        if not name.lower().endswith(ACCEPTED):
            raise ValidationError(
                f"“{name}” is not a CSV file or an Excel workbook: choose a file ending .csv or .xlsx. If the ledger "
                "is in an older Excel file (.xls), open it in Excel and save it as CSV or as an Excel Workbook first."
            )
        too_large = importers.size_problem(name, upload.size)
        if too_large:
            raise ValidationError(too_large)  # refused before anything reads the file
        return upload
