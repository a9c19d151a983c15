"""The read API: the checks of the foundation issue, measured through /api/v1/schemes/."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from rest_framework.test import APIClient

from governance.formatting import format_money
from governance.models import Organisation, Role
from tests.api_pages import all_pages
from tests.factories import OrganisationFactory, SchemeFactory, api_key, member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def viewer_client(demo) -> APIClient:
    client = APIClient()
    client.login(username="viewer", password="viewer-demo-2013")
    return client


def test_bexley_figures_match_the_paper(viewer_client):
    rows = all_pages(viewer_client, "/api/v1/schemes/?organisation=07N&year=2013/14")
    assert len(rows) == 27

    def total(field: str) -> Decimal:
        return sum((D(r[field]) for r in rows), D("0"))

    assert abs(total("plan_in_year") - D("11576188")) <= 2
    assert abs(total("most_likely") - D("10425159")) <= 2
    assert abs(total("director_next_year") - D("5390489")) <= 2
    pmc = next(r for r in rows if r["name"] == "GP QIPP - PMC")
    assert abs(D(pmc["director_value"]) - D("141000")) <= 2
    assert "director_value" in pmc["overridden_fields"]
    for key in ("reference", "name", "programme", "phase", "go_live", "full_year_effect", "months_in_year",
                "plan_in_year", "next_year_effect", "overall_rag", "most_likely", "delivery_change_months",
                "director_value", "director_next_year", "overridden_fields"):
        assert key in pmc
    thwaites = next(r for r in rows if r["name"] == "Thwaites")
    assert thwaites["reference"] == "22"
    msk = next(r for r in rows if r["name"] == "MSK")
    assert (msk["go_live"], msk["months_in_year"], msk["overall_rag"], msk["delivery_change_months"]) == (
        "2013-12", 4, "amber", 1)


def test_shropshire_gross_investment_net_and_tbc(viewer_client):
    rows = all_pages(viewer_client, "/api/v1/schemes/?organisation=05N&year=2012/13")
    gross = sum(D(r["gross_saving"]) for r in rows)
    investment = sum(D(r["investment"]) for r in rows if r["investment"] not in (None, "TBC"))
    net = sum(D(r["net_saving"]) for r in rows)
    assert (gross, investment, net) == (D("10543000"), D("382000"), D("10161000"))
    us2 = next(r for r in rows if r["reference"] == "US2")
    assert us2["investment"] == "TBC"  # shown as TBC, not 0
    assert D(us2["net_saving"]) == D("1228000")  # TBC adds nothing
    assert D(us2["stated_net_saving"]) == D("1153000")  # the paper's figure is kept, not dropped


def test_shropshire_savings_gap(demo):
    from finance.selectors import savings_gap
    from governance.models import FinancialYear

    user = member(Organisation.objects.get(ods_code="05N"), Role.FINANCE)
    gap = savings_gap(user, Organisation.objects.get(ods_code="05N"), FinancialYear.objects.by_name("2012/13"))
    assert gap.allocation == D("346027000")
    assert gap.planned_expenditure == D("356570000")
    assert gap.savings_requirement == D("10543000")
    assert gap.gross_identified == D("10543000")
    assert gap.investment == D("382000")
    assert gap.net_identified == D("10161000")
    assert gap.unidentified == D("0")
    assert gap.investment_tbc_schemes == 3


def test_a_user_of_one_organisation_gets_nothing_of_another():
    mine, theirs = OrganisationFactory(ods_code="AAA"), OrganisationFactory(ods_code="BBB")
    own = SchemeFactory(organisation=mine, reference="MINE1")
    other = SchemeFactory(organisation=theirs, reference="THEIRS1")
    client = APIClient()
    client.force_authenticate(member(mine, Role.VIEWER))
    rows = client.get("/api/v1/schemes/").json()["results"]
    assert [r["reference"] for r in rows] == [own.reference]
    assert client.get("/api/v1/schemes/?organisation=BBB").json()["results"] == []
    assert client.get(f"/api/v1/schemes/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/schemes/{own.pk}/").status_code == 200


def test_anonymous_requests_are_refused():
    SchemeFactory()
    assert APIClient().get("/api/v1/schemes/").status_code in (401, 403)


def test_token_authentication():
    organisation = OrganisationFactory()
    SchemeFactory(organisation=organisation)
    key = api_key(member(organisation, Role.FINANCE))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert len(client.get("/api/v1/schemes/").json()["results"]) == 1


def test_bad_year_filter_says_how_to_write_it():
    client = APIClient()
    client.force_authenticate(member(OrganisationFactory(), Role.VIEWER))
    response = client.get("/api/v1/schemes/?year=2013-14")
    assert response.status_code == 400
    assert "write it like 2013/14" in str(response.json())


def test_list_query_count_does_not_grow_with_schemes():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organisation = OrganisationFactory()
    user = member(organisation, Role.VIEWER)
    client = APIClient()
    client.force_authenticate(user)
    SchemeFactory(organisation=organisation)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/schemes/").json()["results"]) == 1
    SchemeFactory.create_batch(40, organisation=organisation)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/schemes/").json()["results"]) == 41
    assert len(many) == len(one)


def test_list_pages_are_keyset_reads_whose_queries_do_not_grow_with_depth_or_rows():
    """Cursor pages in id order: every page costs the same queries, none counts every row or skips with OFFSET,
    and following `next` then `previous` walks the list without repeating or missing a scheme."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organisation = OrganisationFactory()
    client = APIClient()
    client.force_authenticate(member(organisation, Role.VIEWER))
    SchemeFactory.create_batch(60, organisation=organisation)

    def walk() -> tuple[list[int], list[int], list[str]]:
        ids, counts, links = [], [], []
        url = "/api/v1/schemes/"
        while url:
            with CaptureQueriesContext(connection) as queries:
                body = client.get(url).json()
            assert "count" not in body
            assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() or "OFFSET" in q["sql"].upper()]
            ids += [row["id"] for row in body["results"]]
            counts.append(len(queries))
            links.append(body["previous"])
            url = body["next"]
        return ids, counts, links

    ids, counts, previous = walk()
    assert ids == sorted(ids) and len(set(ids)) == 60 and len(counts) == 2
    assert previous[0] is None and "cursor=" in previous[1]
    assert [row["id"] for row in client.get(previous[1]).json()["results"]] == ids[:50]
    SchemeFactory.create_batch(90, organisation=organisation)
    more_ids, more_counts, _ = walk()
    assert more_ids[:60] == ids and len(more_ids) == 150 and len(more_counts) == 3
    assert set(more_counts) == {counts[0]}  # the first page, the deep ones, more rows: the same queries
    # A cursor we never made is "not found", not a server error.
    assert client.get("/api/v1/schemes/?cursor=cD1hYmM=").status_code == 404  # p=abc
    assert client.get("/api/v1/schemes/?cursor=junk").status_code == 404


