"""Server time and queries of one organisation's pages, in-process through Django's test client: on the
synthetic portfolio and on the demo data, so the growth from a few dozen schemes to national size shows; and the
lists across every organisation (the admin's, the API's unfiltered ones) as a superuser sees them.

Pages are asked for by path, as a browser or the load run asks for them: the benchmark measures the dashboards'
page from outside, as it may not use that app's code.
"""

from __future__ import annotations

import base64
import gc
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext

from benchmarks.measure import signed_in_client
from benchmarks.portfolio import ODS_PREFIX, Portfolio
from benchmarks.timing import percentile, ratio
from governance.models import FinancialYear, Membership, Organisation
from risks.models import Risk
from schemes.models import Scheme

PAGES = ("register", "tracker", "scheme", "dashboard", "api_list")
SUPERUSER = "bench-superuser"  # not USER_PREFIX: the portfolio counts those as its load-run users


def page_paths(organisation: Organisation, year: FinancialYear, scheme_id: int) -> dict[str, str]:
    """The pages of one organisation's working year (the session names the organisation and year)."""
    return {"register": "/schemes/", "tracker": "/schemes/tracker/", "scheme": f"/schemes/{scheme_id}/",
            "dashboard": "/dashboard/",
            "api_list": f"/api/v1/schemes/?organisation={organisation.ods_code}&year={year.name}"}


def _measure(client: Any, paths: dict[str, str], requests: int) -> dict[str, Any]:
    """Each page's first request's queries, then p50 / p95 of `requests` more, with what this process holds frozen
    as a gunicorn worker's start-up is (qipp_portal/gunicorn.py): the benchmark's own heap (the portfolio's objects,
    earlier measures' caches) is no page's, and its full collections landed in one request in thirty."""
    gc.collect()
    gc.freeze()
    try:
        return _requests(client, paths, requests)
    finally:
        gc.unfreeze()


def _requests(client: Any, paths: dict[str, str], requests: int) -> dict[str, Any]:
    measured: dict[str, Any] = {}
    for page, path in paths.items():
        reset_queries()  # with DEBUG on the query log may be full (it keeps 9,000)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code  # also warms the caches a first request fills
        count = len(queries)  # now: the requests below clear the connection's query log
        seconds = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path)
            seconds.append(time.perf_counter() - started)
        measured[page] = {"path": path, "status": status, "queries": count,
                          "p50_ms": round(statistics.median(seconds) * 1000, 1),
                          "p95_ms": round(percentile(seconds, 0.95) * 1000, 1), "requests": requests}
    return measured


def _demo_organisation_year() -> tuple[Organisation, FinancialYear, Any] | None:
    """The demo's organisation-year with the most schemes, and one of that organisation's members."""
    busiest = (Scheme.objects.exclude(organisation__ods_code__startswith=ODS_PREFIX)
               .values("organisation_id", "year_id").annotate(n=Count("id")).order_by("-n").first())
    if busiest is None:
        return None
    member = Membership.objects.filter(organisation_id=busiest["organisation_id"]).select_related("user").first()
    if member is None:
        return None
    return (Organisation.objects.get(pk=busiest["organisation_id"]), FinancialYear.objects.get(pk=busiest["year_id"]),
            member.user)


def _side(organisation: Organisation, year: FinancialYear, user: Any, requests: int) -> dict[str, Any]:
    scheme = Scheme.objects.filter(organisation=organisation, year=year).order_by("pk").first()
    assert scheme is not None
    client = signed_in_client(user, organisation.pk, year.pk)
    return {"organisation": organisation.ods_code, "year": year.name,
            "schemes_in_organisation_year": Scheme.objects.filter(organisation=organisation, year=year).count(),
            "schemes_in_database": Scheme.objects.count(),
            "pages": _measure(client, page_paths(organisation, year, scheme.pk), requests)}


def pages(portfolio: Portfolio, requests: int) -> dict[str, Any]:
    """p50 / p95 and query counts at this scale and on the demo data (None where the demo is not loaded: `make
    benchmark` loads it first), with the growth ratio of each."""
    at_scale = _side(portfolio.organisations[0], portfolio.latest_year, portfolio.users[0], requests)
    demo_found = _demo_organisation_year()
    demo = None if demo_found is None else _side(*demo_found, requests)
    growth: dict[str, Any] | None = None
    if demo is not None:
        growth = {page: {"p95": ratio(at_scale["pages"][page]["p95_ms"], demo["pages"][page]["p95_ms"]),
                         "queries": ratio(at_scale["pages"][page]["queries"], demo["pages"][page]["queries"])}
                  for page in PAGES}
    return {"scale": at_scale, "demo": demo, "growth": growth,
            "cross_organisation": cross_organisation(portfolio, requests),
            "demo_note": None if demo else "no demo data in this database (manage.py load_demo)"}


def _deep_cursor(model: Any) -> str:
    """A cursor 50 records before the last id, as DRF's CursorPagination encodes one (the page a client reaches by
    following `next` to the end, without walking there)."""
    last = model.objects.aggregate(last=Max("id"))["last"] or 0
    return base64.b64encode(urlencode({"p": str(max(last - 50, 0))}).encode("ascii")).decode("ascii")


def cross_organisation_paths(portfolio: Portfolio) -> dict[str, str]:
    """The lists over every organisation: the admin's scheme and risk lists (first page, one organisation's filter,
    a search) and the API's unfiltered scheme and risk lists (first page and the last)."""
    organisation = portfolio.organisations[len(portfolio.organisations) // 2]
    reference = Scheme.objects.filter(organisation=organisation).order_by("reference").values_list(
        "reference", flat=True).first() or ""
    return {"admin_schemes": "/admin/schemes/scheme/",
            "admin_schemes_of_one_organisation": f"/admin/schemes/scheme/?organisation__id__exact={organisation.pk}",
            "admin_schemes_search_reference": f"/admin/schemes/scheme/?{urlencode({'q': reference[:6]})}",
            "admin_schemes_search_name": "/admin/schemes/scheme/?q=community",
            "admin_risks": "/admin/risks/risk/",
            "api_schemes_first_page": "/api/v1/schemes/",
            "api_schemes_last_page": f"/api/v1/schemes/?{urlencode({'cursor': _deep_cursor(Scheme)})}",
            "api_risks_first_page": "/api/v1/risks/",
            "api_risks_last_page": f"/api/v1/risks/?{urlencode({'cursor': _deep_cursor(Risk)})}"}


def cross_organisation(portfolio: Portfolio, requests: int) -> dict[str, Any]:
    """p50 / p95 and queries of the lists across all organisations, as a superuser (who sees every organisation)."""
    user, _ = get_user_model().objects.get_or_create(
        username=SUPERUSER, defaults={"is_superuser": True, "is_staff": True, "is_active": True})
    client = signed_in_client(user, portfolio.organisations[0].pk, portfolio.latest_year.pk)
    return {"schemes_in_database": Scheme.objects.count(), "risks_in_database": Risk.objects.count(),
            "pages": _measure(client, cross_organisation_paths(portfolio), requests)}
