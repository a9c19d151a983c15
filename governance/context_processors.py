from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from governance.middleware import recent_organisations, working_of
from governance.permissions import allowed_actions, role_in
from governance.selectors import switcher_organisations


def working_context(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    working = working_of(request)
    organisation = working.organisation
    return {
        "working_organisation": organisation,
        "working_year": working.year,
        # The header's short list (bounded, one query, only if a template reads it); the rest by search.
        "switcher": SimpleLazyObject(lambda: switcher_organisations(
            request.user, [*([organisation.pk] if organisation else []), *recent_organisations(request)])),
        "my_years": SimpleLazyObject(lambda: working.years),  # read with the working context, once a request
        "my_role": role_in(request.user, organisation) if organisation else None,
        "can": allowed_actions(request.user, organisation),
    }
