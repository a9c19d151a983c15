"""An organisation's own settings: the RAG panel's risk adjustment factors."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal

from governance.models import Organisation

if TYPE_CHECKING:
    from governance.permissions import Actor

# Sent inside the change's transaction, with `organisation_id`. Every most-likely figure of the organisation's
# schemes depends on its factors; schemes (which governance may not import) queues their recompute on it, through
# the outbox: sent once the change commits, kept if the broker is down, nothing if it rolls back.
rag_factors_changed = Signal()


@transaction.atomic
def organisation_rag_factors_set(
    *, actor: Actor | None, organisation: Organisation, green_factor: Decimal, amber_factor: Decimal,
    red_factor: Decimal,
) -> Organisation:
    """Set the share of the in-year plan counted as most likely for a Green, Amber and Red scheme (0 to 1).

    Superusers only, as for the organisation's other details. A change queues the recompute of every
    figure of the organisation's schemes once it commits; setting the same factors queues nothing.
    """
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only a superuser changes an organisation's RAG factors.")
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    factors = {"green_factor": green_factor, "amber_factor": amber_factor, "red_factor": red_factor}
    changed = [name for name, value in factors.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, factors[name])
    current.full_clean(validate_unique=False)
    current.save(update_fields=changed)
    rag_factors_changed.send(sender=Organisation, organisation_id=current.pk)
    return current
