from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.middleware import working_of
from governance.permissions import allowed_actions, role_in
from governance.selectors import organisations_for, years_for


def working_context(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    working = working_of(request)
    organisation = working.organisation
    return {
        "working_organisation": organisation,
        "working_year": working.year,
        "my_organisations": organisations_for(request.user),
        "my_years": years_for(organisation),
        "my_role": role_in(request.user, organisation) if organisation else None,
        "can": allowed_actions(request.user, organisation),
    }
