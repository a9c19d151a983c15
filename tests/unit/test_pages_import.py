"""The workbook import page: check a file (nothing saved), then import it (the same service as the command)."""

from __future__ import annotations

import html
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from governance.middleware import SESSION_ORGANISATION
from governance.models import Role
from schemes import uploads
from schemes.models import DirectorAssessment, FigureOverride, PanelSitting, Scheme, SchemeRating
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member
from tests.workbooks import active_sheet

pytestmark = pytest.mark.django_db
URL = "/schemes/import/"


# --- Fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_temp_dir(tmp_path, monkeypatch):
    """Kept uploads go under this test's own temp folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


@pytest.fixture
def bexley():
    return OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")


@pytest.fixture
def year():
    return FinancialYearFactory(start_year=2013)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(bexley, year) -> Client:
    return client_for(member(bexley, Role.ADMINISTRATOR, username="ada"))


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def edited(source: Path, tmp_path: Path, edits: dict[str, Any]) -> Path:
    book = openpyxl.load_workbook(source)
    for cell, value in edits.items():
        active_sheet(book)[cell] = value
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def schemes_only_workbook(tmp_path: Path) -> Path:
    """A table with no ratings, change in delivery or published figures: schemes and nothing else."""
    book = openpyxl.Workbook()
    sheet = active_sheet(book)
    sheet.title = "Schemes"
    sheet.append(["File REF", "Transformation Headings", "Scheme Heading", "Go 'Live' Date",
                  "(Full Year) Effect Net Saving"])
    sheet.append(["MM1", "Planned Care", "Ophthalmology pathway", "Jul-13", 120000])
    sheet.append(["MM2", "Planned Care", "Dermatology triage", "Apr-13", 60000])
    path = tmp_path / "schemes-only.xlsx"
    book.save(path)
    return path


def preview(client: Client, path: Path, **data: str):
    return client.post(URL, {"workbook": upload(path), **data})


def confirm(client: Client, response=None, **data: str):
    digest = response.context["upload"].digest if response is not None else ""
    return client.post(URL, {"step": "confirm", "digest": digest, **data})


def kept_files() -> list[Path]:
    return sorted(uploads.upload_dir().iterdir())


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The page ---------------------------------------------------------------------------------------


def test_the_page_names_the_working_organisation_and_year(admin):
    response = admin.get(URL)
    assert response.status_code == 200
    page = text_of(response)
    assert "Importing into NHS Bexley CCG, 2013/14" in page
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'accept=".xlsx' in page
    assert "Sheet name (optional)" in page


def test_the_register_links_to_the_page_only_for_roles_that_edit_schemes(bexley, year):
    editor = client_for(member(bexley, Role.PMO_EDITOR))
    viewer = client_for(member(bexley, Role.VIEWER))
    assert "Import a workbook" in text_of(editor.get("/schemes/"))
    assert URL in text_of(editor.get("/schemes/"))
    assert "Import a workbook" not in text_of(viewer.get("/schemes/"))


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PANEL_MEMBER, Role.FINANCE])
def test_roles_that_cannot_edit_schemes_get_403_on_get_and_post(bexley, year, bexley_workbook, role):
    client = client_for(member(bexley, role))
    assert client.get(URL).status_code == 403
    assert preview(client, bexley_workbook).status_code == 403
    assert client.post(URL, {"step": "confirm", "digest": "x"}).status_code == 403
    assert Scheme.objects.count() == 0
    assert not kept_files()


def test_signed_out_users_are_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Step 1: check the file (nothing saved) ---------------------------------------------------------


def test_preview_lists_27_schemes_and_4_overrides_and_saves_nothing(admin, bexley_workbook):
    response = preview(admin, bexley_workbook)
    assert response.status_code == 200
    page = text_of(response)
    assert Scheme.objects.count() == 0
    assert (FigureOverride.objects.count(), PanelSitting.objects.count(), DirectorAssessment.objects.count()) == (
        0, 0, 0)
    report = response.context["report"]
    assert len(report.created) == 27 and report.updated == [] and report.unchanged == []
    assert page.count("Create it") == 27
    assert "Import 27 schemes" in page
    assert "Nothing has been saved yet" in page
    assert len(report.overrides) == 4
    assert "Figures kept as published overrides" in page
    assert ("GP QIPP - PMC: Director's value this year £141,000 in the file, £150,000.00 by the formula: "
            "kept as an override") in page
    assert "Adult Intergrated Care" in page  # the months-in-file warning is shown
    # The file is kept on the server for the confirmation, named by a token; the session has no bytes.
    kept = uploads.pending(admin.session)
    assert kept is not None and kept.name == "bexley_2013_14_appendix1.xlsx"
    assert kept_files() == [kept.path]
    assert kept.path.read_bytes() == bexley_workbook.read_bytes()
    assert oct(kept.path.stat().st_mode & 0o777) == "0o600"
    assert set(admin.session[uploads.SESSION_KEY]) == {
        "token", "digest", "name", "size", "sheet", "organisation_id", "year_id"}


def test_an_invalid_workbook_lists_its_problems_by_sheet_row_and_column_and_saves_nothing(
    admin, bexley_workbook, tmp_path
):
    response = preview(admin, edited(bexley_workbook, tmp_path, {"P10": "Purple", "F11": "soon"}))
    assert response.status_code == 200
    page = text_of(response)
    assert "nhsuk-error-summary" in page
    assert "edited.xlsx cannot be imported" in page
    assert "Nothing has been saved" in page
    assert "sheet 'Appendix 1', row 10, column P" in page
    assert "'Purple' is not a RAG rating: use Green, Amber or Red" in page
    assert "sheet 'Appendix 1', row 11, column F" in page
    assert "these 2 problems" in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error:" in page
    assert Scheme.objects.count() == 0
    assert uploads.pending(admin.session) is None and not kept_files()


def test_a_workbook_for_another_year_is_refused(bexley, bexley_workbook):
    FinancialYearFactory(start_year=2014)
    client = client_for(member(bexley, Role.ADMINISTRATOR))
    assert "Importing into NHS Bexley CCG, 2014/15" in text_of(client.get(URL))  # newest year first
    page = text_of(preview(client, bexley_workbook))
    assert "is for another year: this import is for 2014/15" in page
    assert Scheme.objects.count() == 0


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (SimpleUploadedFile("schemes.csv", b"File REF,Scheme Heading\n1,Thing\n", content_type="text/csv"),
         "“schemes.csv” is not an Excel workbook: choose a file ending .xlsx"),
        (SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0 old excel"),
         "“old.xls” is not an Excel workbook: choose a file ending .xlsx"),
        (SimpleUploadedFile("renamed.xlsx", b"just some text, not a workbook"),
         "“renamed.xlsx” ends .xlsx but is not an Excel workbook"),
        (SimpleUploadedFile("huge.xlsx", b"PK\x03\x04" + b"0" * (5 * 1024 * 1024)),
         "“huge.xlsx” is 5.0 MB: the largest workbook you can import is 5 MB"),
        (SimpleUploadedFile("empty.xlsx", b""), "The file you chose is empty"),
    ],
    ids=["csv", "xls", "renamed-text", "over-5mb", "empty"],
)
def test_files_that_are_not_small_xlsx_workbooks_are_refused_in_words(admin, file, expected):
    response = admin.post(URL, {"workbook": file})
    assert response.status_code == 200
    page = text_of(response)
    assert expected in page
    assert 'href="#id_workbook"' in page  # the error summary links to the file box
    assert "nhsuk-error-message" in page
    assert Scheme.objects.count() == 0 and not kept_files()


def test_no_file_chosen_is_refused_in_words(admin):
    page = text_of(admin.post(URL, {"sheet": ""}))
    assert "Choose the workbook (.xlsx) to import." in page


def test_a_sheet_that_does_not_exist_is_named(admin, bexley_workbook):
    page = text_of(preview(admin, bexley_workbook, sheet="Appendix 2"))
    assert "The workbook has no sheet called 'Appendix 2'." in page
    assert Scheme.objects.count() == 0


def test_a_named_sheet_is_used_and_kept_for_the_confirmation(admin, bexley_workbook):
    response = preview(admin, bexley_workbook, sheet=" Appendix 1 ")
    assert response.context["report"].sheet == "Appendix 1"
    assert uploads.pending(admin.session).sheet == "Appendix 1"


# --- Step 2: import it ------------------------------------------------------------------------------


def test_confirm_imports_the_checked_file_and_recomputes_figures(
    admin, bexley, bexley_workbook, django_capture_on_commit_callbacks
):
    checked = preview(admin, bexley_workbook)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin, checked)
    assert response.status_code == 302 and response["Location"] == "/schemes/"
    assert Scheme.objects.filter(organisation=bexley).count() == 27
    pmc = Scheme.objects.get(organisation=bexley, name="GP QIPP - PMC")
    assert pmc.director_value == Decimal("141000.00")
    assert pmc.overridden_fields == ["director_value"]
    assert pmc.figures_computed_at is not None
    assert FigureOverride.objects.filter(cleared_at__isnull=True).count() == 4
    assert SchemeRating.objects.count() == 27
    assert pmc.history.first().history_user.username == "ada"  # the import is done as the signed-in user
    assert message_texts(response) == [
        "Imported bexley_2013_14_appendix1.xlsx into NHS Bexley CCG, 2013/14: 27 created, 0 updated, "
        "0 unchanged; 4 figures kept as published overrides."
    ]
    assert uploads.pending(admin.session) is None and not kept_files()
    register = text_of(admin.get("/schemes/"))
    assert "27 schemes of NHS Bexley CCG" in register


def test_reimporting_the_same_file_changes_nothing_and_says_so(admin, bexley_workbook,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin, preview(admin, bexley_workbook))
    history = (Scheme.history.count(), FigureOverride.history.count(), SchemeRating.history.count(),
               DirectorAssessment.objects.count(), PanelSitting.objects.count())
    again = preview(admin, bexley_workbook)
    page = text_of(again)
    assert "importing it will change nothing" in page
    assert page.count("Leave it unchanged") == 27
    assert "Import 27 schemes" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin, again)
    assert message_texts(response) == [
        "bexley_2013_14_appendix1.xlsx matches what is already saved for NHS Bexley CCG, 2013/14, so importing it "
        "changed nothing: 0 created, 0 updated, 27 unchanged; 4 figures kept as published overrides."
    ]
    assert history == (Scheme.history.count(), FigureOverride.history.count(), SchemeRating.history.count(),
                       DirectorAssessment.objects.count(), PanelSitting.objects.count())


def test_confirm_without_a_checked_file_is_refused_clearly(admin):
    response = admin.post(URL, {"step": "confirm", "digest": "0" * 64})
    assert response.status_code == 400
    page = text_of(response)
    assert "There is no checked workbook waiting to be imported" in page
    assert "Nothing has been saved" in page
    assert Scheme.objects.count() == 0


def test_a_second_confirm_after_importing_is_refused(admin, bexley_workbook, django_capture_on_commit_callbacks):
    checked = preview(admin, bexley_workbook)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin, checked)
    response = confirm(admin, checked)
    assert response.status_code == 400
    assert "There is no checked workbook waiting" in text_of(response)
    assert Scheme.history.filter(history_type="+").count() == 27


def test_confirm_from_a_page_drawn_for_another_file_is_refused(admin, bexley_workbook, tmp_path):
    first = preview(admin, bexley_workbook)
    preview(admin, schemes_only_workbook(tmp_path))  # checked in another tab meanwhile
    response = confirm(admin, first)
    assert response.status_code == 409
    assert "You have checked another workbook (schemes-only.xlsx) since this page was shown" in text_of(response)
    assert Scheme.objects.count() == 0
    assert uploads.pending(admin.session).name == "schemes-only.xlsx"  # the other tab can still import it


def test_a_new_upload_replaces_the_file_kept_before(admin, bexley_workbook):
    preview(admin, bexley_workbook)
    first = uploads.pending(admin.session)
    preview(admin, bexley_workbook)
    second = uploads.pending(admin.session)
    assert first.token != second.token
    assert kept_files() == [second.path]


def test_cancel_deletes_the_kept_file(admin, bexley_workbook):
    preview(admin, bexley_workbook)
    response = admin.post(URL, {"step": "cancel"})
    assert response.status_code == 302 and response["Location"] == URL
    assert message_texts(response) == ["Import cancelled: nothing was saved."]
    assert uploads.pending(admin.session) is None and not kept_files()
    assert Scheme.objects.count() == 0


def test_a_kept_file_changed_on_the_server_is_not_imported(admin, bexley_workbook, tmp_path):
    preview(admin, bexley_workbook)
    kept = uploads.pending(admin.session)
    kept.path.write_bytes(edited(bexley_workbook, tmp_path, {"D10": "Tampered"}).read_bytes())
    response = admin.post(URL, {"step": "confirm", "digest": kept.digest})
    assert response.status_code == 400
    assert "The workbook kept on the server is not the one you checked" in text_of(response)
    assert Scheme.objects.count() == 0 and not kept_files()


def test_a_kept_file_that_expired_is_explained(admin, bexley_workbook):
    preview(admin, bexley_workbook)
    kept = uploads.pending(admin.session)
    old = time.time() - uploads.MAX_AGE.total_seconds() - 60
    os.utime(kept.path, (old, old))
    uploads.remove_stale()
    response = admin.post(URL, {"step": "confirm", "digest": kept.digest})
    assert response.status_code == 400
    assert "is no longer waiting on the server" in text_of(response)
    assert Scheme.objects.count() == 0


def test_only_one_of_several_confirmations_at_once_gets_the_file(admin, bexley_workbook):
    """A double (or quadruple) click: the claims run in threads released together; one gets the file."""
    preview(admin, bexley_workbook)
    kept = uploads.pending(admin.session)
    start = threading.Barrier(4)

    def claim() -> bytes | Exception:
        start.wait(10)
        try:
            return uploads.claim(kept)
        except uploads.UploadGone as gone:
            return gone

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: claim(), range(4)))
    assert [result for result in results if isinstance(result, bytes)] == [bexley_workbook.read_bytes()]
    assert sum(isinstance(result, uploads.UploadGone) for result in results) == 3
    with pytest.raises(uploads.UploadGone):  # and a later confirmation finds nothing either
        uploads.claim(kept)


def test_a_tampered_session_token_cannot_name_another_file(admin, bexley_workbook):
    preview(admin, bexley_workbook)
    session = admin.session
    session[uploads.SESSION_KEY] = {**session[uploads.SESSION_KEY], "token": "../../etc/passwd"}
    session.save()
    response = admin.post(URL, {"step": "confirm", "digest": ""})
    assert response.status_code == 400
    assert Scheme.objects.count() == 0


# --- Roles and organisations ------------------------------------------------------------------------


def test_an_editor_without_panel_roles_cannot_import_ratings_but_can_import_schemes(
    bexley, year, bexley_workbook, tmp_path, django_capture_on_commit_callbacks
):
    editor = client_for(member(bexley, Role.PMO_EDITOR))
    page = text_of(editor.get(URL))
    assert "Your role can import schemes only" in page
    refused = preview(editor, bexley_workbook)
    assert refused.status_code == 403
    assert "Your role at NHS Bexley CCG does not allow you to" in text_of(refused)
    assert "Nothing has been saved" in text_of(refused)
    assert Scheme.objects.count() == 0 and not kept_files()
    checked = preview(editor, schemes_only_workbook(tmp_path))
    assert checked.status_code == 200 and "Import 2 schemes" in text_of(checked)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(editor, checked)
    assert response.status_code == 302
    ophthalmology = Scheme.objects.get(organisation=bexley, reference="MM1")
    assert ophthalmology.plan_in_year == Decimal("90000.00")  # 120,000 x 9 / 12 from Jul-13


def test_the_page_never_shows_or_touches_another_organisations_data(bexley, year, bexley_workbook,
                                                                      django_capture_on_commit_callbacks):
    greenwich = OrganisationFactory(ods_code="08A", name="NHS Greenwich CCG")
    theirs = SchemeFactory(organisation=greenwich, year=year, reference="15a", name="GP QIPP - PMC Greenwich")
    admin = client_for(member(bexley, Role.ADMINISTRATOR))
    checked = preview(admin, bexley_workbook)
    page = text_of(checked)
    assert "Greenwich" not in page
    assert len(checked.context["report"].created) == 27  # Greenwich's "15a" is not Bexley's
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin, checked)
    assert Scheme.objects.filter(organisation=bexley).count() == 27
    assert list(Scheme.objects.filter(organisation=greenwich)) == [theirs]
    theirs.refresh_from_db()
    assert theirs.name == "GP QIPP - PMC Greenwich" and theirs.version == 1
    # A user of Bexley only cannot make Greenwich the working organisation to import into it.
    session = admin.session
    session[SESSION_ORGANISATION] = greenwich.pk
    session.save()
    assert "Importing into NHS Bexley CCG" in text_of(admin.get(URL))


def test_switching_organisation_between_check_and_import_is_refused(bexley, year, bexley_workbook):
    greenwich = OrganisationFactory(ods_code="08A", name="NHS Greenwich CCG")
    user = member(bexley, Role.ADMINISTRATOR)
    member(greenwich, Role.ADMINISTRATOR, username=user.username)
    client = client_for(user)
    session = client.session
    session[SESSION_ORGANISATION] = bexley.pk
    session.save()
    checked = preview(client, bexley_workbook)
    assert "Importing into NHS Bexley CCG" in text_of(checked)
    session = client.session
    session[SESSION_ORGANISATION] = greenwich.pk
    session.save()
    response = confirm(client, checked)
    assert response.status_code == 400
    assert "You changed the working organisation or year after checking" in text_of(response)
    assert "into NHS Greenwich CCG, 2013/14" in text_of(response)
    assert Scheme.objects.count() == 0 and not kept_files()


def test_stale_kept_files_are_removed():
    directory = uploads.upload_dir()
    old, new = directory / f"{'a' * 64}.xlsx", directory / f"{'b' * 64}.xlsx"
    for path in (old, new):
        path.write_bytes(b"PK")
    stale = time.time() - uploads.MAX_AGE.total_seconds() - 1
    os.utime(old, (stale, stale))
    uploads.remove_stale()
    assert kept_files() == [new]


def test_the_upload_folder_must_be_private():
    directory = uploads.upload_dir()
    directory.chmod(0o755)
    with pytest.raises(PermissionError):
        uploads.upload_dir()
    directory.chmod(0o700)
