"""Student uploads: types decided by content, metadata removed, random names on disk.

Submissions include photos of minors, so nothing the client claims (file name, Content-Type) is trusted,
no upload is ever held in memory as a whole, and nothing but our own random names is ever served.
Every kind accepted here is cleaned by `filemeta` before it is kept (Finding #6, Issue 10 item 3): images
re-encoded, PDF, Office and OpenDocument files without authors and properties, audio and video without
tags or recording location; a file that cannot be cleaned is refused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Response, abort, send_from_directory
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from .domain import DomainError
from .extensions import db
from .filemeta import CleaningError, clean_file
from .filemeta.images import IMAGE_FORMATS, MAX_PIXELS  # noqa: F401  (still importable from here)

CHUNK_SIZE = 64 * 1024
MIB = 1024 * 1024
MAX_NAME_LENGTH = 120
# A real DOCX/PPTX central directory is a few KiB; a large one is an attempt to exhaust memory,
# because zipfile builds one object per entry.
MAX_ZIP_DIRECTORY = 1 * MIB

KINDS = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
}
# ISO BMFF major brands; an allow-list, so that HEIC/AVIF photos, QuickTime and 3GP are not labelled MP4.
M4A_BRANDS = {b"M4A ", b"M4B "}
MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"}
MP4_BRANDS |= {b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV", b"f4v "}
ODT_MIMETYPE = KINDS["odt"].encode()
STORAGE_NAME = re.compile(rf"[0-9a-f]{{32}}\.(?P<kind>{'|'.join(KINDS)})")

NOT_ALLOWED = _l("This file type is not allowed. Allowed: PDF, ODT, DOCX, PPTX, JPG, PNG, WebP, MP3, M4A, MP4.")
EMPTY = _l("The file is empty.")


class UploadError(DomainError):
    """A refused upload; `status` is the HTTP status a view should answer with (413 too large, else 400)."""

    def __init__(self, message, status: int = 400, field: str | None = None):
        super().__init__(message, field)
        self.status = status


@dataclass(frozen=True, slots=True)
class StoredFile:
    storage_name: str  # random name inside the upload folder, e.g. "3f…e1.pdf"
    original_name: str  # sanitised by safe_name, for display and download only
    kind: str
    mime_type: str
    size: int  # bytes on disk (after the metadata was removed)
    sha256: str  # of the stored bytes


def store_upload(
    file: FileStorage | IO[bytes], original_name: str, upload_dir: str | Path, max_bytes: int
) -> StoredFile:
    """Stream an upload to disk, refuse it unless its content is an allowed type, remove its metadata, and
    give it a random name; on any refusal nothing stays behind."""
    folder = Path(upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stream = file.stream if isinstance(file, FileStorage) else file
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".part-")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            size, _sha256 = _copy(stream, out, max_bytes)
        if size == 0:
            raise UploadError(EMPTY)
        kind = sniff(temp)
        if kind is None:
            raise UploadError(NOT_ALLOWED)
        try:
            clean_file(temp, kind)
        except CleaningError as exc:
            raise UploadError(exc.message) from exc
        size, sha256 = _digest(temp)
        storage_name = f"{secrets.token_hex(16)}.{kind}"
        os.replace(temp, folder / storage_name)
    finally:
        temp.unlink(missing_ok=True)  # a no-op once the file has been moved
    return StoredFile(storage_name, safe_name(original_name, kind), kind, KINDS[kind], size, sha256)


# A stored file is half of what a request keeps; its row is the other half. A file tied to the session's transaction
# stays when that transaction commits and is removed when it ends any other way (a refused hand-in, the loser of a
# race whose commit fails, an error page), so no file is left on disk without its row (issue 11 items 1 and 5).
_PENDING = "uploads_pending"
log = logging.getLogger(__name__)


def remove_unless_committed(upload_dir: str | Path, stored_name: str) -> None:
    """Tie a stored file to the current transaction of `db.session`: removed again unless that transaction commits."""
    session = db.session()  # this request's session (db.session is its scoped proxy)
    if not session.in_transaction():
        session.begin()  # the transaction that will hold the file's row
    session.info.setdefault(_PENDING, []).append((Path(upload_dir), stored_name))


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's commit: the outer transaction decides
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint or an inner transaction: the outer one decides
        return
    for folder, stored_name in session.info.pop(_PENDING, ()):
        try:
            delete_stored(folder, stored_name)
        except OSError:  # never let a rollback fail; `flask clean-uploads` removes what stays
            log.warning("could not remove the uncommitted upload %s", stored_name, exc_info=True)


def _copy(stream: IO[bytes], out: IO[bytes], max_bytes: int) -> tuple[int, str]:
    """Copy in chunks, reading at most one byte beyond the limit, so an oversized upload stops early."""
    size, digest = 0, hashlib.sha256()
    while chunk := stream.read(min(CHUNK_SIZE, max_bytes + 1 - size)):
        size += len(chunk)
        if size > max_bytes:
            limit = f"{max_bytes / MIB:.1f}".removesuffix(".0")
            raise UploadError(_l("The file is larger than %(limit)s MB.", limit=limit), status=413)
        digest.update(chunk)
        out.write(chunk)
    return size, digest.hexdigest()


def sniff(path: Path) -> str | None:
    """The allowed kind the file's content belongs to, or None; magic bytes only, never the name."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and int.from_bytes(head[:4], "big") >= 16:
        brand = head[8:12]
        return "m4a" if brand in M4A_BRANDS else "mp4" if brand in MP4_BRANDS else None
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(path)
    if head.startswith(b"ID3"):
        return "mp3" if _frame_after_id3(path, head) else None
    return "mp3" if _is_mpeg_frame(head) else None


