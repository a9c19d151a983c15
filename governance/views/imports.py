"""The import records' pages (issue 9 section 3): the year's imports and one import with what it touched."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from governance.filters import ImportFilterSet
from governance.middleware import follow_into
from governance.models import ImportChange, ImportRecord
from governance.selectors import import_detail, imports
from governance.views.common import year_list


@login_required
@require_safe
def imports_page(request: HttpRequest) -> HttpResponse:
    """The working organisation's imports of the working year, newest first, filtered by kind."""
    return year_list(request, ImportFilterSet, imports, "governance/imports.html", "records")


@login_required
@require_safe
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its file, counts and warnings, and a link to every record it touched."""
    try:
        record = import_detail(request.user, pk)
    except ImportRecord.DoesNotExist:
        raise Http404("No such import in your organisations.") from None
    follow_into(request, record.organisation, record.year)
    links = list(record.links.all())
    return render(request, "governance/import.html", {
        "record": record,
        "touched": [(label, [link for link in links if link.change == change])
                    for change, label in ImportChange.choices],
    })
