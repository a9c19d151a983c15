"""The organisations a user may work in, and the short list the header's switcher offers.

A superuser may see every organisation in a national instance (hundreds): the header offers a bounded list
(the working one, those chosen lately, the user's own, then by name) and a search page for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from governance.models import Membership, Organisation

if TYPE_CHECKING:
    from governance.permissions import Viewer

SWITCHER_LIMIT = 10  # organisations in the header's list; the search page finds the rest
SEARCH_LIMIT = 25  # matches the search page shows (a longer list asks for more letters)


@dataclass(frozen=True)
class OrganisationChoices:
    """A bounded list of organisations, and whether more would have matched."""

    organisations: Sequence[Organisation]
    more: bool


def organisations_for(user: Viewer) -> QuerySet[Organisation]:
    return Organisation.objects.for_user(user).order_by("name")


def switcher_organisations(user: Viewer, first: Sequence[int]) -> OrganisationChoices:
    """Up to SWITCHER_LIMIT organisations for the header, by name, and whether the user may see more.

    Those in `first` (the working organisation, then the ones chosen lately) come before the user's own
    memberships, then the rest by name. One query, whatever the number of organisations.
    """
    if not user.is_authenticated:
        return OrganisationChoices([], more=False)
    own = Membership.objects.filter(user__pk=user.pk).values("organisation")
    rank = Case(When(pk__in=list(first), then=Value(0)), When(pk__in=own, then=Value(1)), default=Value(2),
                output_field=IntegerField())
    chosen = list(organisations_for(user).alias(rank=rank).order_by("rank", "name", "pk")[:SWITCHER_LIMIT + 1])
    shown = sorted(chosen[:SWITCHER_LIMIT], key=lambda organisation: (organisation.name, organisation.pk))
    return OrganisationChoices(shown, more=len(chosen) > SWITCHER_LIMIT)


def organisations_matching(user: Viewer, text: str) -> OrganisationChoices:
    """Up to SEARCH_LIMIT of the user's organisations, by name, whose ODS code or name starts with `text` or
    with a word of whose name starts with it ("bex" finds "NHS Bexley CCG")."""
    text = text.strip()
    if not text:
        return OrganisationChoices([], more=False)
    found = list(organisations_for(user).filter(
        Q(ods_code__istartswith=text) | Q(name__istartswith=text) | Q(name__icontains=f" {text}"),
    ).order_by("name", "pk")[:SEARCH_LIMIT + 1])
    return OrganisationChoices(found[:SEARCH_LIMIT], more=len(found) > SEARCH_LIMIT)
