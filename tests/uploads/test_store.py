"""store_upload: allowed types by content, attacks refused, size limit, chunked reading, nothing left behind."""

import hashlib
import io

import pytest
from werkzeug.datastructures import FileStorage

from schoolpartners import uploads
from schoolpartners.domain import DomainError
from schoolpartners.uploads import CHUNK_SIZE, MIB, STORAGE_NAME, StoredFile, UploadError, store_upload

from . import samples

NOT_ALLOWED = "This file type is not allowed. Allowed: PDF, ODT, DOCX, PPTX, JPG, PNG, WebP, MP3, M4A, MP4."


def store(folder, data: bytes, name: str = "upload", max_bytes: int = MIB) -> StoredFile:
    return store_upload(io.BytesIO(data), name, folder, max_bytes)


def refuse(folder, data: bytes, name: str = "upload", max_bytes: int = MIB) -> UploadError:
    with pytest.raises(UploadError) as caught:
        store(folder, data, name, max_bytes)
    assert list(folder.iterdir()) == [], "a refused upload left a file behind"
    return caught.value


@pytest.mark.parametrize(
    ("data", "kind", "mime_type"),
    [
        (samples.PDF, "pdf", "application/pdf"),
        (samples.ODT, "odt", "application/vnd.oasis.opendocument.text"),
        (samples.DOCX, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (samples.PPTX, "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (samples.image("JPEG"), "jpg", "image/jpeg"),
        (samples.image("PNG"), "png", "image/png"),
        (samples.image("WEBP"), "webp", "image/webp"),
        (samples.MP3, "mp3", "audio/mpeg"),
        (samples.MP3_FRAME * 3, "mp3", "audio/mpeg"),
        (samples.iso_bmff(b"M4A "), "m4a", "audio/mp4"),
        (samples.iso_bmff(b"M4B "), "m4a", "audio/mp4"),
        (samples.iso_bmff(b"isom"), "mp4", "video/mp4"),
        (samples.iso_bmff(b"mp42"), "mp4", "video/mp4"),
        (samples.iso_bmff(b"dash"), "mp4", "video/mp4"),
    ],
)
def test_allowed_types_are_stored_under_a_random_name(tmp_path, data, kind, mime_type):
    stored = store(tmp_path, data, name="Hausaufgabe.bin")
    assert (stored.kind, stored.mime_type) == (kind, mime_type)
    assert STORAGE_NAME.fullmatch(stored.storage_name) and stored.storage_name.endswith(f".{kind}")
    assert stored.original_name == f"Hausaufgabe.{kind}"
    assert [path.name for path in tmp_path.iterdir()] == [stored.storage_name]
    content = (tmp_path / stored.storage_name).read_bytes()
    assert stored.size == len(content) and stored.sha256 == hashlib.sha256(content).hexdigest()
    stored_path = tmp_path / stored.storage_name
    assert uploads.sniff(stored_path) == kind  # every kind is rewritten without metadata and stays itself


def test_a_file_storage_is_accepted_and_its_client_claims_ignored(tmp_path):
    upload = FileStorage(io.BytesIO(samples.PDF), filename="evil.html", content_type="text/html")
    stored = store_upload(upload, upload.filename, tmp_path, MIB)
    assert (stored.kind, stored.mime_type, stored.original_name) == ("pdf", "application/pdf", "evil.pdf")


def test_upload_folder_is_created(tmp_path):
    stored = store(tmp_path / "uploads" / "2026", samples.PDF)
    assert (tmp_path / "uploads" / "2026" / stored.storage_name).is_file()


HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "name"),
    [
        pytest.param(HTML, "essay.pdf", id="html-named-pdf"),
        pytest.param(b"  \n" + samples.PDF, "essay.pdf", id="pdf-not-at-start"),
        pytest.param(SVG, "photo.png", id="svg-named-png"),
        pytest.param(b'<?xml version="1.0"?>' + SVG, "photo.png", id="svg-with-xml-declaration"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64), "setup.pdf", id="windows-exe"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + bytes(64), "song.mp3", id="elf"),
        pytest.param(b"#!/bin/sh\nrm -rf ~\n", "notes.docx", id="shell-script"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.png", id="gif"),
        pytest.param(b"plain text", "a.txt", id="text"),
        pytest.param(samples.archive({"a.txt": b"hello"}), "a.docx", id="plain-zip"),
        pytest.param(samples.XLSX, "a.docx", id="xlsx"),
        pytest.param(samples.odf("application/vnd.oasis.opendocument.spreadsheet"), "a.odt", id="ods"),
        pytest.param(samples.ODT_MIMETYPE_NOT_FIRST, "a.odt", id="odt-mimetype-not-first"),
        pytest.param(b"PK\x03\x04" + bytes(40), "a.docx", id="broken-zip"),
        pytest.param(samples.iso_bmff(b"heic"), "a.mp4", id="heic-photo"),
        pytest.param(samples.iso_bmff(b"qt  "), "a.mp4", id="quicktime"),
        pytest.param(b"ID3\x03\x00\x00\x00\x00\x00\x00<html>", "a.mp3", id="id3-without-audio"),
        pytest.param(b"\xff\xfe<\x00h\x00t\x00m\x00l\x00", "a.mp3", id="utf16-html"),
        pytest.param(b"\xff\xf1\x50\x80" + bytes(20), "a.mp3", id="aac-adts"),
    ],
)
def test_other_content_is_refused_whatever_its_name(tmp_path, data, name):
    error = refuse(tmp_path, data, name)
    assert str(error) == NOT_ALLOWED and error.status == 400
    assert isinstance(error, DomainError)


