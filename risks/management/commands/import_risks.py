from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.models import Organisation
from governance.services import system_actor
from risks.importers import LIMITS_IN_WORDS, WorkbookInvalid, describe, risk_import


class Command(BaseCommand):
    # The same limits and refusals as the browser's import page (risks.importers, schemes.importers).
    help = (f"Import a risk register from a workbook (all or nothing; re-importing changes nothing): "
            f"{LIMITS_IN_WORDS}.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organisation", required=True, help="ODS code of an existing organisation, e.g. 06H")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2018/19")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        organisation = Organisation.objects.filter(ods_code__iexact=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has ODS code {options['organisation']}: create it first.")
        try:
            # Run from a shell, the import is the portal's own act: history names "risk import".
            report = risk_import(actor=system_actor("risk import"), organisation=organisation,
                                 year_name=options["year"], source=path)
        except WorkbookInvalid as error:
            raise CommandError(
                f"{path.name} was not imported; nothing was saved:\n{describe(error.problems)}"
            ) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"{path.name} ('{report.sheet}') into {organisation.name} {options['year']}: "
            f"{len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged."
        )
