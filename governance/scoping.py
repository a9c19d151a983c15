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
    def for_user(self, user: Viewer, roles: Iterable[str] | None = None) -> Self:
        """Rows of the organisations `user` belongs to (all rows for a superuser).

        With `roles`, only organisations where the user holds one of those roles.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        from governance.models import Membership  # here: the models module imports this one

        memberships = Membership.objects.filter(user=user)
        if roles is not None:
            memberships = memberships.filter(role__in=list(roles))
        # The organisations as a subquery on memberships, not a join through them, so rows never repeat; and on
        # the row's own organisation column, so a scheme list is `organisation_id IN (SELECT organisation_id FROM
        # membership WHERE user_id = ...)`, not a second scan of the table by id (measured at national size: a
        # join of every scheme the user may see, on each of a dashboard's 28 queries).
        path = getattr(self.model, "organisation_scope", "organisation")
        return self.filter(**{f"{path}__in" if path else "pk__in": memberships.values("organisation_id")})
