# ruff: noqa: F811  (the fixtures duo and make_running are imported from the projects tests)
"""Finding #6 / Issue 10 item 3: `flask clean-file-metadata` cleans the files stored before uploads were
cleaned, once; a file it cannot clean is reported and kept, never deleted."""

import hashlib
import io
import secrets
import zipfile
from datetime import timedelta
from pathlib import Path

import av
import pikepdf
import pytest

from schoolpartners.extensions import db
from schoolpartners.projects.models import Milestone
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission, SubmissionFile, SubmissionVersion
from tests.projects.conftest import duo, make_running  # noqa: F401
from tests.uploads import samples
from tests.uploads.test_metadata import docx_with_authors, pdf_with_author, with_udta_location

KINDS = {"pdf": "application/pdf", "docx": "application/x", "mp4": "video/mp4", "jpg": "image/jpeg"}


@pytest.fixture
def old_files(app, duo, make_running):
    """Files as uploads stored them before: written to disk unchanged, never marked as cleaned."""
    project = make_running([Milestone(title_de="Archiv", title_ru="Архив", deadline=utcnow() + timedelta(days=9))])
    stage, student = project.milestones[0], duo["de_student"]
    submission = Submission(milestone_id=stage.id, project_id=project.id, student_id=student.id)
    version = SubmissionVersion(number=1, author_id=duo["de_student"].id)
    contents = {
        "report": ("docx", docx_with_authors()),
        "poster": ("pdf", pdf_with_author()),
        "video": ("mp4", with_udta_location(samples.mp4({"artist": "Lena Schmidt"}))),
        "photo": ("jpg", samples.image("JPEG")),
        "broken": ("pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    }
    files = {}
    for key, (kind, data) in contents.items():
        name = f"{secrets.token_hex(16)}.{kind}"
        Path(app.config["UPLOAD_DIR"], name).write_bytes(data)
        files[key] = SubmissionFile(
            storage_name=name,
            original_name=f"{key}.{kind}",
            kind=kind,
            mime_type=KINDS[kind],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            metadata_removed_at=None,
        )
    version.files = list(files.values())
    submission.versions = [version]
    db.session.add(submission)
    db.session.flush()
    for stored in files.values():  # the column's default marks new uploads; these are older
        stored.metadata_removed_at = None
    db.session.flush()
    return files, {key: data for key, (_kind, data) in contents.items()}


def read(app, stored: SubmissionFile) -> bytes:
    return Path(app.config["UPLOAD_DIR"], stored.storage_name).read_bytes()


def test_clean_file_metadata_cleans_old_files_once_and_reports_what_it_could_not_clean(app, runner, old_files):
    files, originals = old_files
    result = runner.invoke(args=["clean-file-metadata"])
    assert result.exit_code == 0, result.output
    assert "3 files cleaned, 1 images already clean, 0 missing, 1 could not be cleaned." in result.output
    assert f"file {files['broken'].id} ({files['broken'].storage_name}): The PDF could not be read." in result.output

    with zipfile.ZipFile(io.BytesIO(read(app, files["report"]))) as archive:
        parts = [archive.read(name) for name in archive.namelist()]
        assert b"Unsere Partnerstadt" in archive.read("word/document.xml")
    assert all(b"Schmidt" not in part for part in parts)
    with pikepdf.open(io.BytesIO(read(app, files["poster"]))) as pdf:
        assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root and len(pdf.pages) == 1
    video = read(app, files["video"])
    assert b"\xa9xyz" not in video and b"Schmidt" not in video
    with av.open(io.BytesIO(video)) as container:
        assert {stream.type for stream in container.streams} == {"audio", "video"}
    assert read(app, files["broken"]) == originals["broken"]  # kept as it was, not deleted
    assert read(app, files["photo"]) == originals["photo"]  # re-encoded at upload already

    for key in ("report", "poster", "video"):
        db.session.refresh(files[key])
        content = read(app, files[key])
        assert files[key].metadata_removed_at is not None
        assert (files[key].size, files[key].sha256) == (len(content), hashlib.sha256(content).hexdigest())
    db.session.refresh(files["broken"])
    assert files["broken"].metadata_removed_at is None

    cleaned = read(app, files["report"])
    again = runner.invoke(args=["clean-file-metadata"])
    assert "0 files cleaned, 0 images already clean, 0 missing, 1 could not be cleaned." in again.output
    assert read(app, files["report"]) == cleaned  # idempotent: a cleaned file is not touched again


def test_a_missing_file_is_reported(app, runner, old_files):
    files, _originals = old_files
    Path(app.config["UPLOAD_DIR"], files["poster"].storage_name).unlink()
    result = runner.invoke(args=["clean-file-metadata"])
    assert "2 files cleaned, 1 images already clean, 1 missing, 1 could not be cleaned." in result.output
    assert f"missing: file {files['poster'].id}" in result.output