def _is_mpeg_frame(header: bytes) -> bool:
    """An MPEG audio Layer III frame header: sync bits set, no reserved version, bit rate or sample rate."""
    if len(header) < 4:
        return False
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 3
    sync = header[0] == 0xFF and header[1] & 0xE0 == 0xE0
    return sync and version != 1 and layer == 1 and 0 < bitrate < 15 and rate != 3


def _frame_after_id3(path: Path, head: bytes) -> bool:
    """An ID3v2 tag is only a label; the file counts as MP3 only if an audio frame follows it."""
    size = head[6:10]
    if len(head) < 10 or head[3] not in (2, 3, 4) or any(byte & 0x80 for byte in size):
        return False
    end = 10 + sum(byte << (7 * (3 - i)) for i, byte in enumerate(size)) + (10 if head[5] & 0x10 else 0)
    with path.open("rb") as handle:
        handle.seek(end)
        return _is_mpeg_frame(handle.read(4))


def _office_kind(path: Path) -> str | None:
    """ODT, DOCX or PPTX, judged from the central directory and the tiny `mimetype` entry; nothing is extracted."""
    if not _small_zip_directory(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            first = entries[0] if entries else None
            if first and first.filename == "mimetype" and first.header_offset == 0:
                if first.file_size > len(ODT_MIMETYPE):
                    return None
                with archive.open(first) as entry:
                    return "odt" if entry.read(len(ODT_MIMETYPE) + 1) == ODT_MIMETYPE else None
            names = {entry.filename for entry in entries}
    except Exception:  # a broken, encrypted or exotic archive is simply not an allowed document
        return None
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "ppt/presentation.xml" in names:
            return "pptx"
    return None


def _small_zip_directory(path: Path) -> bool:
    """Read the end-of-central-directory record as zipfile does and refuse big directories and ZIP64."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 22 - 0xFFFF))
        tail = handle.read()
    if tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
        record = tail[-22:]
    else:
        start = tail.rfind(b"PK\x05\x06")
        record = tail[start : start + 22] if start >= 0 else b""
    if len(record) < 22:
        return False
    directory_size = int.from_bytes(record[12:16], "little")
    return directory_size <= MAX_ZIP_DIRECTORY  # ZIP64 marks this field 0xFFFFFFFF


def _digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return path.stat().st_size, digest.hexdigest()


_RESERVED = re.compile(r'[<>:"|?*]')  # not allowed in Windows file names
_EXTENSION = re.compile(r"\.(?=\d*[^\W\d])\w{1,5}$", re.ASCII)


def safe_name(name: str, kind: str) -> str:
    """A name for display and download: the last path part, no control or bidi characters, no leading dots,
    at most MAX_NAME_LENGTH characters, and the extension of the sniffed kind (so `x.exe` on a PDF is `x.pdf`)."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isspace() or unicodedata.category(char)[0] != "C")
    name = " ".join(_RESERVED.sub("_", re.sub(r"\.{2,}", ".", name)).split())
    stem = _EXTENSION.sub("", name).strip(" .")
    if stem.lower().endswith(f".{kind}"):  # `report.pdf.exe` becomes `report.pdf`, not `report.pdf.pdf`
        stem = stem[: -len(kind) - 1]
    stem = stem[: MAX_NAME_LENGTH - len(kind) - 1].rstrip(" .")
    return f"{stem or 'file'}.{kind}"


def send_stored(upload_dir: str | Path, stored_name: str, download_name: str, mime_type: str) -> Response:
    """Send a stored file as a download that browsers neither render nor sniff; 404 for any name we did not
    generate, so no path can reach outside the upload folder."""
    match = STORAGE_NAME.fullmatch(stored_name)
    if match is None:
        abort(404)
    kind = match["kind"]
    response = send_from_directory(
        Path(upload_dir).absolute(),  # Flask would resolve a relative folder against the app, not as stored
        stored_name,
        as_attachment=True,
        download_name=safe_name(download_name, kind),
        mimetype=mime_type if mime_type == KINDS[kind] else "application/octet-stream",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def delete_stored(upload_dir: str | Path, stored_name: str) -> None:
    """Remove a stored file; a missing one is fine, a name we did not generate is a programming error."""
    if not STORAGE_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    (Path(upload_dir) / stored_name).unlink(missing_ok=True)


def clean_stored(upload_dir: str | Path, stored_name: str, kind: str) -> tuple[int, str]:
    """Remove the metadata of a file stored earlier (Finding #6): the cleaned copy replaces it only once it
    is complete, so a file that cannot be cleaned stays as it was. Returns the new size and SHA-256."""
    if not STORAGE_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    path = Path(upload_dir) / stored_name
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out, path.open("rb") as source:
            while chunk := source.read(CHUNK_SIZE):
                out.write(chunk)
        clean_file(temp, kind)
        size, sha256 = _digest(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return size, sha256


# Leftovers of killed requests, removed by `flask clean-uploads` (part of `flask daily`):
PART_MAX_AGE_SECONDS = 24 * 3600  # a `.part-*` file this old belongs to no running upload
# A younger stored file may belong to a request between storing it and committing its row: never touched.
STORED_MIN_AGE_SECONDS = 3600


def leftover_parts(upload_dir: str | Path, now: float) -> list[Path]:
    """Temporary `.part-*` files older than a day (`now` in epoch seconds): what killed uploads left behind."""
    return [
        path for path, age in _entries(upload_dir, now) if path.name.startswith(".part-") and age > PART_MAX_AGE_SECONDS
    ]


def settled_stored_names(upload_dir: str | Path, now: float) -> list[str]:
    """Stored files (our random names) older than an hour: whoever stored one has committed its row or never will."""
    return [
        path.name
        for path, age in _entries(upload_dir, now)
        if STORAGE_NAME.fullmatch(path.name) and age > STORED_MIN_AGE_SECONDS
    ]


def _entries(upload_dir: str | Path, now: float) -> list[tuple[Path, float]]:
    """The plain files in the upload folder with their age in seconds (none if there is no folder yet)."""
    folder = Path(upload_dir)
    if not folder.is_dir():
        return []
    entries = []
    with os.scandir(folder) as scan:
        for entry in scan:
            try:
                if entry.is_file(follow_symlinks=False):
                    entries.append((folder / entry.name, now - entry.stat(follow_symlinks=False).st_mtime))
            except FileNotFoundError:  # removed meanwhile (a finished upload's temporary file)
                continue
    return entries
