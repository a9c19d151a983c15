"""The audit log (issue 12): "the audit log records an admin edit, an import and an API write", and every other
create, update and delete, sign-in and export, with who, when, from where, before and after; nobody changes or
deletes it through the application; administrators read, filter and export their own organisation's.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.audit import NOT_AUDITED, audited_models
from governance.models import (
    ApiToken,
    AuditAction,
    AuditEvent,
    AuditLogImmutable,
    AuditSource,
    Membership,
    Organisation,
    Role,
)
from schemes.importers import workbook_import
from schemes.models import Scheme, SchemeMonth
from tests.factories import FinancialYearFactory, OrganisationFactory, ProgrammeFactory, SchemeFactory, api_key, member

pytestmark = pytest.mark.django_db
D = Decimal


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


def after(event: AuditEvent) -> dict[str, Any]:
    assert isinstance(event.after, dict)
    return event.after


def before(event: AuditEvent) -> dict[str, Any]:
    assert isinstance(event.before, dict)
    return event.before


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(ods_code="07N", name="NHS Bexley CCG", amber_factor=D("0.75"))


def on_audit_page(client, user, organisation, year, query: str = ""):
    client.force_login(user)
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    return client.get(f"/audit/{query}")


def test_an_admin_edit_is_recorded_with_who_where_from_before_and_after(client, organisation, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    response = client.post(f"/admin/governance/organisation/{organisation.pk}/change/", {
        "ods_code": "07N", "name": "NHS Bexley CCG", "kind": organisation.kind, "green_factor": "1",
        "amber_factor": "0.5", "red_factor": str(organisation.red_factor), "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    [event] = events(model="governance.organisation", action=AuditAction.UPDATE)
    assert (event.source, event.actor_id, event.actor_username) == (AuditSource.ADMIN, root.pk, "root")
    assert event.organisation_id == organisation.pk and event.object_id == str(organisation.pk)
    assert set(event.before) == set(event.after) == {"amber_factor"}  # the fields that changed, only
    assert (D(before(event)["amber_factor"]), D(after(event)["amber_factor"])) == (D("0.75"), D("0.5"))
    assert event.remote_address == "127.0.0.1"
    assert event.path == f"/admin/governance/organisation/{organisation.pk}/change/"


def test_an_import_is_recorded_row_by_row_with_source_import_and_its_recompute_as_one_job_event(
        organisation, bexley_workbook, run_on_commit):
    importer = member(organisation, Role.ADMINISTRATOR, username="importer")
    run_on_commit(workbook_import, actor=importer, organisation=organisation, year_name="2013/14",
                  source=bexley_workbook)
    created = events(model="schemes.scheme", action=AuditAction.CREATE)
    assert len(created) == 27 == Scheme.objects.count()
    assert {(e.source, e.actor_username, e.organisation_id) for e in created} == {
        (AuditSource.IMPORT, "importer", organisation.pk)}
    assert after(created[0])["gross_saving"] == str(Scheme.objects.get(pk=created[0].object_id).gross_saving)
    assert events(model="governance.importrecord", source=AuditSource.IMPORT)
    [job] = events(action=AuditAction.JOB)  # the set-based recompute: one summary, not a row a scheme
    assert job.source == AuditSource.JOB and job.organisation_id == organisation.pk
    assert after(job)["schemes_written"] == 27 and job.path.startswith("schemes.tasks")


def test_an_api_write_is_recorded_with_source_api_and_the_tokens_user() -> None:
    scheme = SchemeFactory(organisation=OrganisationFactory(ods_code="07N"),
                           year=FinancialYearFactory(start_year=2013))
    month = SchemeMonth.objects.create(scheme=scheme, month=3, plan=D("12500.00"))
    pmo = member(scheme.organisation, Role.PMO_EDITOR, username="pmo")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(pmo)}")
    response = api.patch(f"/api/v1/scheme-months/{month.pk}/", {"version": 1, "actual": "11000.50"}, format="json")
    assert response.status_code == 200, response.content
    [event] = events(model="schemes.schememonth", action=AuditAction.UPDATE)
    assert (event.source, event.actor_id, event.actor_username) == (AuditSource.API, pmo.pk, "pmo")
    assert event.organisation_id == scheme.organisation_id and event.path == f"/api/v1/scheme-months/{month.pk}/"
    assert before(event)["actual"] is None and after(event)["actual"] == "11000.50"
    assert after(event)["version"] == 2


def test_sign_in_a_refused_sign_in_and_sign_out_are_recorded_without_telling_whether_an_account_exists(
        client, django_user_model, settings) -> None:
    settings.AXES_ENABLED = False
    django_user_model.objects.create_user("alice", password="right-password-1")
    client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    client.post("/accounts/login/", {"username": "nobody-here", "password": "wrong"})
    refused = events(action=AuditAction.LOGIN_FAILED)
    assert [e.actor_username for e in refused] == ["alice", "nobody-here"]
    shape = {(e.actor_id, e.object_id, e.model, str(e.before), str(e.after)) for e in refused}
    assert shape == {(None, "", "auth.user", "None", "None")}  # the same for an account and for none
    assert "wrong" not in str([e.__dict__ for e in refused])
    assert client.post("/accounts/login/", {"username": "alice", "password": "right-password-1"}).status_code == 302
    client.post("/accounts/logout/")
    [signed_in] = events(action=AuditAction.LOGIN)
    [signed_out] = events(action=AuditAction.LOGOUT)
    assert signed_in.actor_username == signed_out.actor_username == "alice"
    assert signed_in.source == AuditSource.WEB and signed_in.remote_address == "127.0.0.1"
    assert not events(model="auth.user", action=AuditAction.UPDATE)  # last_login alone is the sign-in's


def test_passwords_and_tokens_are_never_stored(django_user_model) -> None:
    user = django_user_model.objects.create_user("bob", password="a-secret-password")
    user.set_password("another-secret")
    user.save()
    key = api_key(user)
    stored = str([(e.before, e.after) for e in events()])
    assert "password" not in stored and "pbkdf2" not in stored and "md5" not in stored
    token = ApiToken.objects.get(user=user)
    assert key not in stored and token.key_hash not in stored and "key_hash" not in stored
    [made] = events(model="governance.apitoken", action=AuditAction.CREATE)
    assert after(made)["prefix"] == key[:8]  # what a person recognises it by, and nothing that could be used
    assert after(events(model="auth.user", action=AuditAction.CREATE)[0])["username"] == "bob"


def test_a_delete_is_recorded_with_what_was_there_and_cascades_too() -> None:
    scheme = SchemeFactory(name="Gone scheme")
    SchemeMonth.objects.create(scheme=scheme, month=1, plan=D("10.00"))
    pk, organisation_id = scheme.pk, scheme.organisation_id
    scheme.delete()
    [event] = events(model="schemes.scheme", action=AuditAction.DELETE)
    assert event.object_id == str(pk) and before(event)["name"] == "Gone scheme" and event.after is None
    assert event.organisation_id == organisation_id and event.source == AuditSource.COMMAND
    [month] = events(model="schemes.schememonth", action=AuditAction.DELETE)
    assert before(month)["plan"] == "10.00" and month.organisation_id == organisation_id


def test_role_grants_and_organisations_financial_years_and_accounts_are_audited() -> None:
    labels = {model._meta.label_lower for model in audited_models()}
    assert {"governance.organisation", "governance.membership", "governance.financialyear",
            "schemes.panelsitting", "schemes.stagechange", "schemes.programmetarget", "finance.financialplan",
            "finance.financialplanline", "auth.user", "auth.group", "schemes.scheme", "risks.risk"} <= labels
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in {"governance", "schemes", "risks", "finance", "dashboards"}:
            assert label in labels or label in NOT_AUDITED or model.__name__.startswith("Historical"), label
    grant = member(OrganisationFactory(), Role.FINANCE)
    [event] = events(model="governance.membership", action=AuditAction.CREATE)
    assert after(event)["role"] == Role.FINANCE and after(event)["user_id"] == grant.pk
    assert event.organisation_id == Membership.objects.get(user=grant).organisation_id


def test_the_log_cannot_be_changed_or_deleted_through_the_application() -> None:
    OrganisationFactory()
    event = AuditEvent.objects.first()
    assert event is not None
    event.object_repr = "rewritten"
    with pytest.raises(AuditLogImmutable):
        event.save()
    with pytest.raises(AuditLogImmutable):
        event.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="rewritten")
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.bulk_update([event], ["object_repr"])
    assert AuditEvent.objects.get(pk=event.pk).object_repr != "rewritten"
    from django.contrib import admin

    assert AuditEvent not in admin.site._registry  # the page is its only reader


def test_deleting_a_user_or_an_organisation_leaves_their_events(django_user_model) -> None:
    organisation = OrganisationFactory()
    user = member(organisation, Role.VIEWER, username="leaver")
    user_id, organisation_id = user.pk, organisation.pk
    kept = set(AuditEvent.objects.values_list("pk", flat=True))
    user.delete()
    organisation.delete()
    assert kept <= set(AuditEvent.objects.values_list("pk", flat=True))
    assert events(model="auth.user", object_id=str(user_id), action=AuditAction.DELETE)
    assert events(model="governance.organisation", object_id=str(organisation_id), action=AuditAction.DELETE)
    assert events(organisation_id=organisation_id, action=AuditAction.CREATE)  # the id stays, unconstrained


def test_administrators_read_their_organisations_log_only_even_by_filter(client, organisation) -> None:
    year = FinancialYearFactory(start_year=2018)
    SchemeFactory(organisation=organisation, year=year, name="Ours scheme")
    other = OrganisationFactory(ods_code="ZZZ", name="Elsewhere CCG")
    SchemeFactory(organisation=other, year=year, name="Theirs scheme")
    admin = member(organisation, Role.ADMINISTRATOR, username="boss")
    page = on_audit_page(client, admin, organisation, year).content.decode()
    assert "Ours scheme" in page and "Theirs scheme" not in page and "Elsewhere" not in page
    assert "Audit log" in page and 'href="/audit/"' in page  # the menu's item
    page = client.get("/audit/?record=Theirs").content.decode()
    assert "Theirs scheme" not in page and "Nothing has been recorded" in page
    csv_text = b"".join(client.get("/audit/export.csv?record=scheme").streaming_content).decode()
    assert "Ours scheme" in csv_text and "Theirs scheme" not in csv_text
    assert "Ours scheme" in client.get("/audit/?action=create&model=schemes.scheme&actor=").content.decode()
    assert "Select a valid choice" in client.get("/audit/?action=explode").content.decode()


def test_every_other_role_is_refused(client, organisation) -> None:
    year = FinancialYearFactory(start_year=2018)
    for role in (Role.VIEWER, Role.PMO_EDITOR, Role.PANEL_MEMBER, Role.FINANCE):
        user = member(organisation, role)
        assert on_audit_page(client, user, organisation, year).status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
        assert 'href="/audit/"' not in client.get("/").content.decode()


def test_the_page_costs_the_same_queries_however_long_the_log_and_pages_by_a_cursor(client, organisation) -> None:
    year = FinancialYearFactory(start_year=2018)
    admin = member(organisation, Role.ADMINISTRATOR)
    on_audit_page(client, admin, organisation, year)
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    for n in range(70):
        SchemeFactory(organisation=organisation, year=year, reference=f"R{n}", name=f"Paged {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/audit/").content.decode()
    assert len(many) == len(few)
    assert not [q for q in many.captured_queries if "COUNT(" in q["sql"].upper() or "OFFSET" in q["sql"].upper()]
    assert page.count("Paged ") == 50 and "Paged 69" in page and "Older" in page
    newest_shown = min(int(e) for e in AuditEvent.objects.filter(object_repr__contains="Paged").values_list(
        "pk", flat=True).order_by("-pk")[:50])
    older = client.get(f"/audit/?before={newest_shown}").content.decode()
    assert "Paged 19" in older and "Paged 20" not in older and "Newest" in older


def test_the_csv_writes_formula_looking_text_as_text_and_the_export_is_itself_recorded(client, organisation) -> None:
    year = FinancialYearFactory(start_year=2018)
    ProgrammeFactory(organisation=organisation, name='=HYPERLINK("http://example.org","x")')
    admin = member(organisation, Role.ADMINISTRATOR, username="exporter")
    on_audit_page(client, admin, organisation, year)
    response = client.get("/audit/export.csv?model=schemes.programme")
    assert response["Content-Disposition"].startswith('attachment; filename="qipp-audit-log-07N-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["When (UTC)", "What happened", "Through", "Who"]
    assert "'=HYPERLINK(\"http://example.org\",\"x\")" in [row[8] for row in rows[1:]]
    [export] = events(action=AuditAction.EXPORT)
    assert (export.actor_username, export.organisation_id, export.source) == ("exporter", organisation.pk, "web")
    assert export.after == {"query": "model=schemes.programme"} and export.object_repr.endswith(".csv")


def test_the_register_csv_download_is_recorded(client, organisation) -> None:
    year = FinancialYearFactory(start_year=2018)
    SchemeFactory(organisation=organisation, year=year)
    viewer = member(organisation, Role.VIEWER, username="reader")
    client.force_login(viewer)
    client.post("/context/", {"organisation": organisation.pk, "year": year.pk})
    response = client.get("/schemes/export.csv")
    assert response.status_code == 200
    [export] = events(action=AuditAction.EXPORT)
    assert export.actor_username == "reader" and after(export)["rows"] == 1
    assert export.object_repr == "qipp-schemes-07N-2018-19.csv"


def test_an_import_rolled_back_leaves_no_event(organisation) -> None:
    from django.db import transaction

    existing = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        SchemeFactory(organisation=organisation, reference="RB")
        raise RuntimeError("the save failed")
    assert AuditEvent.objects.count() == existing


def test_a_recompute_batch_of_several_organisations_records_one_event_for_each_it_changed() -> None:
    from schemes.recompute import portfolio_recompute

    year = FinancialYearFactory(start_year=2013)
    first, second = OrganisationFactory(ods_code="AAA"), OrganisationFactory(ods_code="BBB")
    for organisation in (first, second):
        SchemeFactory(organisation=organisation, year=year, go_live=date(2013, 7, 1), gross_saving=D("1200"))
    portfolio_recompute()
    recorded = events(action=AuditAction.JOB)
    assert {e.organisation_id for e in recorded} == {first.pk, second.pk} and len(recorded) == 2
    assert {after(e)["schemes_written"] for e in recorded} == {1} and {after(e)["year_id"] for e in recorded} == {
        year.pk}
    portfolio_recompute()  # nothing changed: nothing written, nothing recorded
    assert len(events(action=AuditAction.JOB)) == 2
