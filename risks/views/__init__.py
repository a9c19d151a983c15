"""The risk pages, one module per concern (named as in schemes' views): the register and heat map, one
risk, and the import.

Thin: parse, call a service or a selector, render. `risks/urls.py` names each view from here (`views.risk_edit`).
"""

from risks.views.imports import risk_import_page
from risks.views.register import heat_map, register
from risks.views.risk import risk_create, risk_decision, risk_detail, risk_edit, risk_history

__all__ = [
    "heat_map",
    "register",
    "risk_create",
    "risk_decision",
    "risk_detail",
    "risk_edit",
    "risk_history",
    "risk_import_page",
]
