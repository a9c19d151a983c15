"""A scheme workbook's cell values read as the papers write them: months, whole numbers and RAG words."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

RAG_WORDS = {"green": "green", "g": "green", "amber": "amber", "a": "amber", "red": "red", "r": "red"}
MONTH_NAMES = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def parse_month(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip().lower()
    if len(text) > 40:  # longer than any way of writing a month
        raise ValueError(text[:40])
    match = re.fullmatch(r"([a-z]{3})[a-z]*[\s\-/']*(\d{2}|\d{4})", text)
    if match and match.group(1) in MONTH_NAMES:
        year = int(match.group(2))
        return date(year + 2000 if year < 100 else year, MONTH_NAMES[match.group(1)], 1)
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%Y-%m", "%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError


def parse_whole(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise ValueError
