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
from django.urls import reverse

from governance.models import ImportChange, ImportKind, ImportLink, ImportRecord, Role
from governance.services import ImportTouch, file_checksum, import_record
from risks.importers import WorkbookInvalid, risk_import
from risks.models import Risk
from schemes.models import FigureOverride, Scheme
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member
from tests.unit.test_risk_importer import S117
from tests.unit.test_risk_importer import workbook as risk_workbook

pytestmark = pytest.mark.django_db


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