def test_openapi_schema_is_served():
    client = APIClient()
    client.force_authenticate(member(OrganisationFactory(), Role.VIEWER))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/schemes/" in response.content


class _Tables(HTMLParser):
    """The text of each cell of each table row, by the table's classes; aria-hidden text is left out."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attributes.get("class") or "", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("th", "td") and self._table is not None:
            self._cell = []
        elif tag == "span" and (self._hidden or attributes.get("aria-hidden") == "true"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("th", "td") and self._table is not None and self._cell is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def table_rows(html: str, css_class: str) -> list[list[str]]:
    """The body rows (after the heading row) of the page's table with `css_class`."""
    parser = _Tables()
    parser.feed(html)
    [rows] = [rows for classes, rows in parser.tables.items() if css_class in classes.split()]
    return rows[1:]


def pounds(cell: str) -> Decimal:
    """"£1,164,417" -> 1164417; "(£1,115)" -> -1115."""
    amount = D(cell.strip("()").lstrip("£").replace(",", ""))
    return -amount if cell.startswith("(") else amount


def test_home_page_rolls_up_bexley_by_programme(client, demo):
    from governance.models import FinancialYear
    from schemes.selectors import programme_rollup

    client.login(username="viewer", password="viewer-demo-2013")
    response = client.get("/at-a-glance/")  # a viewer's home is the dashboard
    html = response.content.decode()
    assert "NHS Bexley CCG (07N)" in html and "QIPP 2013/14 at a glance" in html
    rows = table_rows(html, "app-programme-totals")
    assert [row[0] for row in rows] == ["1. Primary & Community", "2. Integrated Care", "3. Planned Care",
                                        "4. Stand alone"]
    by_name = {row[0]: row[1:] for row in rows}
    # Columns: schemes, in-year plan, most likely, director's value, next-year effect.
    assert sum(int(cells[0]) for cells in by_name.values()) == 27
    # Integrated Care includes Adult Integrated Care's plan as set by hand (1,164,417).
    assert pounds(by_name["2. Integrated Care"][1]) == D("1164417") + D("286000") + D("200000") + D("100000") + D(
        "1000000") + D("500000")
    # The paper's most likely total (£10,425,159), from the page's cells in whole pounds.
    assert abs(sum(pounds(cells[2]) for cells in by_name.values()) - D("10425159")) <= 4
    summary = dict(row[:2] for row in table_rows(html, "app-summary-table"))
    assert abs(pounds(summary["Most likely"]) - D("10425159")) <= 2
    assert abs(pounds(summary["In-year plan"]) - D("11576188")) <= 2
    # Every cell is the figure the selector rolls up for this user, as the page formats money.
    rollup = programme_rollup(response.wsgi_request.user, Organisation.objects.get(ods_code="07N"),
                              FinancialYear.objects.by_name("2013/14"))
    assert {name: [str(t.schemes), *(format_money(getattr(t, figure)) for figure in (
        "plan_in_year", "most_likely", "director_value", "next_year_effect"))] for name, t in rollup.items()
            } == by_name


