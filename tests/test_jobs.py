# ruff: noqa: F811  (the fixtures duo and make_running are imported from the projects tests)
"""`flask daily` runs every daily job, each in a write transaction of its own; `flask clean-uploads` removes what
killed uploads left behind, never a young file or one a row names."""

from __future__ import annotations

import os
import secrets
import smtplib
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestConfig
from schoolpartners import create_app, jobs
from schoolpartners.accounts.models import User
from schoolpartners.cities.models import Country
from schoolpartners.extensions import db, limiter
from schoolpartners.formtokens import UsedFormToken
from schoolpartners.notifications.models import OutboxEmail, OutboxState
from schoolpartners.partnerships.models import PartnershipRequest, RequestState
from schoolpartners.projects.models import Milestone
from schoolpartners.sqltypes import utcnow
from schoolpartners.submissions.models import Submission, SubmissionFile, SubmissionVersion
from tests.projects.conftest import duo, make_running  # noqa: F401

HOUR = 3600


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


def _file(folder: Path, name: str, age_seconds: float) -> Path:
    path = folder / name
    path.write_bytes(b"%PDF-1.4 leftover")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def _stored_name(kind: str = "pdf") -> str:
    return f"{secrets.token_hex(16)}.{kind}"


@pytest.fixture
def known_file(upload_dir, duo, make_running):
    """A stored file two hours old that a submission's row names."""
    project = make_running([Milestone(title_de="Archiv", title_ru="Архив", deadline=utcnow() + timedelta(days=9))])
    student = duo["de_student"]
    name = _stored_name()
    version = SubmissionVersion(number=1, author_id=student.id)
    version.files = [
        SubmissionFile(
            storage_name=name, original_name="a.pdf", kind="pdf", mime_type="application/pdf", size=17, sha256="0" * 64
        )
    ]
    submission = Submission(milestone_id=project.milestones[0].id, project_id=project.id, student_id=student.id)
    submission.versions = [version]
    db.session.add(submission)
    db.session.commit()
    return _file(upload_dir, name, 2 * HOUR)


def test_clean_uploads_removes_old_parts_and_orphans_but_nothing_young_or_known(runner, upload_dir, known_file):
    old_part = _file(upload_dir, ".part-k1llw0rk", 25 * HOUR)
    young_part = _file(upload_dir, ".part-runn1ng", 23 * HOUR)  # a slow upload may still be writing it
    orphan = _file(upload_dir, _stored_name("jpg"), 2 * HOUR)
    young_orphan = _file(upload_dir, _stored_name(), 10 * 60)  # its request may not have committed yet
    foreign = _file(upload_dir, "README.txt", 30 * 24 * HOUR)  # not ours: left alone

    result = runner.invoke(args=["clean-uploads"])
    assert result.exit_code == 0, result.output
    assert "1 partial uploads and 1 files without a record removed." in result.output
    assert not old_part.exists() and not orphan.exists()
    assert young_part.exists() and young_orphan.exists() and known_file.exists() and foreign.exists()
    # Idempotent: a second run finds nothing more.
    assert "0 partial uploads and 0 files without a record removed." in runner.invoke(args=["clean-uploads"]).output


def test_clean_uploads_without_an_upload_folder_does_nothing(runner, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "never-created"))
    assert "0 partial uploads and 0 files without a record removed." in runner.invoke(args=["clean-uploads"]).output


@pytest.fixture
def daily_work(app, upload_dir, make_school, make_user):
    """One thing for every daily job to do."""
    german, russian = make_school(Country.DE), make_school(Country.RU)
    sender = make_user("teacher", school=german)
    overdue = PartnershipRequest(
        from_school_id=german.id,
        to_school_id=russian.id,
        pair_key=f"{german.id}-{russian.id}",
        sender_id=sender.id,
        expires_at=utcnow() - timedelta(days=1),
    )
    student = make_user("student", school=german)
    student.archived_at = utcnow() - timedelta(days=app.config["STUDENT_RETENTION_DAYS"] + 1)
    student.is_active = False
    db.session.add(overdue)
    db.session.add(UsedFormToken(token="sent-three-days-ago", created_at=utcnow() - timedelta(days=3)))
    db.session.add(UsedFormToken(token="sent-just-now"))
    db.session.commit()
    return {
        "request": overdue,
        "student_id": student.id,
        "part": _file(upload_dir, ".part-k1llw0rk", 25 * HOUR),
        "orphan": _file(upload_dir, _stored_name(), 2 * HOUR),
    }


def test_daily_runs_every_daily_job(runner, daily_work):
    result = runner.invoke(args=["daily"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "expire-requests: 1 requests expired.",
        "purge-archived: 1 archived student accounts deleted.",
        "clean-uploads: 1 partial uploads and 1 files without a record removed.",
        "forget-form-tokens: 1 used form tokens forgotten.",
    ]
    assert db.session.scalars(sa.select(UsedFormToken.token)).all() == ["sent-just-now"]
    assert daily_work["request"].state is RequestState.expired
    assert db.session.get(User, daily_work["student_id"]) is None
    assert not daily_work["part"].exists() and not daily_work["orphan"].exists()
    # Idempotent: the next day finds nothing left of this.
    assert "expire-requests: 0 requests expired." in runner.invoke(args=["daily"]).output


def test_a_failing_daily_job_does_not_stop_the_others(runner, daily_work, monkeypatch):
    def broken() -> str:
        daily_work["request"].state = RequestState.declined  # written, then rolled back with the failure
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "DAILY", (("expire-requests", broken), *jobs.DAILY[1:]))
    result = runner.invoke(args=["daily"])
    assert result.exit_code == 1
    assert "expire-requests: failed (see the log)" in result.output and "failed: expire-requests" in result.output
    assert "purge-archived: 1 archived student accounts deleted." in result.output
    assert not daily_work["orphan"].exists()
    assert daily_work["request"].state is RequestState.open


def test_expire_requests_alone_still_works(runner, daily_work):
    assert "1 requests expired." in runner.invoke(args=["expire-requests"]).output
    assert daily_work["request"].state is RequestState.expired


@pytest.fixture
def sqlite_app(app, tmp_path):
    """An app on its own SQLite file (in the PostgreSQL suite too): the test sees every BEGIN the jobs emit."""

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'jobs.db'}"
        UPLOAD_DIR = str(tmp_path / "uploads")

    other = create_app(FileConfig)
    with other.app_context():
        db.metadata.create_all(db.engine)
        db.session.add(OutboxEmail(recipient="r@example.org", locale="de", subject="S", body="B"))
        db.session.commit()
    yield other
    with other.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # the extension is shared: point it back at the suite's storage


def test_the_jobs_take_sqlites_write_lock_up_front(sqlite_app, monkeypatch):
    """Without it a web request writing during `send-mail` made the run die with "database is locked"."""

    class DownSMTP:
        def __init__(self, *args, **kwargs):
            raise ConnectionRefusedError("down")

    monkeypatch.setattr(smtplib, "SMTP", DownSMTP)
    begins: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    runner = sqlite_app.test_cli_runner()
    with sqlite_app.app_context():  # the commands run in the app context they find
        sa.event.listen(db.engine, "before_cursor_execute", record)
        for command in ("send-mail", "daily"):
            result = runner.invoke(args=[command])
            assert result.exit_code == 0, result.output
        # send-mail: claim, record; daily: expire, purge, forget form tokens (no file to look up, so clean-uploads
        # needs no transaction)
        assert begins == ["BEGIN IMMEDIATE"] * 5
        mail = db.session.scalars(sa.select(OutboxEmail)).one()
        assert mail.state is OutboxState.queued and mail.attempts == 1
