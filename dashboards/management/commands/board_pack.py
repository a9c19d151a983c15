"""python manage.py board_pack --organisation 07N --year 2013/14 --month 10 --output pack.xlsx"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dashboards.exports import board_pack, pack_inputs
from governance.models import FinancialYear, Organisation


class Command(BaseCommand):
    help = "Write the monthly Excel board pack of an organisation's month (from stored figures and the month's report)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="ODS code, e.g. 07N")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2013/14")
        parser.add_argument("--month", required=True, type=int, help="1 (April) to 12 (March)")
        parser.add_argument("--output", required=True, help="Where to write the .xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(ods_code__iexact=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the ODS code {options['organisation']}.")
        try:
            year = FinancialYear.objects.by_name(options["year"])
        except (FinancialYear.DoesNotExist, ValueError) as error:
            raise CommandError(f"{options['year']} is not a financial year here: write it like 2013/14.") from error
        if not 1 <= options["month"] <= 12:
            raise CommandError("The month is 1 (April) to 12 (March).")
        content = board_pack(pack_inputs(None, organisation, year, options["month"], produced_at=timezone.now()))
        Path(options["output"]).write_bytes(content)
        self.stdout.write(f"Board pack for {organisation.ods_code} {year.name} M{options['month']} written to "
                          f"{options['output']} ({len(content):,} bytes).")
