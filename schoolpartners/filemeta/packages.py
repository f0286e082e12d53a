"""Office Open XML (DOCX, PPTX, and XLSX inside them) and OpenDocument files without personal metadata
(Finding #6, Issue 10 item 3).

The zip is rewritten entry by entry from one stream into another, never extracted to disk; what the central
directory declares is checked first (size, encryption, duplicate names), and zipfile stops each entry at its
declared size, so a bomb costs at most MAX_UNPACKED of work. Each entry is judged by its content:

- XML: core, app and custom properties and OpenDocument's `office:meta` are emptied; the authors of tracked
  changes and comments (`w:author`, `w:initials`, `dc:creator` …) become "Author"; presence data (user ids,
  e-mail addresses) is removed; links to local files keep only the file name;
- JPEG/PNG/WebP pictures are re-encoded like uploaded images; embedded audio, video and Office files are
  cleaned the same way; fonts, printer settings and vector pictures are kept;
- anything else (OLE objects, macros, unknown binaries) cannot be vouched for, so the document is refused.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO

from lxml import etree

from .errors import DOCUMENT_TOO_LARGE, DOCUMENT_UNREADABLE, EMBEDDED_OBJECT, CleaningError
from .images import image_kind, reencode
from .media import clean_mp3, remux

MIB = 1024 * 1024
MAX_UNPACKED = 256 * MIB  # all entries of a package together, as declared in its central directory
MAX_PART = 64 * MIB  # one entry held in memory (an XML part, a picture, an embedded file)
CHUNK_SIZE = 64 * 1024
ANONYMOUS = "Author"  # what Office itself writes when it removes personal information

_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
# Elements emptied whole: the property parts of OOXML and OpenDocument's meta.xml.
_EMPTIED = {(_CORE, "coreProperties"), (_EXTENDED, "Properties"), (_CUSTOM, "Properties"), (_OFFICE, "meta")}
# Elements whose text names a person (dc:creator in OpenDocument changes and comments, XLSX comment authors).
_NAME_TEXT = {"creator", "initial-creator", "printed-by", "lastModifiedBy", "author"}
_INITIALS_TEXT = {"creator-initials"}
_NAME_ATTRIBUTES = {"author"}
_BLANK_ATTRIBUTES = {"initials", "userId", "providerId"}
# Comment authors of PPTX (p:cmAuthor, p188:author) and XLSX threaded comments (person) carry a name attribute.
_PEOPLE = {"cmAuthor", "author", "person"}
_PERSON_NAME_ATTRIBUTES = {"name", "displayName"}
_REMOVED = {"presenceInfo"}  # Word's people.xml: account ids and e-mail addresses
_LOCAL_PATH = re.compile(r"^(file:|[a-z]:[\\/]|\\\\)", re.IGNORECASE)

M4A_BRANDS = {b"M4A ", b"M4B "}
KEPT_SUFFIXES = (".odttf", ".fntdata", ".ttf", ".otf", ".emz", ".wmz")
KEPT_NAMES = {"layout-cache"}  # LibreOffice's page layout cache

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def clean_package(path: Path) -> None:
    """Rewrite a DOCX, PPTX or ODT in place (through a temporary file next to it)."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as target, path.open("rb") as source:
            rewrite(source, target)
        os.replace(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)


def rewrite(source: IO[bytes], target: IO[bytes], nested: bool = False) -> None:
    """Copy a package entry by entry, cleaning each; refuse it if any entry cannot be cleaned."""
    try:
        with zipfile.ZipFile(source) as original:
            entries = original.infolist()
            names = [entry.filename for entry in entries]
            if len(set(names)) != len(names) or any(entry.flag_bits & 0x1 for entry in entries):
                raise CleaningError(DOCUMENT_UNREADABLE)  # duplicate names confuse readers; encrypted entries
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
                raise CleaningError(DOCUMENT_TOO_LARGE)
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as clean:
                for entry in entries:
                    _copy_entry(original, clean, entry, nested)
    except CleaningError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        raise CleaningError(DOCUMENT_UNREADABLE) from exc


