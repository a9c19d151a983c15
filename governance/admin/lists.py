"""What keeps the admin's lists fast across every organisation of a national instance: list filters that read
the user's rows and never render hundreds of links, and a paginator that does not count a whole big table.

- `OrganisationFilter`: by organisation through its ODS code; links when the user has few organisations (an
  organisation's administrators), a box for the code otherwise (a superuser of hundreds). A plain GET form.
- `ScopedRelatedFilter`: a relation's rows used by the user's rows; a relation whose rows belong to an
  organisation (programmes, sittings, domains) is listed within the chosen organisation, or only while few.
- `EstimatedCountPaginator`: on PostgreSQL an unfiltered list of a big table takes the planner's row estimate; a
  filtered or searched list counts at most COUNT_UP_TO rows (the page then says "more than 1,000").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.filters import AllValuesFieldListFilter, RelatedFieldListFilter
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from governance.admin.common import admin_choices, administered_organisation_ids, is_scoped, scope_path
from governance.models import Organisation

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.contrib.admin.views.main import ChangeList
    from django_stubs_ext import StrOrPromise

FILTER_LINKS = 20  # a filter lists at most this many links; past that it asks for an organisation (or its code)
BY_CODE = "ods_code__iexact"  # what the box for an organisation's code filters by; its links by BY_ID
BY_ID = "id__exact"
ESTIMATE_FROM = 10_000  # rows: below this a count is cheap enough to be exact
# A filtered or searched list stops counting here: at national size a search for two letters matches tens of
# thousands of rows, and counting them all (a scan of the table: a trigram index needs three letters) cost more
# than the page. Nobody pages past the twentieth page of a search; they refine it.
COUNT_UP_TO = 1_000


def chosen_organisation(request: HttpRequest) -> dict[str, str] | None:
    """The organisation an `OrganisationFilter` of this list was given, as a lookup on it (its id or its code)."""
    for key in request.GET:
        value = (request.GET.get(key) or "").strip()
        if key.endswith(f"organisation__{BY_CODE}") and value:
            return {BY_CODE: value}
        if key.endswith(f"organisation__{BY_ID}") and value.isdigit():
            return {BY_ID: value}
    return None


class OrganisationFilter(admin.FieldListFilter):
    """By organisation (any path to one): links by id when few, and a box to type an ODS code in."""

    template = "admin/qipp_filter.html"  # links, and the box for a code

    def __init__(self, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any,
                 field_path: str) -> None:
        self.by_id, self.by_code = f"{field_path}__{BY_ID}", f"{field_path}__{BY_CODE}"
        super().__init__(field, request, params, model, model_admin, field_path)
        organisations = Organisation.objects.order_by("name", "pk")
        if not request.user.is_superuser:
            organisations = organisations.filter(pk__in=administered_organisation_ids(request))
        # Only an organisation of theirs is shown back (anyone else's finds no rows and says nothing).
        lookup = chosen_organisation(request)
        self.chosen = organisations.filter(**lookup).first() if lookup else None
        found = list(organisations[:FILTER_LINKS + 1])
        self.links = found if len(found) <= FILTER_LINKS else []

    def expected_parameters(self) -> list[str | None]:
        return [self.by_id, self.by_code]

    def has_output(self) -> bool:
        return True

    def choices(self, changelist: ChangeList) -> Iterator[Any]:  # Django's choice dicts
        yield {"selected": not self.used_parameters, "display": "All",
               "query_string": changelist.get_query_string(remove=[self.by_id, self.by_code])}
        for organisation in self.links:
            yield {"selected": organisation == self.chosen, "display": str(organisation),
                   "query_string": changelist.get_query_string({self.by_id: organisation.pk}, remove=[self.by_code])}


class ScopedRelatedFilter(RelatedFieldListFilter):
    """A list filter on a relation offering only related rows used by the user's rows and in their scope.

    Rows that belong to an organisation are listed within the chosen organisation; with none chosen, a
    superuser (every organisation's rows) or anyone with more than FILTER_LINKS of them is asked to choose one.
    """

    template = "admin/qipp_filter.html"  # links, or the sentence asking for an organisation
    needs_organisation = False

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        related = field.remote_field.model
        rows = related._default_manager.all()
        chosen = chosen_organisation(request)
        by_organisation = is_scoped(related) and bool(scope_path(related))
        if by_organisation and chosen:
            rows = rows.filter(**{f"{scope_path(related)}__{lookup}": value for lookup, value in chosen.items()})
        elif by_organisation and request.user.is_superuser:
            self.needs_organisation = True
            return []
        used = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
        rows = rows.filter(pk__in=used)
        allowed = admin_choices(related, request)
        if allowed is not None:
            rows = rows.filter(pk__in=allowed.values("pk"))
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            rows = rows.order_by(*ordering)
        found = list(rows[:FILTER_LINKS + 1])
        if len(found) > FILTER_LINKS:
            self.needs_organisation = True
            return []
        return [(str(row.pk), str(row)) for row in found]  # the filter compares str(pk) with the query

    def has_output(self) -> bool:
        return self.needs_organisation or super().has_output()


class ScopedAllValuesFilter(AllValuesFieldListFilter):
    """Django's all-values filter reads the whole table when the path crosses a relation: read the user's rows."""

    def __init__(self, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any,
                 field_path: str) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request).distinct().order_by(field_path).values_list(field_path, flat=True)
        )


class EstimatedCountPaginator(Paginator):
    """Django's paginator; on PostgreSQL an unfiltered list of a big table (a superuser's, every organisation's
    rows) takes the planner's estimate of its rows (`pg_class.reltuples`) instead of counting every one, and a
    filtered list counts no further than COUNT_UP_TO + 1 (`count_text` says "more than" past COUNT_UP_TO)."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet) and rows.query.where:
            # SELECT COUNT(*) FROM (SELECT ... LIMIT n): the database stops at the first n matching rows.
            return rows[:COUNT_UP_TO + 1].count()
        if isinstance(rows, QuerySet) and connections[rows.db].vendor == "postgresql":
            with connections[rows.db].cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                               [rows.model._meta.db_table])
                found = cursor.fetchone()
            if found is not None and found[0] >= ESTIMATE_FROM:
                return int(found[0])
        return super().count


def count_text(count: int) -> str:
    """A list's count as its pages say it: "more than 1,000" where the paginator stopped counting."""
    return f"more than {COUNT_UP_TO:,}" if count > COUNT_UP_TO else f"{count:,}"
