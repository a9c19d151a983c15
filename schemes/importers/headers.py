"""The header row of a scheme workbook: which column is which, in the ways papers write them (years as
"2013/14", "13/14"...), and the dates some headers carry.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

# Column keys, the words a user would recognise, and how a normalised header is recognised.
# THIS and NEXT stand for the imported year and the year after, in any of the ways papers write them.
COLUMNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("no", "No", re.compile(r"^no$")),
    ("reference", "File REF", re.compile(r"^(fileref|ref|reference|schemeref)$")),
    ("programme", "Transformation Headings", re.compile(r"^(transformationheadings?|programme|workstream)$")),
    ("name", "Scheme Heading", re.compile(r"^(schemeheading|schemename)$")),
    ("phase", "Phase", re.compile(r"^phase")),
    ("go_live", "Go 'Live' Date", re.compile(r"^golive(date)?$")),
    ("months", "No of Months Saving", re.compile(r"^noofmonthssaving(inTHIS)?$")),
    ("current_cost", "Initial Opportunity / Current Cost (GROSS)", re.compile(r"currentcost|gross")),
    ("full_year_effect", "(Full Year) Effect Net Saving", re.compile(r"^(fullyear)?effectnetsaving$")),
    ("plan_in_year", "THIS Plan", re.compile(r"^THISplan$")),
    ("next_year_effect", "NEXT Plan", re.compile(r"^NEXTplan$")),
    ("value", "Value of Scheme", re.compile(r"^valueofscheme")),
    ("resources", "Resources Required to Deliver", re.compile(r"^resources")),
    ("timescales", "Timescales / Readiness of Implementation", re.compile(r"^timescales")),
    ("codependencies", "Co-dependencies / multi-agency involvement", re.compile(r"^codependenc")),
    ("overall", "Overall Scheme Rating", re.compile(r"^overall")),
    ("most_likely", "Most Likely", re.compile(r"^mostlikely")),
    ("change", "Change in Delivery (Months +/-)", re.compile(r"^changeindelivery")),
    ("director_value", "THIS Delivery Value", re.compile(r"^THISdeliveryvalue")),
    ("director_next_year", "NEXT Delivery Value", re.compile(r"^NEXTdeliveryvalue")),
]
REQUIRED = ("name", "go_live", "full_year_effect")
RAG_COLUMNS = ("value", "resources", "timescales", "codependencies", "overall")
COMPUTED_COLUMNS = ("plan_in_year", "next_year_effect", "most_likely", "director_value", "director_next_year")
# A year-labelled heading still showing digits after THIS/NEXT substitution is another year's column.
OTHER_YEAR = re.compile(r"^(noofmonthssavingin\d{4,8}|\d{4,8}plan|\d{4,8}deliveryvalue)")
DATE_IN_TEXT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4})")


def normalise(text: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


def year_forms(start_year: int) -> list[tuple[str, str]]:
    """How papers write a year ("2013/14", "13/14", "2013 / 2014") normalised, longest first."""
    forms = []
    for token, start in (("THIS", start_year), ("NEXT", start_year + 1)):
        end = start + 1
        forms += [(f"{start}{end}", token), (f"{start}{end % 100:02d}", token),
                  (f"{start % 100:02d}{end % 100:02d}", token)]
    return sorted(forms, key=lambda pair: -len(pair[0]))


def header_key(text: Any, start_year: int) -> str | None:
    label = normalise(text)
    if not label:
        return None
    for form, token in year_forms(start_year):
        label = label.replace(form, token)
    for key, _, pattern in COLUMNS:
        if pattern.search(label):
            return key
    return None


def date_in_header(text: Any) -> date | None:
    match = DATE_IN_TEXT.search(str(text or ""))
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    year = year + 2000 if year < 100 else year
    try:
        return date(year, month, day)
    except ValueError:
        return None
