"""PDF without its document information dictionary, XMP metadata and comment authors (Finding #6)."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from .errors import PDF_ATTACHMENTS, PDF_UNREADABLE, CleaningError
from .images import reencode

# Per-object keys that only carry metadata: XMP streams and application data such as Illustrator's.
_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")
# In a markup annotation (a comment) /T is its author; in a form field (/Widget) it is the field's name.
_NOT_MARKUP = {"/Widget", "/Link", "/Popup"}
_EXIF_MARKERS = (b"Exif\0\0", b"http://ns.adobe.com/xap/", b"\xff\xfe")


def clean_pdf(path: Path) -> None:
    """Rewrite the PDF in place without the info dictionary, any XMP stream, comment authors and EXIF in its
    JPEG images; refuse encrypted or broken files and files with attachments (content we cannot vouch for)."""
    try:
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            if len(pdf.attachments):
                raise CleaningError(PDF_ATTACHMENTS)
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream | pikepdf.Dictionary):
                    _clean_object(obj)
            pdf.save(path, fix_metadata_version=False, deterministic_id=True)
        with pikepdf.open(path):
            pass
    except CleaningError:
        raise
    except Exception as exc:  # pikepdf/qpdf raise many kinds for broken or password-protected files
        raise CleaningError(PDF_UNREADABLE) from exc


def _clean_object(obj) -> None:
    for key in _METADATA_KEYS:
        if key in obj:
            del obj[key]
    if obj.get("/Type") == "/Annot" and str(obj.get("/Subtype")) not in _NOT_MARKUP and "/T" in obj:
        del obj["/T"]
    if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and obj.get("/Filter") == "/DCTDecode":
        _clean_jpeg(obj)


def _clean_jpeg(stream: pikepdf.Stream) -> None:
    """A JPEG inside a PDF is a whole JPEG file, EXIF and GPS included: re-encode those that carry any."""
    raw = stream.read_raw_bytes()
    if not any(marker in raw for marker in _EXIF_MARKERS):
        return
    if stream.get("/ColorSpace") not in ("/DeviceRGB", "/DeviceGray") or "/Decode" in stream:
        raise CleaningError(PDF_UNREADABLE)  # CMYK and inverted JPEGs do not survive a plain re-encode
    out = io.BytesIO()
    reencode(io.BytesIO(raw), out, "jpg", orient=False)
    stream.write(out.getvalue(), filter=pikepdf.Name.DCTDecode)
