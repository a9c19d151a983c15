"""Organisation scoping: the one place that decides what a user may see.

Every model that belongs to an organisation uses OrganisationScopedQuerySet and names the
path to its organisation in `organisation_scope`. Views, the API, exports, admin and tasks
all call `.for_user(user)`; none re-implements the rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from governance.permissions import Viewer


class OrganisationScopedQuerySet(models.QuerySet[Any]):
    def _path(self) -> str:
        path = getattr(self.model, "organisation_scope", "organisation")
        return f"{path}__" if path else ""

    def for_user(self, user: Viewer, roles: Iterable[str] | None = None) -> Self:
        """Rows of the organisations `user` belongs to (all rows for a superuser).

        With `roles`, only organisations where the user holds one of those roles.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        membership_filter: dict[str, Any] = {f"{self._path()}memberships__user": user}
        if roles is not None:
            membership_filter[f"{self._path()}memberships__role__in"] = list(roles)
        # A subquery of ids (not a join) so rows never repeat when a path crosses memberships.
        ids = self.model._default_manager.filter(**membership_filter).values("pk")
        return self.filter(pk__in=ids)
