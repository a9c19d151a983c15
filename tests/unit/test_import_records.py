"""Imports are records (issue 9 section 3): every saved import leaves who, when, which file, what it did
and what it warned, with links to what it touched, scoped like everything else."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR
from governance.models import FinancialYear, ImportChange, ImportKind, ImportLink, ImportRecord, Organisation, Role
from governance.services import ImportTouch, file_checksum, import_record
from risks.importers import WorkbookInvalid, risk_import
from risks.models import Risk
from schemes.models import FigureOverride, Scheme
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member
from tests.unit.test_risk_importer import S117
from tests.unit.test_risk_importer import workbook as risk_workbook

pytestmark = pytest.mark.django_db


def api(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)  # type: ignore[arg-type]  # a test's user is a User
    return client


def test_the_checksum_is_the_files_sha256():
    assert file_checksum(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_import_record_keeps_counts_warnings_and_links():
    organisation, year = OrganisationFactory(), FinancialYearFactory()
    scheme = SchemeFactory(organisation=organisation, year=year)
    editor = member(organisation, Role.PMO_EDITOR)
    record = import_record(
        actor=editor, kind=ImportKind.SCHEMES, organisation=organisation, year=year, file_name="a.xlsx",
        checksum=file_checksum(b"a"), created=1, updated=0, unchanged=2, warnings=["Row 5: months differ"],
        touched=[ImportTouch(scheme, ImportChange.CREATED, "/schemes/1/")],
    )
    record.refresh_from_db()
    assert (record.imported_by, record.rows_created, record.rows_unchanged) == (editor, 1, 2)
    assert record.warnings == ["Row 5: months differ"]
    link = record.links.get()
    assert link.subject_type == ContentType.objects.get_for_model(scheme) and link.subject_id == scheme.pk
    assert link.label == str(scheme)


def test_import_record_refuses_another_organisations_records_and_roles_that_may_not_import():
    organisation, year = OrganisationFactory(), FinancialYearFactory()
    other_scheme = SchemeFactory(year=year)
    common = {"kind": ImportKind.SCHEMES, "organisation": organisation, "year": year, "file_name": "a.xlsx",
              "checksum": file_checksum(b"a"), "created": 1, "updated": 0, "unchanged": 0}
    with pytest.raises(ValidationError):
        import_record(actor=None, touched=[ImportTouch(other_scheme, ImportChange.CREATED)], **common)
    with pytest.raises(PermissionDenied):
        import_record(actor=member(organisation, Role.VIEWER), **common)
    with pytest.raises(ValidationError):
        import_record(actor=None, **{**common, "kind": "payroll"})
    assert not ImportRecord.objects.exists() and not ImportLink.objects.exists()


# --- Each import kind leaves a record ----------------------------------------------------------------------


def _import_bexley(bexley_workbook: Path) -> ImportRecord:
    call_command("import_workbook", str(bexley_workbook), organisation="07N", year="2013/14", stdout=io.StringIO())
    return ImportRecord.objects.latest("pk")


def test_a_workbook_import_is_recorded_with_its_file_counts_warnings_and_links(bexley_workbook):
    bexley = OrganisationFactory(ods_code="07N", name="Bexley CCG")
    record = _import_bexley(bexley_workbook)
    schemes = Scheme.objects.filter(organisation=bexley)
    assert (record.kind, record.organisation, record.year.name) == (ImportKind.SCHEMES, bexley, "2013/14")
    assert record.file_name == "bexley_2013_14_appendix1.xlsx"
    assert record.checksum == hashlib.sha256(bexley_workbook.read_bytes()).hexdigest()
    assert record.imported_by is not None and record.imported_by.username == "system-workbook-import"
    assert (record.rows_created, record.rows_updated, record.rows_unchanged) == (schemes.count(), 0, 0)
    # The paper's 7 months against the go-live date's 8 is kept, not printed and lost.
    assert any("Adult Intergrated Care" in w and "gives 8" in w for w in record.warnings)
    links = list(record.links.all())
    assert {link.change for link in links} == {ImportChange.CREATED}
    assert {link.subject_type.get_object_for_this_type(pk=link.subject_id) for link in links} == set(schemes)
    adult = schemes.get(reference="1")
    link = next(link for link in links if link.subject_id == adult.pk)
    assert link.url == reverse("schemes:detail", args=[adult.pk]) and link.label == str(adult)


def test_re_importing_the_same_workbook_is_recorded_as_all_unchanged(bexley_workbook):
    OrganisationFactory(ods_code="07N", name="Bexley CCG")
    first = _import_bexley(bexley_workbook)
    again = _import_bexley(bexley_workbook)
    assert again.pk != first.pk and again.checksum == first.checksum
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, first.rows_created)
    assert set(again.links.values_list("change", flat=True)) == {ImportChange.UNCHANGED}
    assert again.warnings == first.warnings


def test_an_imported_override_says_what_the_paper_and_the_formula_gave(bexley_workbook):
    bexley = OrganisationFactory(ods_code="07N", name="Bexley CCG")
    _import_bexley(bexley_workbook)
    adult = Scheme.objects.get(organisation=bexley, reference="1")
    override = FigureOverride.objects.get(scheme=adult, figure="plan_in_year", cleared_at__isnull=True)
    assert override.reason == ("imported from workbook: paper 1,164,417, formula 1,332,853 (from the go-live "
                               "date's 8 months; the paper's 7 months give 1,166,246)")
    pmc = Scheme.objects.get(organisation=bexley, reference="15a")
    assert FigureOverride.objects.get(scheme=pmc).reason == (
        "imported from workbook: paper 141,000, formula 150,000")


def test_an_import_whose_record_fails_saves_nothing(bexley_workbook, monkeypatch):
    OrganisationFactory(ods_code="07N", name="Bexley CCG")

    def refuse(**_: object) -> None:
        raise ValidationError("the record could not be kept")

    monkeypatch.setattr("schemes.importers.writing.import_record", refuse)
    with pytest.raises(CommandError):
        _import_bexley(bexley_workbook)
    assert not Scheme.objects.exists() and not ImportRecord.objects.exists()


def test_a_risk_register_import_is_recorded_and_a_refused_one_is_not():
    organisation, year = OrganisationFactory(), FinancialYearFactory(start_year=2018)
    editor = member(organisation, Role.PMO_EDITOR)
    content = risk_workbook(S117)
    risk_import(actor=editor, organisation=organisation, year_name="2018/19", source=io.BytesIO(content),
                name="risks.xlsx")
    record = ImportRecord.objects.get()
    risk = Risk.objects.get()
    assert (record.kind, record.year, record.file_name, record.imported_by) == (
        ImportKind.RISKS, year, "risks.xlsx", editor)
    assert record.checksum == file_checksum(content)
    assert (record.rows_created, record.rows_updated, record.rows_unchanged) == (1, 0, 0)
    link = record.links.get()
    assert link.subject_type.get_object_for_this_type(pk=link.subject_id) == risk
    assert link.url == reverse("risks:detail", args=[risk.pk])
    risk_import(actor=editor, organisation=organisation, year_name="2018/19", source=io.BytesIO(content),
                name="risks.xlsx")
    again = ImportRecord.objects.latest("pk")
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 1)
    # A refused file saves nothing, so there is no import to record.
    with pytest.raises(WorkbookInvalid):
        risk_import(actor=editor, organisation=organisation, year_name="2018/19",
                    source=io.BytesIO(risk_workbook([S117[0], "", "", "", 6])), name="bad.xlsx")
    assert ImportRecord.objects.count() == 2


# --- The imports page and /api/v1/imports/ ---------------------------------------------------------------------


def _recorded(organisation: Organisation, year: FinancialYear, n: int, kind: str = ImportKind.SCHEMES) -> None:
    for i in range(n):
        schemes = [SchemeFactory(organisation=organisation, year=year) for _ in range(2)]
        import_record(actor=None, kind=kind, organisation=organisation, year=year, file_name=f"file {i}.xlsx",
                      checksum=file_checksum(str(i).encode()), created=1, updated=1, unchanged=0,
                      warnings=[f"warning {i}"],
                      touched=[ImportTouch(schemes[0], ImportChange.CREATED, f"/schemes/{schemes[0].pk}/"),
                               ImportTouch(schemes[1], ImportChange.UPDATED, f"/schemes/{schemes[1].pk}/")])


def _working(client: Client, organisation: Organisation, year: FinancialYear) -> None:
    session = client.session
    session[SESSION_ORGANISATION] = organisation.pk
    session[SESSION_YEAR] = year.pk
    session.save()


def test_the_imports_page_lists_the_working_organisations_imports_filtered_by_kind(client, bexley_workbook):
    bexley = OrganisationFactory(ods_code="07N", name="Bexley CCG")
    record = _import_bexley(bexley_workbook)
    _recorded(bexley, record.year, 1, kind=ImportKind.RISKS)
    _recorded(OrganisationFactory(name="Shropshire CCG"), record.year, 1)
    viewer = member(bexley, Role.VIEWER)
    client.force_login(viewer)
    _working(client, bexley, record.year)
    page = client.get(reverse("imports")).content.decode()
    assert "bexley_2013_14_appendix1.xlsx" in page and "file 0.xlsx" in page
    assert page.count(reverse("import", args=[record.pk])) == 1
    only_schemes = client.get(reverse("imports"), {"kind": ImportKind.SCHEMES}).content.decode()
    assert "bexley_2013_14_appendix1.xlsx" in only_schemes and "file 0.xlsx" not in only_schemes
    assert client.get(reverse("imports"), {"kind": "payroll"}).status_code == 200  # refused in words, no 500
    detail = client.get(reverse("import", args=[record.pk])).content.decode()
    assert record.checksum in detail and "Adult Intergrated Care" in detail
    adult = Scheme.objects.get(organisation=bexley, reference="1")
    assert f'href="{reverse("schemes:detail", args=[adult.pk])}"' in detail
    assert client.get(reverse("schemes:detail", args=[adult.pk])).status_code == 200  # the link resolves


def test_another_organisations_user_sees_none_of_its_imports(client, bexley_workbook):
    OrganisationFactory(ods_code="07N", name="Bexley CCG")
    record = _import_bexley(bexley_workbook)
    shropshire = OrganisationFactory(ods_code="05N", name="Shropshire CCG")
    outsider = member(shropshire, Role.ADMINISTRATOR)
    client.force_login(outsider)
    _working(client, shropshire, record.year)
    assert client.get(reverse("import", args=[record.pk])).status_code == 404
    assert "bexley_2013_14_appendix1.xlsx" not in client.get(reverse("imports")).content.decode()
    assert api(outsider).get("/api/v1/imports/").json()["results"] == []
    assert api(outsider).get(f"/api/v1/imports/{record.pk}/").status_code == 404
    assert not ImportLink.objects.for_user(outsider).exists()


def test_the_imports_api_is_filtered_by_organisation_and_year(bexley_workbook):
    bexley = OrganisationFactory(ods_code="07N", name="Bexley CCG")
    record = _import_bexley(bexley_workbook)
    other_year = FinancialYearFactory(start_year=2014)
    _recorded(bexley, other_year, 1)
    viewer = member(bexley, Role.VIEWER)
    rows = api(viewer).get("/api/v1/imports/?organisation=07n&year=2013/14").json()["results"]
    assert [r["id"] for r in rows] == [record.pk]
    row = rows[0]
    assert (row["organisation"], row["year"], row["kind"], row["checksum"]) == ("07N", "2013/14", "schemes",
                                                                                record.checksum)
    assert row["rows_created"] == record.rows_created and row["warnings"] == record.warnings
    assert row["links"][0]["subject_type"] == "schemes.scheme" and row["links"][0]["change"] == "created"
    assert len(api(viewer).get("/api/v1/imports/?year=2014/15").json()["results"]) == 1
    assert api(viewer).get("/api/v1/imports/?year=2014/16").status_code == 400


def test_page_and_api_query_counts_do_not_grow_with_imports(client):
    organisation, year = OrganisationFactory(), FinancialYearFactory()
    viewer = member(organisation, Role.VIEWER)
    client.force_login(viewer)
    _working(client, organisation, year)

    def count(url: str, use_api: bool = False) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert (api(viewer) if use_api else client).get(url).status_code == 200
        return len(queries)

    _recorded(organisation, year, 1)
    first = ImportRecord.objects.get()
    small = (count(reverse("imports")), count("/api/v1/imports/", use_api=True),
             count(reverse("import", args=[first.pk])))
    _recorded(organisation, year, 12)
    many = ImportRecord.objects.latest("pk")
    SchemeFactory.create_batch(5, organisation=organisation, year=year)
    import_record(actor=None, kind=ImportKind.SCHEMES, organisation=organisation, year=year, file_name="big.xlsx",
                  checksum=file_checksum(b"big"), created=0, updated=0, unchanged=5,
                  touched=[ImportTouch(s, ImportChange.UNCHANGED) for s in Scheme.objects.all()])
    big = ImportRecord.objects.latest("pk")
    assert many.links.count() == 2 and big.links.count() > 20
    assert (count(reverse("imports")), count("/api/v1/imports/", use_api=True),
            count(reverse("import", args=[big.pk]))) == small
