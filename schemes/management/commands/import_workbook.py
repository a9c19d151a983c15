from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.models import Organisation
from governance.services import system_actor
from schemes.importers import LIMITS_IN_WORDS, WorkbookInvalid, describe, workbook_import


class Command(BaseCommand):
    # The same limits and refusals as the browser's import page (schemes.importers).
    help = (f"Import schemes from a workbook laid out like Bexley's QIPP appendix (all or nothing): "
            f"{LIMITS_IN_WORDS}.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organisation", required=True, help="ODS code of an existing organisation, e.g. 07N")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2013/14")
        parser.add_argument("--sheet", help="Sheet name (default: the first sheet with a scheme table)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        organisation = Organisation.objects.filter(ods_code__iexact=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has ODS code {options['organisation']}: create it first.")
        try:
            # Run from a shell, the import is the portal's own act: history names "workbook import".
            report = workbook_import(actor=system_actor("workbook import"), organisation=organisation,
                                     year_name=options["year"],
                                     source=path, sheet=options["sheet"])
        except WorkbookInvalid as error:
            # describe() lists the first problems and counts the rest, as the page does.
            raise CommandError(
                f"{path.name} was not imported; nothing was saved:\n{describe(error.problems)}"
            ) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"{path.name} ('{report.sheet}') into {organisation.name} {options['year']}: "
            f"{len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged."
        )
        for line in report.overrides:
            self.stdout.write(f"  override: {line}")
        for line in report.warnings:
            self.stdout.write(self.style.WARNING(f"  warning: {line}"))