def test_empty_file_is_refused(tmp_path):
    error = refuse(tmp_path, b"", "essay.pdf")
    assert str(error) == "The file is empty." and error.status == 400


def test_exactly_the_limit_is_accepted_and_one_byte_more_refused_with_413(tmp_path):
    limit = 2 * CHUNK_SIZE + 7
    data = samples.PDF + bytes(limit - len(samples.PDF))
    assert store(tmp_path, data, max_bytes=limit).kind == "pdf"
    (stored,) = tmp_path.iterdir()
    stored.unlink()
    error = refuse(tmp_path, data + b"\0", max_bytes=limit)
    assert error.status == 413


def test_too_large_names_the_limit_in_mb(tmp_path):
    error = refuse(tmp_path, samples.PDF + bytes(MIB), max_bytes=MIB)
    assert str(error) == "The file is larger than 1 MB."
    error = refuse(tmp_path, samples.PDF + bytes(3 * MIB), max_bytes=5 * MIB // 2)
    assert str(error) == "The file is larger than 2.5 MB."


class RecordingStream(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.sizes: list[int | None] = []

    def read(self, size=-1):
        self.sizes.append(size)
        return super().read(size)


def test_the_stream_is_read_in_chunks(tmp_path):
    stream = RecordingStream(samples.PDF + bytes(5 * CHUNK_SIZE))
    store_upload(stream, "a.pdf", tmp_path, 10 * CHUNK_SIZE)
    assert len(stream.sizes) > 5
    assert all(size is not None and 0 < size <= CHUNK_SIZE for size in stream.sizes)


def test_reading_stops_just_after_the_limit(tmp_path):
    stream = RecordingStream(samples.PDF + bytes(100 * CHUNK_SIZE))
    with pytest.raises(UploadError):
        store_upload(stream, "a.pdf", tmp_path, 3 * CHUNK_SIZE)
    assert stream.tell() == 3 * CHUNK_SIZE + 1
    assert list(tmp_path.iterdir()) == []


def test_a_zip_bomb_is_judged_without_extracting_it(tmp_path):
    bomb = samples.docx_bomb(unpacked_mib=100)
    assert len(bomb) < MIB
    (tmp_path / "bomb.docx").write_bytes(bomb)
    assert uploads.sniff(tmp_path / "bomb.docx") == "docx"


def test_a_huge_zip_directory_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_DIRECTORY", 100)
    refuse(tmp_path, samples.DOCX, "a.docx")


def test_an_unexpected_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(path):
        raise OSError("disk full")

    monkeypatch.setattr(uploads, "sniff", broken)
    with pytest.raises(OSError, match="disk full"):
        store(tmp_path, samples.PDF)
    assert list(tmp_path.iterdir()) == []