def test_cambridgeshire_qipp_commitment_and_planned_deficit_are_two_figures(demo):
    """Seed 004: spend of 1,216,091 already nets off 35,142 of planned QIPP, so the QIPP commitment is 35,142
    and the planned deficit after it 35,069 (£'000); the home page was showing 35,069 as both."""
    from finance.selectors import savings_gap
    from governance.models import FinancialYear

    organisation = Organisation.objects.get(ods_code="06H")
    gap = savings_gap(member(organisation, Role.FINANCE), organisation, FinancialYear.objects.by_name("2018/19"))
    assert gap.nets_qipp
    assert gap.qipp_commitment == D("35142000")  # the plan's "Planned QIPP" total, (35,142)
    assert gap.planned_surplus == D("-35069000")  # 1,181,022 - 1,216,091: the paper's Surplus/(deficit)
    assert gap.expenditure_before_qipp == D("1251233000") and gap.savings_requirement == D("70211000")
    assert gap.unidentified == D("35142000")  # no schemes loaded: all the QIPP commitment is unidentified


def test_home_page_shows_the_commitment_and_the_deficit_with_their_meanings(client, demo):
    client.login(username="viewer", password="viewer-demo-2013")
    from governance.models import FinancialYear

    client.post("/context/", {"organisation": Organisation.objects.get(ods_code="06H").pk,
                              "year": FinancialYear.objects.by_name("2018/19").pk})
    html = client.get("/at-a-glance/").content.decode()
    assert "NHS Cambridgeshire and Peterborough CCG (06H)" in html
    cell = '</th><td class="nhsuk-table__cell nhsuk-table__cell--numeric"><strong>'
    assert f"QIPP commitment{cell}35,142" in html
    assert f"Planned deficit after QIPP{cell}(35,069)" in html
    assert "Savings requirement (gap)" not in html  # that label means the whole gap is QIPP: not so here


def test_surrey_programme_targets_match_the_four_year_table(client, demo):
    from schemes.selectors import programme_targets

    surrey = Organisation.objects.get(ods_code="5P5")
    viewer = member(surrey, Role.VIEWER, username="surrey-viewer")
    targets = programme_targets(viewer, surrey)
    assert [y.name for y in targets.years] == ["2011/12", "2012/13", "2013/14", "2014/15"]
    assert len(targets.rows) == 17
    # The paper's totals row: 70.00, 67.00, 59.00, 75.00 = 271.00 (£m).
    assert targets.totals == [D("70000000"), D("67000000"), D("59000000"), D("75000000")]
    assert targets.grand_total == D("271000000")
    client.force_login(viewer)
    session = client.session
    session["working_organisation_id"] = surrey.pk
    session.save()
    html = client.get("/at-a-glance/").content.decode()
    assert "Programme savings targets" in html and "271,000" in html
    assert programme_targets(member(Organisation.objects.get(ods_code="07N"), Role.VIEWER), surrey) is None


def test_the_api_docs_are_served_from_our_static_files_with_no_inline_script(client):
    client.force_login(member(OrganisationFactory(), Role.VIEWER))
    html = client.get("/api/docs/").content.decode()
    assert 'id="swagger-ui"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts), scripts
    assert all(src.startswith("/static/") or src.startswith("/api/docs/")
               for src in re.findall(r'(?:src|href)="([^"]+)"', html) if not src.startswith("#")), html
    # The start-up script the page loads is ours, and points Swagger UI at our schema.
    start = next(src for src in re.findall(r'src="([^"]+)"', html) if src.startswith("/api/docs/"))
    assert "/api/schema/" in client.get(start).content.decode()