def _copy_entry(original: zipfile.ZipFile, clean: zipfile.ZipFile, entry: zipfile.ZipInfo, nested: bool) -> None:
    # A fresh ZipInfo: no extra fields (owner ids, precise times) and no comment travel along.
    info = zipfile.ZipInfo(entry.filename, date_time=entry.date_time)
    info.compress_type = zipfile.ZIP_STORED if entry.compress_type == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
    info.external_attr = entry.external_attr
    if entry.is_dir() or entry.file_size == 0:
        clean.writestr(info, b"")
        return
    with original.open(entry) as part:
        head = part.read(64)
    kind = _part_kind(entry.filename, head, nested)
    if kind == "keep":
        with original.open(entry) as part, clean.open(info, "w") as out:
            shutil.copyfileobj(part, out, CHUNK_SIZE)
        return
    if entry.file_size > MAX_PART:
        raise CleaningError(DOCUMENT_TOO_LARGE)
    data = original.read(entry)
    if kind == "xml":
        clean.writestr(info, scrub_xml(data))
        return
    out = io.BytesIO()
    if kind in ("jpg", "png", "webp"):
        reencode(io.BytesIO(data), out, kind, orient=False)
    elif kind == "package":
        rewrite(io.BytesIO(data), out, nested=True)
    elif kind in ("mp4", "m4a"):
        remux(io.BytesIO(data), out, kind)
    else:  # mp3: tags are removed in place
        out.write(data)
        clean_mp3(out)
    clean.writestr(info, out.getvalue())


def _part_kind(name: str, head: bytes, nested: bool) -> str:
    """How an entry is cleaned, judged by its content (its name only for fonts and caches)."""
    base = name.rsplit("/", 1)[-1].lower()
    if name == "mimetype" and len(head) < 64 and head.startswith(b"application/"):
        return "keep"  # OpenDocument's first entry: the document type, nothing else
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "xml"
    if picture := image_kind(head):
        return picture
    if head.startswith(b"PK\x03\x04") and not nested:
        return "package"
    if head[4:8] == b"ftyp":
        return "m4a" if head[8:12] in M4A_BRANDS else "mp4"
    if head.startswith(b"ID3"):
        return "mp3"
    if _vector_picture(head) or base.endswith(KEPT_SUFFIXES) or base in KEPT_NAMES:
        return "keep"
    if "printersettings" in name.lower() and base.endswith(".bin"):
        return "keep"  # a printer's DEVMODE: paper and tray settings
    raise CleaningError(EMBEDDED_OBJECT)


def _vector_picture(head: bytes) -> bool:
    """EMF, WMF, StarView metafiles, GIF and BMP: pictures without room for camera or author data."""
    emf = head[:4] == b"\x01\x00\x00\x00" and head[40:44] == b" EMF"
    wmf = head.startswith(b"\xd7\xcd\xc6\x9a") or (head[:2] in (b"\x01\x00", b"\x02\x00") and head[2:4] == b"\x09\x00")
    return emf or wmf or head.startswith((b"VCLMTF", b"GIF87a", b"GIF89a", b"BM"))


def scrub_xml(data: bytes) -> bytes:
    """The XML part without personal metadata; unchanged bytes when there is none. A DOCTYPE (never part
    of OOXML or OpenDocument) is refused, so no entity is ever expanded."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CleaningError(DOCUMENT_UNREADABLE) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise CleaningError(DOCUMENT_UNREADABLE)
    if not _scrub(root):
        return data
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=tree.docinfo.standalone)


def _scrub(root) -> bool:
    changed = False
    for element in list(root.iter(etree.Element)):
        qname = etree.QName(element)
        local = qname.localname
        if (qname.namespace, local) in _EMPTIED and (len(element) or (element.text or "").strip()):
            element.clear(keep_tail=True)
            changed = True
            continue
        if local in _REMOVED and element.getparent() is not None:
            element.getparent().remove(element)
            changed = True
            continue
        if local in _NAME_TEXT | _INITIALS_TEXT and (len(element) or (element.text or "").strip()):
            keep = element.attrib.items()
            element.clear(keep_tail=True)
            element.attrib.update(keep)
            element.text = ANONYMOUS if local in _NAME_TEXT else None
            changed = True
        for attribute, value in element.attrib.items():
            name = etree.QName(attribute).localname
            new = value
            if name in _NAME_ATTRIBUTES or (local in _PEOPLE and name in _PERSON_NAME_ATTRIBUTES):
                new = ANONYMOUS
            elif name in _BLANK_ATTRIBUTES:
                new = ""
            elif local == "Relationship" and name == "Target" and _LOCAL_PATH.match(value):
                new = value.replace("\\", "/").rsplit("/", 1)[-1]  # C:\Users\<name>\…\Normal.dotm
            if new != value:
                element.set(attribute, new)
                changed = True
    return changed
