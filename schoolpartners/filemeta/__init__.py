"""Metadata removed from every stored file, so nothing a pupil uploads carries their name or location
(Finding #6, Issue 10 item 3).

`clean_file(path, kind)` rewrites a stored file in place, for every kind that `uploads` accepts:
images re-encoded (`images`), PDF (`pdf`, the JPEGs inside it losslessly by `jpeg`), DOCX/PPTX/ODT (`packages`),
MP3 (`media`, its audio frames alone by `mp3`) and MP4/M4A (`media`).
A file that cannot be cleaned reliably raises `CleaningError` with a message for the pupil; the caller
refuses the upload (or, for files stored earlier, reports it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import CleaningError
from .images import IMAGE_FORMATS, reencode
from .media import MUXERS, clean_iso_media, clean_mp3
from .packages import clean_package
from .pdf import clean_pdf

__all__ = ["CLEANED_KINDS", "CleaningError", "clean_file"]

PACKAGE_KINDS = {"docx", "pptx", "odt"}
CLEANED_KINDS = set(IMAGE_FORMATS) | PACKAGE_KINDS | set(MUXERS) | {"pdf", "mp3"}


def clean_file(path: Path, kind: str) -> None:
    """Rewrite the file at `path` (of a kind `uploads.sniff` decided) without its metadata."""
    if kind in IMAGE_FORMATS:
        _reencode_in_place(path, kind)
    elif kind == "pdf":
        clean_pdf(path)
    elif kind in PACKAGE_KINDS:
        clean_package(path)
    elif kind == "mp3":
        clean_mp3(path)
    elif kind in MUXERS:
        clean_iso_media(path, kind)
    else:
        raise ValueError(f"no cleaner for {kind!r}")  # every kind uploads accepts has one


def _reencode_in_place(path: Path, kind: str) -> None:
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            reencode(str(path), out, kind)
        os.replace(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)
