"""Office Open XML (DOCX, PPTX, and XLSX inside them) and OpenDocument files without personal metadata
(Finding #6, Issue 10 item 3).

The zip is rewritten entry by entry from one stream into another, never extracted to disk; what the central
directory declares is checked first (size, encryption, duplicate names), and zipfile stops each entry at its
declared size. One `Budget` per upload is shared by the document and every package nested in it (at most
MAX_PACKAGES of them, MAX_DEPTH levels deep), so a bomb costs at most MAX_UNPACKED of unpacking, MAX_XML_TOTAL
of XML parsing and MAX_PICTURE_PIXELS of re-encoding in all, however it is nested. Each entry is judged by its content:

- XML: core, app and custom properties, SharePoint's columns in `customXml/item*.xml` and OpenDocument's
  `office:meta` are emptied; the authors of tracked changes and comments (`w:author`, `w:initials`,
  `dc:creator` …) become "Author"; presence data (user ids, e-mail addresses) is removed, the user names of
  shared workbooks blanked; local file paths (link targets, `x15ac:absPath`) keep only the file name;
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

from .errors import DOCUMENT_TOO_LARGE, DOCUMENT_UNREADABLE, EMBEDDED_OBJECT, CleaningError
from .images import image_kind, pixel_count, reencode
from .media import clean_mp3, remux

MIB = 1024 * 1024
MAX_UNPACKED = 256 * MIB  # all entries of the document and of the packages in it, as their directories declare
MAX_PART = 64 * MIB  # one entry held in memory (a picture, an embedded file)
# Parsing costs far more than unpacking (a tree node for every tag), so XML has budgets of its own.
MAX_XML_PART = 16 * MIB
MAX_XML_TOTAL = 32 * MIB  # all XML parts of one upload, nested packages included
MAX_XML_TAGS = 1_500_000  # "<" in all XML parts of one upload: a real 300-page document has a few hundred thousand
MAX_PACKAGES = 20  # Office files embedded in the document, at any depth
# Re-encoding costs up to a second for 40 million pixels; this is twenty 12-megapixel phone photos.
MAX_PICTURE_PIXELS = 250_000_000
MAX_DEPTH = 2  # a workbook in a presentation in a document, no deeper
CHUNK_SIZE = 64 * 1024
ANONYMOUS = "Author"  # what Office itself writes when it removes personal information

_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
# SharePoint and OneDrive columns in customXml/item*.xml: who the document is shared with, by account id and name.
_SHAREPOINT = "http://schemas.microsoft.com/office/2006/metadata/properties"
_SHAREPOINT_LONG = "http://schemas.microsoft.com/office/2006/metadata/longProperties"
# Elements emptied whole: the property parts of OOXML and OpenDocument's meta.xml. An emptied root stays, so the
# part is still the XML its relationships and content type promise.
_EMPTIED = {(_CORE, "coreProperties"), (_EXTENDED, "Properties"), (_CUSTOM, "Properties"), (_OFFICE, "meta")}
_EMPTIED |= {(_SHAREPOINT, "properties"), (_SHAREPOINT_LONG, "LongProperties")}
_EMPTIED_ANYWHERE = {"UserInfo"}  # SharePoint's person fields, in whatever namespace a column has
# Elements whose text names a person (dc:creator in OpenDocument changes and comments, XLSX comment authors).
_NAME_TEXT = {"creator", "initial-creator", "printed-by", "lastModifiedBy", "author"}
_INITIALS_TEXT = {"creator-initials"}
_NAME_ATTRIBUTES = {"author"}
_BLANK_ATTRIBUTES = {"initials", "userId", "providerId", "userName"}  # userName: XLSX fileSharing, revisions
# Comment authors of PPTX (p:cmAuthor, p188:author) and XLSX threaded comments (person) carry a name attribute.
_PEOPLE = {"cmAuthor", "author", "person", "userInfo"}  # userInfo: XLSX shared-workbook users
_PERSON_NAME_ATTRIBUTES = {"name", "displayName"}
_REMOVED = {"presenceInfo"}  # Word's people.xml: account ids and e-mail addresses
_LOCAL_PATH = re.compile(r"^(file:|[a-z]:[\\/]|\\\\)", re.IGNORECASE)

M4A_BRANDS = {b"M4A ", b"M4B "}
KEPT_SUFFIXES = (".odttf", ".fntdata", ".ttf", ".otf", ".emz", ".wmz")
KEPT_NAMES = {"layout-cache"}  # LibreOffice's page layout cache

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class Budget:
    """What is left for one upload; the limits are read when it is made, so tests can lower them."""

    unpacked: int = field(default_factory=lambda: MAX_UNPACKED)
    xml_bytes: int = field(default_factory=lambda: MAX_XML_TOTAL)
    xml_tags: int = field(default_factory=lambda: MAX_XML_TAGS)
    packages: int = field(default_factory=lambda: MAX_PACKAGES)
    pixels: int = field(default_factory=lambda: MAX_PICTURE_PIXELS)

    def take(self, what: str, amount: int) -> None:
        """Spend `amount` of `what`; refuse the document once anything would be overspent."""
        left = getattr(self, what) - amount
        if left < 0:
            raise CleaningError(DOCUMENT_TOO_LARGE)
        setattr(self, what, left)


def clean_package(path: Path) -> None:
    """Rewrite a DOCX, PPTX or ODT in place (through a temporary file next to it)."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as target, path.open("rb") as source:
            rewrite(source, target)
        os.replace(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)


