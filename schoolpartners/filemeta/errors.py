"""The one error the cleaners raise: the file cannot be stored without its metadata (Finding #6)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TOO_MANY_PIXELS = _l("The image is too large (too many pixels).")
UNREADABLE = _l("The image could not be read.")
PDF_UNREADABLE = _l("The PDF could not be read. Please export it again and upload the new file.")
PDF_ATTACHMENTS = _l("The PDF contains attached files. Please remove them or export the document again.")
DOCUMENT_UNREADABLE = _l(
    "The document could not be read. Please save it again (or as PDF) and upload the new file."
)
EMBEDDED_OBJECT = _l(
    "The document contains an embedded object whose personal data cannot be removed. "
    "Please remove the object or save the document as PDF."
)
DOCUMENT_TOO_LARGE = _l("The document unpacks to too much data. Please make it smaller or save it as PDF.")
MEDIA_UNREADABLE = _l(
    "The audio or video file could not be processed, so its hidden data (such as the recording location) "
    "cannot be removed. Please convert it to a standard MP4 or MP3 file and upload it again."
)


class CleaningError(Exception):
    """The file cannot be stored without its metadata; `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(message)  # kept lazy: rendered in the reader's language when shown
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
