"""Producing the board pack from the portal: finance and administrators ask for it, a Celery job (recorded as a
governance JobRun) builds and stores it in the database, the page shows its progress and any member of the
organisation downloads it; nobody else even finds it."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dashboards.exports import SHEETS
from dashboards.services import BOARD_PACK_TASK, board_pack_produce, board_pack_queue
from dashboards.tasks import produce_board_pack
from finance.models import BoardPack
from governance.models import FinancialYear, JobRun, JobStatus, Organisation, Role
from schemes.models import SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


def _organisation_with_a_scheme() -> tuple[Organisation, FinancialYear]:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2013)
    scheme = SchemeFactory(organisation=organisation, year=year, reference="15b", name="GP QIPP")
    SchemeMonth.objects.create(scheme=scheme, month=4, plan=Decimal("50166.67"), actual=Decimal("40000"))
    return organisation, year


def _signed_in(client: Any, organisation: Organisation, year: FinancialYear, role: str) -> Any:
    user = member(organisation, role)
    client.force_login(user)
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    return user


# Not inside a test transaction: as in production, the queued job runs (eagerly) when the queueing commits.
@pytest.mark.django_db(transaction=True)
def test_finance_produce_a_pack_from_the_page_and_it_is_ready_at_once_with_the_embedded_default(client) -> None:
    organisation, year = _organisation_with_a_scheme()
    user = _signed_in(client, organisation, year, Role.FINANCE)
    page = client.get("/board-packs/").content.decode()
    assert "Produce board pack" in page and "No board pack has been produced" in page
    assert "Choose a month" in client.post("/board-packs/", {"month": "13"}).content.decode()
    response = client.post("/board-packs/", {"month": "4", "commentary": "=Finance view: on track"}, follow=True)
    page = response.content.decode()
    run = JobRun.objects.get(task=BOARD_PACK_TASK)
    assert response.redirect_chain[-1][0] == f"/board-packs/{run.pk}/"
    assert run.status == JobStatus.FINISHED and run.requested_by == user and run.attempts == 1
    pack = BoardPack.objects.get()
    assert (pack.organisation, pack.year, pack.month, pack.job_run_id, pack.produced_by) == (
        organisation, year, 4, run.pk, user)
    assert "Ready" in page and f"/board-packs/file/{pack.pk}/" in page and "data-board-pack-pending" not in page
    assert "from today's figures" in page  # no month-end report for M4
    download = client.get(f"/board-packs/file/{pack.pk}/")
    assert download.status_code == 200 and download["Content-Type"].endswith("spreadsheetml.sheet")
    assert f'filename="{pack.file_name}"' in download["Content-Disposition"]
    workbook: Any = load_workbook(BytesIO(download.content))
    assert workbook.sheetnames == list(SHEETS)
    summary = [row[0] for row in workbook["Summary"].iter_rows(values_only=True)]
    assert "=Finance view: on track" in summary  # finance's commentary, kept as text
    assert pack.file_name in client.get("/board-packs/").content.decode()  # listed, with its download


def test_while_queued_the_page_polls_with_a_static_script_and_a_failure_says_why(client) -> None:
    # In the test's transaction the on-commit send never happens: the run stays queued, as with a busy worker.
    organisation, year = _organisation_with_a_scheme()
    _signed_in(client, organisation, year, Role.ADMINISTRATOR)
    response = client.post("/board-packs/", {"month": "4"}, follow=True)
    page = response.content.decode()
    assert "Queued" in page and "waiting for a worker" in page and "data-board-pack-pending" in page
    assert "/static/js/board_pack.js" in page
    assert "reload" not in page and "setTimeout" not in page  # the polling is in the static file, not inline
    run = JobRun.objects.get(task=BOARD_PACK_TASK)
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.STARTED, attempts=1)
    assert "Running" in client.get(f"/board-packs/{run.pk}/").content.decode()
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED, failure_reason="The worker gave up.")
    page = client.get(f"/board-packs/{run.pk}/").content.decode()
    assert "Failed" in page and "The worker gave up." in page and "data-board-pack-pending" not in page
    assert not BoardPack.objects.exists()


def test_only_finance_and_administrators_produce_and_any_member_downloads(client) -> None:
    organisation, year = _organisation_with_a_scheme()
    for role in (Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER):
        with pytest.raises(PermissionDenied):
            board_pack_queue(actor=member(organisation, role), organisation=organisation, year=year, month=4)
    run = board_pack_queue(actor=member(organisation, Role.FINANCE), organisation=organisation, year=year, month=4)
    produce_board_pack.apply(args=[run.pk])  # what the worker does
    pack = BoardPack.objects.get()
    _signed_in(client, organisation, year, Role.VIEWER)
    page = client.get("/board-packs/").content.decode()
    assert "Produce board pack" not in page and "Download" in page
    assert client.post("/board-packs/", {"month": "4"}).status_code == 403
    assert client.get(f"/board-packs/{run.pk}/").status_code == 200
    assert client.get(f"/board-packs/file/{pack.pk}/").status_code == 200  # governing-body viewers read the pack
    client.force_login(member(OrganisationFactory(), Role.ADMINISTRATOR))  # another organisation's administrator
    assert client.get(f"/board-packs/{run.pk}/").status_code == 404
    assert client.get(f"/board-packs/file/{pack.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/board-packs/file/{pack.pk}/").status_code == 302  # to sign in


def test_a_retried_or_redelivered_job_stores_its_pack_once() -> None:
    organisation, year = _organisation_with_a_scheme()
    run = board_pack_queue(actor=member(organisation, Role.FINANCE), organisation=organisation, year=year, month=4)
    first = board_pack_produce(job_run=run)
    assert board_pack_produce(job_run=run) == first  # a retry after the pack was stored finds it
    assert produce_board_pack.apply(args=[run.pk]).get() is not None  # the run finishes
    assert produce_board_pack.apply(args=[run.pk]).get() is None  # delivered again after finishing: nothing to do
    assert BoardPack.objects.count() == 1
    run.refresh_from_db()
    assert run.status == JobStatus.FINISHED and "bytes, from today's figures" in run.result_summary


def test_the_board_packs_page_queries_do_not_grow_with_runs_and_packs(client) -> None:
    organisation, year = _organisation_with_a_scheme()
    finance = member(organisation, Role.FINANCE)
    _signed_in(client, organisation, year, Role.VIEWER)

    def produce(month: int) -> None:
        run = board_pack_queue(actor=finance, organisation=organisation, year=year, month=month)
        produce_board_pack.apply(args=[run.pk])

    produce(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/board-packs/").status_code == 200
    for month in range(2, 8):
        produce(month)
    board_pack_queue(actor=finance, organisation=organisation, year=year, month=9)  # one still queued
    with CaptureQueriesContext(connection) as many:
        page = client.get("/board-packs/").content.decode()
    assert page.count("Download QIPP board pack") == 7 and "waiting for a worker" in page
    assert len(many) == len(one)
