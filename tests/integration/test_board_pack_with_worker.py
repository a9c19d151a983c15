"""The board pack is produced by a real Celery worker, through Redis, on PostgreSQL: queued from the page, built
and stored by the worker, then downloaded by a governing-body viewer of the same organisation."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from dashboards.exports import SHEETS
from dashboards.services import BOARD_PACK_TASK
from finance.models import BoardPack
from governance.models import JobRun, JobStatus, Role
from schemes.models import SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_produces_the_pack_finance_asked_for_and_a_viewer_downloads_it(celery_worker_process, client):
    organisation = OrganisationFactory(ods_code="INTBP")
    year = FinancialYearFactory(start_year=2013)
    scheme = SchemeFactory(organisation=organisation, year=year, reference="15b", name="=1+1")
    SchemeMonth.objects.create(scheme=scheme, month=4, plan=Decimal("50166.67"), actual=Decimal("40000"))
    client.force_login(member(organisation, Role.FINANCE))
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    response = client.post("/board-packs/", {"month": "10", "commentary": "Worker-built"})
    run = JobRun.objects.get(task=BOARD_PACK_TASK)
    assert response.status_code == 302 and response["Location"] == f"/board-packs/{run.pk}/"
    assert wait_for(lambda: JobRun.objects.get(pk=run.pk).status == JobStatus.FINISHED, timeout=60), (
        JobRun.objects.get(pk=run.pk).failure_reason or "the worker did not produce the pack")
    run.refresh_from_db()
    assert run.attempts == 1 and run.celery_task_id  # the worker, not the web process, ran it
    pack = BoardPack.objects.get(job_run_id=run.pk)
    assert "Ready" in client.get(f"/board-packs/{run.pk}/").content.decode()
    client.force_login(member(organisation, Role.VIEWER))
    download = client.get(f"/board-packs/file/{pack.pk}/")
    assert download.status_code == 200
    workbook: Any = load_workbook(BytesIO(download.content))
    assert workbook.sheetnames == list(SHEETS)
    schemes = workbook["Schemes"]
    assert schemes["C5"].value == "=1+1" and schemes["C5"].data_type == "s"
    assert "Worker-built" in [row[0] for row in workbook["Summary"].iter_rows(values_only=True)]
