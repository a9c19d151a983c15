"""What the demo's loaders share: where the papers are, their units, the report of what was loaded, and
the organisations and years by the names the papers give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from governance.models import FinancialYear, Organisation

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
THOUSAND = Decimal("1000")
MILLION = Decimal("1000000")


@dataclass
class DemoReport:
    lines: list[str] = field(default_factory=list)
    users: list[tuple[str, str, str]] = field(default_factory=list)


def organisation_by_ods(ods: str) -> Organisation:
    return Organisation.objects.get(ods_code=ods)


def year_named(name: str) -> FinancialYear:
    year, _ = FinancialYear.objects.get_or_create(start_year=FinancialYear.start_year_from_name(name))
    return year


def pounds_thousands(value: Any) -> Decimal | None:
    if value is None or value == "TBC":
        return None
    return Decimal(str(value)) * THOUSAND
