"""safe_name, send_stored and delete_stored: names never reach the file system, downloads never render."""

import io
from urllib.parse import quote

import pytest
from werkzeug.exceptions import NotFound

from schoolpartners.uploads import MIB, delete_stored, safe_name, send_stored, store_upload

from . import samples


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("a\x00b.pdf", "pdf", "ab.pdf"),
        ("C:\\Users\\x\\evil.exe", "pdf", "evil.pdf"),
        ("Сочинение о Гамбурге.docx", "docx", "Сочинение о Гамбурге.docx"),
        ("Mu\u0308ller – Bericht.odt", "odt", "Müller – Bericht.odt"),  # decomposed umlaut becomes one character
        ("Präsentation.PPTX", "pptx", "Präsentation.pptx"),
        ("photo.JPEG", "jpg", "photo.jpg"),
        ("report.pdf.exe", "pdf", "report.pdf"),
        ("song", "mp3", "song.mp3"),
        ("v1.2 notes", "pdf", "v1.2 notes.pdf"),
        (".htaccess", "png", "htaccess.png"),
        ("...", "pdf", "file.pdf"),
        ("..", "pdf", "file.pdf"),
        ("", "jpg", "file.jpg"),
        ("../", "jpg", "file.jpg"),
        ("invoice\u202egpj.exe", "png", "invoicegpj.png"),  # right-to-left override spoofing an extension
        ("a\r\nSet-Cookie: x=1.pdf", "pdf", "a Set-Cookie_ x=1.pdf"),
        ("a\x07\x1b[31mb\x7f.pdf", "pdf", "a[31mb.pdf"),
        ('What "is" <this>?.pdf', "pdf", "What _is_ _this__.pdf"),
        ("  lots   of\tspace  .pdf", "pdf", "lots of space.pdf"),
    ],
)
def test_safe_name(name, kind, expected):
    assert safe_name(name, kind) == expected


def test_long_names_are_trimmed_keeping_the_extension():
    name = safe_name("Очень длинное сочинение " * 20 + ".docx", "docx")
    assert len(name) == 120 and name.startswith("Очень длинное") and name.endswith(".docx")
    assert safe_name("x" * 500, "pdf") == "x" * 116 + ".pdf"


@pytest.fixture
def stored(tmp_path):
    return store_upload(io.BytesIO(samples.PDF), "Сочинение о Гамбурге.pdf", tmp_path, MIB)


def test_download_is_an_attachment_with_a_utf8_name_and_no_caching(tmp_path, stored):
    response = send_stored(tmp_path, stored.storage_name, stored.original_name, stored.mime_type)
    response.direct_passthrough = False
    try:
        assert response.get_data() == (tmp_path / stored.storage_name).read_bytes()
        assert response.mimetype == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote('Сочинение о Гамбурге.pdf')}" in disposition
    finally:
        response.close()


def test_download_name_is_sanitised_again_and_a_foreign_mime_type_not_trusted(tmp_path, stored):
    response = send_stored(tmp_path, stored.storage_name, "../x\r\n.html", "text/html")
    try:
        assert response.mimetype == "application/octet-stream"
        assert response.headers["Content-Disposition"] == "attachment; filename=x.pdf"
    finally:
        response.close()


@pytest.mark.parametrize(
    "name",
    ["../x", "../{}", "{}/", "/{}", "sub/{}", "{}.html", "x.pdf", ".part-abc", "{}\x00", "{upper}", "0" * 32 + ".exe"],
)
def test_download_refuses_names_we_did_not_generate(tmp_path, stored, name):
    name = name.format(stored.storage_name, upper=stored.storage_name.upper())
    with pytest.raises(NotFound):
        send_stored(tmp_path, name, "x.pdf", "application/pdf")


def test_download_of_a_missing_file_is_404(tmp_path):
    with pytest.raises(NotFound):
        send_stored(tmp_path, "0" * 32 + ".pdf", "x.pdf", "application/pdf")


def test_delete_removes_the_file_and_tolerates_a_missing_one(tmp_path, stored):
    delete_stored(tmp_path, stored.storage_name)
    assert list(tmp_path.iterdir()) == []
    delete_stored(tmp_path, stored.storage_name)


def test_delete_refuses_other_names(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    victim = tmp_path / "config.py"
    victim.write_text("SECRET = 1")
    with pytest.raises(ValueError, match="not a stored file name"):
        delete_stored(folder, "../config.py")
    assert victim.exists()


def test_a_relative_upload_folder_means_the_same_for_storing_and_sending(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stored = store_upload(io.BytesIO(samples.PDF), "a.pdf", "uploads", MIB)
    response = send_stored("uploads", stored.storage_name, stored.original_name, stored.mime_type)
    response.direct_passthrough = False
    try:
        assert response.get_data() == (tmp_path / "uploads" / stored.storage_name).read_bytes()
    finally:
        response.close()
