"""Background job runs (issue 9 section 2): recorded when queued, started, finished or failed with the reason.

Celery is eager here (no REDIS_URL), so `.delay` runs the task in-process once the queueing commits.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError

from finance import services
from finance.models import VarianceReport
from governance.models import JobRun, JobStatus, Role
from governance.services import job_run_queue, job_run_start, system_actor
from schemes.models import SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    SchemeMonth.objects.create(scheme=SchemeFactory(organisation=organisation, year=year), month=10,
                               plan=Decimal("5"))
    return organisation, year


def test_the_queued_report_is_produced_and_the_run_says_so(world, django_capture_on_commit_callbacks) -> None:
    organisation, year = world
    person = member(organisation, Role.FINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.month_end_report_queue(actor=person, organisation=organisation, year=year, month=10)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.requested_by, run.month) == (JobStatus.FINISHED, 1, person, 10)
    assert run.result_summary == "Issue 1 of M10 2018/19"
    assert run.started_at is not None and run.finished_at is not None
    assert run.queued_at <= run.started_at <= run.finished_at
    report = VarianceReport.objects.get(job_run_id=run.pk)
    assert (report.issue, report.is_current) == (1, True)


def test_a_finished_run_is_not_started_again_so_a_redelivery_writes_nothing(world) -> None:
    organisation, year = world
    from finance.tasks import produce_month_end_report

    run = job_run_queue(actor=None, task=services.MONTH_END_REPORT_TASK, organisation=organisation, year=year,
                        month=10)
    assert produce_month_end_report.apply(args=(run.pk,)).get() == "Issue 1 of M10 2018/19"
    assert produce_month_end_report.apply(args=(run.pk,)).get() is None
    run.refresh_from_db()
    assert (run.status, run.attempts) == (JobStatus.FINISHED, 1)
    assert job_run_start(job_run_id=run.pk) is None
    assert VarianceReport.objects.filter(organisation=organisation).count() == 1


def test_a_run_that_cannot_report_fails_with_the_reason_and_saves_nothing() -> None:
    organisation = OrganisationFactory()
    year = FinancialYearFactory(start_year=2018)
    from finance.tasks import produce_month_end_report

    run = job_run_queue(actor=system_actor("month-end report"), task=services.MONTH_END_REPORT_TASK,
                        organisation=organisation, year=year, month=10)
    with pytest.raises(ValidationError):
        produce_month_end_report.apply(args=(run.pk,), throw=True)
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and "nothing to report" in run.failure_reason
    assert not VarianceReport.objects.exists()


def test_the_last_failed_retry_records_the_database_error(world, monkeypatch) -> None:
    organisation, year = world
    from finance import tasks

    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks.services, "month_end_report_produce", broken)
    monkeypatch.setattr(tasks.produce_month_end_report, "max_retries", 0)
    run = job_run_queue(actor=None, task=services.MONTH_END_REPORT_TASK, organisation=organisation, year=year,
                        month=10)
    with pytest.raises(OperationalError):
        tasks.produce_month_end_report.apply(args=(run.pk,), throw=True)
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED
    assert run.failure_reason == "OperationalError: server closed the connection unexpectedly"


def test_only_finance_and_administrators_queue_reports(world) -> None:
    organisation, year = world
    with pytest.raises(PermissionDenied):
        services.month_end_report_queue(actor=member(organisation, Role.VIEWER), organisation=organisation,
                                        year=year, month=10)
    assert not JobRun.objects.exists()


# A real commit (not the test's wrapping transaction), so the eager task runs when the queueing commits.
@pytest.mark.django_db(transaction=True)
def test_the_command_queues_the_report_and_prints_the_result_when_eager(world) -> None:
    from io import StringIO

    from django.core.management import call_command

    organisation, _year = world
    out = StringIO()
    call_command("month_end_report", organisation=organisation.ods_code, year="2018/19", month=10, stdout=out)
    run = JobRun.objects.get()
    assert f"Job run {run.pk} queued" in out.getvalue()
    assert "Month 10 2018/19: issue 1, 0 budget lines" in out.getvalue()
    assert run.requested_by is not None and run.requested_by.username.startswith("system")
    assert run.status == JobStatus.FINISHED


# --- The administrators' Background jobs page -------------------------------------------------------------------


def _runs(organisation, year, count: int, **fields) -> None:
    for month in range(count):
        job_run_queue(actor=None, task=services.MONTH_END_REPORT_TASK, organisation=organisation, year=year,
                      month=month % 12 + 1)
    if fields:
        JobRun.objects.filter(organisation=organisation).update(**fields)


def _on_jobs_page(client, user, organisation, year, query: str = ""):
    client.force_login(user)
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    return client.get(f"/jobs/{query}")


def test_administrators_see_their_organisations_runs_in_words_and_no_one_elses(client, world, django_user_model):
    organisation, year = world
    _runs(organisation, year, 1, status=JobStatus.FAILED, failure_reason="Nothing to report yet.", attempts=2)
    other = OrganisationFactory(ods_code="ZZZ")
    _runs(other, year, 1)
    job_run_queue(actor=None, task="schemes.tasks.recompute_portfolio")
    page = _on_jobs_page(client, member(organisation, Role.ADMINISTRATOR), organisation, year).content.decode()
    assert "Month-end variance report" in page and "Nothing to report yet." in page and "Failed" in page
    assert "1 job run, newest first" in page and "ZZZ 2018/19" not in page
    assert "Every organisation" not in page  # the schedule's portfolio-wide runs are for superusers
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    page = _on_jobs_page(client, superuser, organisation, year).content.decode()
    assert "Recompute of every organisation&#x27;s figures" in page and "Every organisation" in page
    assert "2 job runs, newest first" in page and "ZZZ 2018/19" not in page  # the chooser lists ZZZ; the runs do not


def test_every_other_role_is_refused(client, world):
    organisation, year = world
    for role in (Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER, Role.FINANCE):
        assert _on_jobs_page(client, member(organisation, role), organisation, year).status_code == 403


def test_runs_are_filtered_by_progress_and_a_bad_filter_is_said_in_words(client, world):
    organisation, year = world
    _runs(organisation, year, 2)
    JobRun.objects.filter(pk=JobRun.objects.order_by("pk").first().pk).update(status=JobStatus.FINISHED)
    admin = member(organisation, Role.ADMINISTRATOR)
    assert "1 job run," in _on_jobs_page(client, admin, organisation, year, "?status=finished").content.decode()
    page = _on_jobs_page(client, admin, organisation, year, "?status=exploded").content.decode()
    assert "Select a valid choice" in page and "job run," not in page


def test_the_page_queries_do_not_grow_with_runs_and_it_pages_by_fifty(client, world):
    organisation, year = world
    admin = member(organisation, Role.ADMINISTRATOR)
    _runs(organisation, year, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _on_jobs_page(client, admin, organisation, year)  # signed in, working organisation chosen
    with CaptureQueriesContext(connection) as few:
        client.get("/jobs/")
    _runs(organisation, year, 70)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/jobs/").content.decode()
    assert len(many) == len(few)
    assert "72 job runs, newest first: page 1 of 2" in page and page.count("waiting for a worker") == 50
    older = _on_jobs_page(client, admin, organisation, year, "?page=2").content.decode()
    assert older.count("waiting for a worker") == 22
