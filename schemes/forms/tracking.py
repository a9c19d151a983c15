"""The monthly tracker's grid: every editable month's actual and forecast, posted at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from governance.forms import SummaryError
from governance.money import money_problem, parse_pounds
from schemes.forms.common import money_input
from schemes.selectors import SchemeTracker
from schemes.services import MonthEdit


@dataclass
class TrackerCell:
    """One editable month of the grid as the page shows it (the user's text is kept on error)."""

    month: int
    label: str
    actual_text: str
    forecast_text: str
    version: int
    actual_initial: str
    forecast_initial: str
    actual_error: str = ""
    forecast_error: str = ""
    conflict: dict[str, Any] | None = None


@dataclass
class TrackerForm:
    """All the editable cells of a scheme's tracker posted at once, each month with its version.

    Only the cells the user changed (text differs from the value the page was drawn with) become
    edits, so an untouched month never overwrites someone else's save.
    """

    tracker: SchemeTracker
    editable_months: list[int]
    data: Mapping[str, Any] | None = None
    cells: dict[int, TrackerCell] = field(default_factory=dict)
    errors: list[SummaryError] = field(default_factory=list)
    edits: list[MonthEdit] = field(default_factory=list)

    def __post_init__(self) -> None:
        rows = self.tracker.rows
        for m in self.editable_months:
            row = rows.get(m)
            actual = money_input(row.actual) if row else ""
            forecast = money_input(row.forecast) if row else ""
            self.cells[m] = TrackerCell(
                month=m, label=self.tracker.labels[m - 1], actual_text=actual, forecast_text=forecast,
                version=self.tracker.version(m), actual_initial=actual, forecast_initial=forecast,
            )

    def months_posted(self) -> list[int]:
        """Months the POST carries, editable or not (a month closed since the page was drawn is refused)."""
        assert self.data is not None
        posted = []
        for m in range(1, 13):
            if f"version_{m}" in self.data:
                posted.append(m)
        return posted

    def is_valid(self) -> bool:
        assert self.data is not None
        data = self.data
        for m in self.months_posted():
            label = self.tracker.labels[m - 1]
            row = self.tracker.rows.get(m)
            cell = self.cells.get(m) or TrackerCell(
                month=m, label=label, actual_text="", forecast_text="", version=self.tracker.version(m),
                actual_initial=money_input(row.actual) if row else "",
                forecast_initial=money_input(row.forecast) if row else "",
            )
            self.cells.setdefault(m, cell)
            cell.actual_text = str(data.get(f"actual_{m}", "")).strip()
            cell.forecast_text = str(data.get(f"forecast_{m}", "")).strip()
            cell.actual_initial = str(data.get(f"actual_{m}_initial", cell.actual_initial)).strip()
            cell.forecast_initial = str(data.get(f"forecast_{m}_initial", cell.forecast_initial)).strip()
            try:
                cell.version = int(data.get(f"version_{m}", ""))
            except (TypeError, ValueError):
                self.errors.append(SummaryError(f"The page was out of date for {label}: reload it and try again."))
                continue
            values: dict[str, Decimal | None] = {}
            for kind, text in (("actual", cell.actual_text), ("forecast", cell.forecast_text)):
                what = f"{kind} saving for {label}"
                try:
                    amount = parse_pounds(text)
                    problem = money_problem(amount, what)
                except ValueError:
                    amount, problem = None, (f"Enter the {what} as an amount in pounds, like 37,625 or "
                                             "37625.50, or leave it blank")
                if problem:
                    setattr(cell, f"{kind}_error", "Enter pounds, like 37,625")
                    self.errors.append(SummaryError(problem, f"#{kind}_{m}"))
                else:
                    values[kind] = amount
            if "actual" not in values or "forecast" not in values:
                continue
            changed = (cell.actual_text != cell.actual_initial) or (cell.forecast_text != cell.forecast_initial)
            if changed:
                self.edits.append(MonthEdit(month=m, expected_version=cell.version, actual=values["actual"],
                                            forecast=values["forecast"]))
        return not self.errors

    def show_conflict(self, current: Mapping[int, Any]) -> None:
        """After EditConflict: keep the user's changed figures, show the saved ones, and let them save again."""
        changed = {edit.month for edit in self.edits}
        for m, cell in self.cells.items():
            row = current.get(m) if m in current else self.tracker.rows.get(m)
            saved_actual = money_input(row.actual) if row else ""
            saved_forecast = money_input(row.forecast) if row else ""
            if m in current:
                cell.conflict = {
                    "yours_actual": cell.actual_text, "yours_forecast": cell.forecast_text,
                    "saved_actual": row.actual if row else None, "saved_forecast": row.forecast if row else None,
                    "saved_by": getattr(row, "updated_by", None) if row else None,
                    "saved_at": getattr(row, "updated_at", None) if row else None,
                }
            if m not in changed:
                # Not the user's change: show what is saved now, so saving again does not undo it.
                cell.actual_text, cell.forecast_text = saved_actual, saved_forecast
            cell.actual_initial, cell.forecast_initial = saved_actual, saved_forecast
            cell.version = row.version if row else 0
