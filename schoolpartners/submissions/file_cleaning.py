"""Removing the metadata of files stored before uploads were cleaned (Finding #6, Issue 10 item 3).

`flask clean-file-metadata` runs `clean_stored_files` once after the upgrade. Each file cleaned gets its
`metadata_removed_at`, so a second run finds nothing to do. A file that cannot be cleaned (broken, encrypted,
an embedded object) is reported and left as it is, never deleted: a teacher decides what happens to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db
from ..filemeta import CleaningError
from ..filemeta.images import IMAGE_FORMATS
from ..sqltypes import utcnow
from ..uploads import clean_stored
from .models import SubmissionFile

BATCH = 200


@dataclass
class CleaningReport:
    cleaned: int = 0
    images: int = 0  # re-encoded at upload already; only marked
    missing: list[SubmissionFile] = field(default_factory=list)
    failed: list[tuple[SubmissionFile, object]] = field(default_factory=list)  # with the (lazy) reason


def clean_stored_files(upload_dir: str | Path) -> CleaningReport:
    """Clean every stored file not cleaned yet and record it; flushes, never commits."""
    report = CleaningReport()
    last_id = 0
    while True:
        batch = db.session.scalars(
            sa.select(SubmissionFile)
            .where(SubmissionFile.metadata_removed_at.is_(None), SubmissionFile.id > last_id)
            .order_by(SubmissionFile.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return report
        for stored in batch:
            _clean_one(stored, Path(upload_dir), report)
        last_id = batch[-1].id
        db.session.flush()


def _clean_one(stored: SubmissionFile, upload_dir: Path, report: CleaningReport) -> None:
    if not (upload_dir / stored.storage_name).is_file():
        report.missing.append(stored)
        return
    if stored.kind in IMAGE_FORMATS:  # images have always been re-encoded without metadata at upload
        stored.metadata_removed_at = utcnow()
        report.images += 1
        return
    try:
        stored.size, stored.sha256 = clean_stored(upload_dir, stored.storage_name, stored.kind)
    except CleaningError as exc:
        report.failed.append((stored, exc.message))
        return
    stored.metadata_removed_at = utcnow()
    report.cleaned += 1
