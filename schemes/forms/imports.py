"""The workbook import's two steps: choose and check the file, then confirm."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from governance.forms import NhsForm
from schemes import importers


class WorkbookUploadForm(NhsForm):
    """Step 1 of the import: the .xlsx file and, optionally, the sheet. The importer checks the contents."""

    workbook = forms.FileField(
        label="Workbook", allow_empty_file=False,
        # The import's limits, stated where the file is chosen (the importer refuses with the same words).
        help_text=f"An Excel workbook (.xlsx) laid out like Bexley's QIPP Appendix 1: {importers.LIMITS_IN_WORDS}",
        widget=forms.FileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
        error_messages={
            "required": "Choose the workbook (.xlsx) to import.",
            "empty": "The file you chose is empty. Choose the workbook (.xlsx) to import.",
            "invalid": "The file did not arrive. Choose the workbook (.xlsx) again.",
            "missing": "The file did not arrive. Choose the workbook (.xlsx) again.",
        },
    )
    sheet = forms.CharField(
        label="Sheet name", required=False, max_length=100,
        help_text="Leave blank to use the first sheet that has a scheme table, like Appendix 1",
        error_messages={"max_length": "Enter a sheet name of at most 100 characters, as it appears on its tab."},
    )

    def clean_workbook(self) -> Any:
        upload = self.cleaned_data["workbook"]
        name = str(upload.name or "")
        if not name.lower().endswith(".xlsx"):
            raise ValidationError(
                f"“{name}” is not an Excel workbook: choose a file ending .xlsx. If the schemes are in an older "
                "Excel file (.xls) or a CSV file, open it in Excel and save it as an Excel Workbook (.xlsx) first."
            )
        too_large = importers.size_problem(name, upload.size)
        if too_large:
            raise ValidationError(too_large)  # refused before anything reads the file
        # A first look at the bytes before the upload is kept (a renamed PDF or picture, in words); the importer
        # checks the whole file the same way (schemes.importers.content).
        upload.seek(0)
        problem = importers.signature_problem(name, upload.read(16), accepts_csv=False)
        upload.seek(0)
        if problem:
            raise ValidationError(problem)
        return upload

    def clean_sheet(self) -> str | None:
        return self.cleaned_data["sheet"].strip() or None


class WorkbookConfirmForm(NhsForm):
    """Step 2: import the file the preview showed. `digest` says which preview this page was drawn from."""

    digest = forms.CharField(widget=forms.HiddenInput, required=False)