def rewrite(source: IO[bytes], target: IO[bytes], budget: Budget | None = None, depth: int = 0) -> None:
    """Copy a package entry by entry, cleaning each; refuse it if any entry cannot be cleaned. A nested package
    spends from the budget of the document it is in (`depth` levels down)."""
    budget = budget or Budget()
    try:
        with zipfile.ZipFile(source) as original:
            entries = original.infolist()
            names = [entry.filename for entry in entries]
            if len(set(names)) != len(names) or any(entry.flag_bits & 0x1 for entry in entries):
                raise CleaningError(DOCUMENT_UNREADABLE)  # duplicate names confuse readers; encrypted entries
            budget.take("unpacked", sum(entry.file_size for entry in entries))
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as clean:
                for entry in entries:
                    _copy_entry(original, clean, entry, budget, depth)
    except CleaningError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        raise CleaningError(DOCUMENT_UNREADABLE) from exc


def _copy_entry(
    original: zipfile.ZipFile, clean: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: Budget, depth: int
) -> None:
    # A fresh ZipInfo: no extra fields (owner ids, precise times) and no comment travel along.
    info = zipfile.ZipInfo(entry.filename, date_time=entry.date_time)
    info.compress_type = zipfile.ZIP_STORED if entry.compress_type == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
    info.external_attr = entry.external_attr
    if entry.is_dir() or entry.file_size == 0:
        clean.writestr(info, b"")
        return
    with original.open(entry) as part:
        head = part.read(64)
    kind = _part_kind(entry.filename, head, depth)
    if kind == "keep":
        with original.open(entry) as part, clean.open(info, "w") as out:
            shutil.copyfileobj(part, out, CHUNK_SIZE)
        return
    if entry.file_size > (MAX_XML_PART if kind == "xml" else MAX_PART):
        raise CleaningError(DOCUMENT_TOO_LARGE)
    if kind == "xml":
        budget.take("xml_bytes", entry.file_size)
    elif kind == "package":
        budget.take("packages", 1)
    data = original.read(entry)
    if kind == "xml":
        budget.take("xml_tags", data.count(b"<"))  # counted before parsing: each tag becomes a tree node
        clean.writestr(info, scrub_xml(data))
        return
    out = io.BytesIO()
    if kind in ("jpg", "png", "webp"):
        budget.take("pixels", pixel_count(data, kind))
        reencode(io.BytesIO(data), out, kind, orient=False)
    elif kind == "package":
        rewrite(io.BytesIO(data), out, budget, depth + 1)
    elif kind in ("mp4", "m4a"):
        remux(io.BytesIO(data), out, kind)
    else:  # mp3: tags are removed in place
        out.write(data)
        clean_mp3(out)
    clean.writestr(info, out.getvalue())


def _part_kind(name: str, head: bytes, depth: int) -> str:
    """How an entry is cleaned, judged by its content (its name only for fonts and caches)."""
    base = name.rsplit("/", 1)[-1].lower()
    if name == "mimetype" and len(head) < 64 and head.startswith(b"application/"):
        return "keep"  # OpenDocument's first entry: the document type, nothing else
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "xml"
    if picture := image_kind(head):
        return picture
    if head.startswith(b"PK\x03\x04"):
        if depth >= MAX_DEPTH:  # never kept under a font's name either
            raise CleaningError(EMBEDDED_OBJECT)
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
    """Clean the tree in one pass without a list of all its elements (a part can hold millions). Emptying or
    removing an element waits until the pass is over: the iterator has already stepped into its children."""
    changed, emptied, renamed, removed = False, [], [], []
    for element in root.iter(etree.Element):
        tag = element.tag
        namespace, _, local = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
        if ((namespace, local) in _EMPTIED or local in _EMPTIED_ANYWHERE) and (
            len(element) or (element.text or "").strip()
        ):
            emptied.append(element)
        elif local in _REMOVED and element.getparent() is not None:
            removed.append(element)
        elif local in _NAME_TEXT | _INITIALS_TEXT and (len(element) or (element.text or "").strip()):
            if len(element):
                renamed.append(element)
            else:
                element.text = ANONYMOUS if local in _NAME_TEXT else None
                changed = True
        for attribute, value in element.items():
            name = attribute.rpartition("}")[2]
            new = value
            if name in _NAME_ATTRIBUTES or (local in _PEOPLE and name in _PERSON_NAME_ATTRIBUTES):
                new = ANONYMOUS
            elif name in _BLANK_ATTRIBUTES:
                new = ""
            elif _LOCAL_PATH.match(value):  # C:\Users\<name>\…\Normal.dotm (a link target, x15ac:absPath …)
                new = value.replace("\\", "/").rsplit("/", 1)[-1]
            if new != value:
                element.set(attribute, new)
                changed = True
    for element in emptied:
        element.clear(keep_tail=True)
    for element in removed:
        if (parent := element.getparent()) is not None:  # None when an emptied parent let go of it
            parent.remove(element)
    for element in renamed:
        keep = element.items()
        element.clear(keep_tail=True)
        element.attrib.update(keep)
        element.text = ANONYMOUS if etree.QName(element).localname in _NAME_TEXT else None
    return changed or bool(emptied or removed or renamed)
