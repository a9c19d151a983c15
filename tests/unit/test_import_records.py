"""Imports are records (issue 9 section 3): every saved import leaves who, when, which file, what it did
and what it warned, with links to what it touched, scoped like everything else."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from governance.models import ImportChange, ImportKind, ImportLink, ImportRecord, Role
from governance.services import ImportTouch, file_checksum, import_record
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

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
