"""A workbook kept between the import's preview and its confirmation.

The bytes live in a private file under the system temp folder, named by a random token. The session
holds only the token, the SHA-256 of the bytes and what the preview was for (organisation, year,
sheet, file name): the browser never sends the file twice and cannot name a file on the server.
A file is deleted when it is imported, cancelled or replaced by a new upload; files left behind by
abandoned previews are deleted once they are older than MAX_AGE.
"""

from __future__ import annotations

import hmac
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from governance.services import file_checksum

SESSION_KEY = "schemes_workbook_import"  # each import keeps its own file under its own key (e.g. the ledger's)
MAX_AGE = timedelta(hours=12)
TOKEN = re.compile(r"[0-9a-f]{64}")


class UploadGone(Exception):
    """The kept file is missing or is not the one previewed; the message says what to do."""


@dataclass(frozen=True)
class PendingUpload:
    token: str
    digest: str  # SHA-256 of the bytes, hex
    name: str  # the file's name on the user's computer, for display only
    size: int
    sheet: str | None
    organisation_id: int
    year_id: int

    @property
    def path(self) -> Path:
        return upload_dir() / f"{self.token}.xlsx"

    @property
    def claimed_path(self) -> Path:
        return upload_dir() / f"{self.token}.importing"


def upload_dir() -> Path:
    """A folder only this server's user can read, shared by its worker processes."""
    directory = Path(tempfile.gettempdir()) / f"qipp-portal-imports-{os.getuid()}"
    directory.mkdir(mode=0o700, exist_ok=True)
    status = directory.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise PermissionError(f"{directory} must belong to this user and be private (mode 700)")
    return directory


def digest_of(content: bytes) -> str:
    # The same SHA-256 the import's record keeps, so a previewed file and its record name the same bytes.
    return file_checksum(content)


def keep(session: Any, *, content: bytes, name: str, sheet: str | None, organisation_id: int,
         year_id: int, key: str = SESSION_KEY) -> PendingUpload:
    """Keep a previewed workbook for its confirmation, replacing any earlier one of this session."""
    discard(session, key=key)
    remove_stale()
    upload = PendingUpload(
        token=os.urandom(32).hex(), digest=digest_of(content), name=Path(name).name[:200], size=len(content),
        sheet=sheet, organisation_id=organisation_id, year_id=year_id,
    )
    descriptor = os.open(upload.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    session[key] = asdict(upload)
    return upload


def pending(session: Any, *, key: str = SESSION_KEY) -> PendingUpload | None:
    """The workbook this session previewed, if any (anything malformed counts as none)."""
    data = session.get(key)
    if not isinstance(data, dict):
        return None
    try:
        upload = PendingUpload(**data)
    except TypeError:
        return None
    if not isinstance(upload.token, str) or not TOKEN.fullmatch(upload.token):
        return None
    return upload


def claim(upload: PendingUpload) -> bytes:
    """The kept bytes for importing, checked against the digest taken at the preview.

    Claiming renames the file, so of two confirmations at once (a double click) only one imports.
    """
    try:
        upload.path.rename(upload.claimed_path)
    except FileNotFoundError:
        raise UploadGone(
            f"The workbook you checked ({upload.name}) is no longer waiting on the server: it was imported "
            f"already, or it was checked more than {MAX_AGE.total_seconds() / 3600:.0f} hours ago. Nothing has "
            "been saved now. Look in the scheme register, or choose the workbook and check it again."
        ) from None
    content = upload.claimed_path.read_bytes()
    if not hmac.compare_digest(digest_of(content), upload.digest):
        upload.claimed_path.unlink(missing_ok=True)
        raise UploadGone("The workbook kept on the server is not the one you checked. Nothing has been saved. "
                         "Choose the workbook and check it again.")
    return content


def forget(session: Any, *, key: str = SESSION_KEY) -> None:
    """Forget this session's kept workbook, leaving its file (another request may be importing it)."""
    session.pop(key, None)


def discard(session: Any, *, key: str = SESSION_KEY) -> None:
    """Forget this session's kept workbook and delete its file."""
    upload = pending(session, key=key)
    session.pop(key, None)
    if upload is not None:
        upload.path.unlink(missing_ok=True)
        upload.claimed_path.unlink(missing_ok=True)


def remove_stale(now: float | None = None) -> None:
    cutoff = (time.time() if now is None else now) - MAX_AGE.total_seconds()
    for path in upload_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # another process removed it first
