from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.importers import LIMITS_IN_WORDS, LedgerPlan, WorkbookInvalid, describe, ledger_check, ledger_import
from governance.models import Organisation
from governance.services import system_actor


class Command(BaseCommand):
    # The same reading, limits and refusals as the browser's ledger import page (finance.importers).
    help = (f"Import a ledger (Budget line, Month, Plan, Actual, Forecast; all or nothing; re-importing changes "
            f"nothing): {LIMITS_IN_WORDS}.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organisation", required=True, help="ODS code of an existing organisation, e.g. 06H")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2018/19")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and show what importing "
                                                                    "would do, saving nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        organisation = Organisation.objects.filter(ods_code__iexact=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has ODS code {options['organisation']}: create it first.")
        dry_run = options["dry_run"]
        try:
            # Run from a shell, the import is the portal's own act: history names "ledger import".
            actor = system_actor("ledger import")
            step = ledger_check if dry_run else ledger_import
            plan = step(actor=actor, organisation=organisation, year_name=options["year"], source=path)
        except WorkbookInvalid as error:
            raise CommandError(
                f"{path.name} was not imported; nothing was saved:\n{describe(error.problems)}"
            ) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(_preview(plan, dry_run=dry_run))


def _preview(plan: LedgerPlan, *, dry_run: bool) -> str:
    where = f" ('{plan.sheet}')" if plan.sheet else ""
    lines = [f"{plan.file_name}{where} into {plan.organisation.name} ({plan.organisation.ods_code}) {plan.year_name}, "
             f"{plan.row_count} rows:"]
    lines += [f"  {line.name}: {plan.describe(line)}" for line in plan.lines]
    lines += [f"  Warning: {warning}" for warning in plan.warnings]
    counts = f"{len(plan.created)} created, {len(plan.updated)} updated, {len(plan.unchanged)} unchanged"
    if dry_run:
        lines.append(f"Dry run, nothing saved. Importing would leave these budget lines: {counts}.")
    else:
        lines.append(f"Imported. Budget lines: {counts}.")
    return "\n".join(lines)
