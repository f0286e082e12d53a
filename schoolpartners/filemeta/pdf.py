"""PDF without its document information dictionary, XMP metadata and comment authors (Finding #6)."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from .errors import PDF_ATTACHMENTS, PDF_UNREADABLE, CleaningError
from .images import reencode
from .jpeg import strip_jpeg

# Per-object keys that only carry metadata: XMP streams and application data such as Illustrator's.
_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")
# In a markup annotation (a comment) and its Popup /T is the author; in a form field (/Widget) it is the field's
# name. Judged by /Subtype alone, because /Type is optional in an annotation.
_AUTHORED = {"/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight", "/Underline"}
_AUTHORED |= {"/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Sound", "/Redact", "/Projection", "/Popup"}
_NOT_AUTHORED = {"/Widget", "/Link"}
# Used only when a JPEG's segments cannot be told apart: then any trace of EXIF, XMP, IPTC or a comment means
# re-encoding.
_METADATA_MARKERS = (b"Exif\0\0", b"http://ns.adobe.com/xap/", b"\xff\xfe", b"\xff\xed", b"Photoshop 3.0")


def clean_pdf(path: Path) -> None:
    """Rewrite the PDF in place without the info dictionary, any XMP stream, comment authors and EXIF in its
    JPEG images; refuse encrypted or broken files and files with attachments (content we cannot vouch for)."""
    # Read as a stream, written beside the upload and moved over it, streams copied as they are: qpdf then holds
    # about twice the file in memory (51 MiB for a 25 MB upload) instead of four times with
    # allow_overwriting_input and recompression (103 MiB).
    cleaned = path.with_name(path.name + ".clean")
    try:
        with pikepdf.open(path, access_mode=pikepdf.AccessMode.stream) as pdf:
            if len(pdf.attachments):
                raise CleaningError(PDF_ATTACHMENTS)
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream | pikepdf.Dictionary):
                    _clean_object(pdf, obj)
            pdf.save(
                cleaned,
                fix_metadata_version=False,
                deterministic_id=True,
                compress_streams=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
            )
        with pikepdf.open(cleaned, access_mode=pikepdf.AccessMode.stream):
            pass
        cleaned.replace(path)
    except CleaningError:
        raise
    except Exception as exc:  # pikepdf/qpdf raise many kinds for broken or password-protected files
        raise CleaningError(PDF_UNREADABLE) from exc
    finally:
        cleaned.unlink(missing_ok=True)


def _clean_object(pdf: pikepdf.Pdf, obj) -> None:
    for key in _METADATA_KEYS:
        if key in obj:
            del obj[key]
    subtype = str(obj.get("/Subtype"))
    if subtype == "/FileAttachment" or "/EF" in obj:  # an attached file, also outside the document's name tree
        raise CleaningError(PDF_ATTACHMENTS)
    annotation = subtype in _AUTHORED or (obj.get("/Type") == "/Annot" and subtype not in _NOT_AUTHORED)
    if annotation and "/T" in obj:
        del obj["/T"]
    if isinstance(obj, pikepdf.Stream) and subtype == "/Image" and _filters(obj.get("/Filter"))[-1:] == ["/DCTDecode"]:
        _clean_jpeg(pdf, obj)


def _filters(value) -> list:
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _jpeg_of(pdf: pikepdf.Pdf, stream: pikepdf.Stream) -> tuple[bytes, object]:
    """The JPEG file inside an image stream and its DCTDecode parameters, also under further filters such as
    [/FlateDecode /DCTDecode] (qpdf decodes a filter chain only to its end, so the filters before DCTDecode
    are applied to a copy)."""
    filters, parameters = _filters(stream.get("/Filter")), _filters(stream.get("/DecodeParms"))
    own = parameters[len(filters) - 1] if len(parameters) == len(filters) else None
    if len(filters) == 1:
        return stream.read_raw_bytes(), own
    outer = pikepdf.Stream(pdf, stream.read_raw_bytes())
    outer.Filter = pikepdf.Array(filters[:-1])
    if len(parameters) == len(filters):
        outer.DecodeParms = pikepdf.Array(parameters[:-1])
    return outer.read_bytes(), own


def _clean_jpeg(pdf: pikepdf.Pdf, stream: pikepdf.Stream) -> None:
    """A JPEG inside a PDF is a whole JPEG file, EXIF, GPS and IPTC included: its metadata segments are dropped,
    the pixels stay as they are. One whose segments cannot be told apart is re-encoded if it shows any trace
    of metadata."""
    raw, parameters = _jpeg_of(pdf, stream)
    stripped = strip_jpeg(raw)
    if stripped is not None:
        if stripped != raw:
            stream.write(stripped, filter=pikepdf.Name.DCTDecode, decode_parms=parameters)
        return
    if not any(marker in raw for marker in _METADATA_MARKERS):
        return
    if stream.get("/ColorSpace") not in ("/DeviceRGB", "/DeviceGray") or "/Decode" in stream:
        raise CleaningError(PDF_UNREADABLE)  # CMYK and inverted JPEGs do not survive a plain re-encode
    out = io.BytesIO()
    reencode(io.BytesIO(raw), out, "jpg", orient=False)
    stream.write(out.getvalue(), filter=pikepdf.Name.DCTDecode)
