"""Finding #6 / Issue 10 item 3, second round: the gaps a review found in the metadata cleaning.

As in test_metadata, each crafted file goes through `store_upload` and the STORED bytes (or the refusal the
pupil reads) are checked. The resource limits are tested with highly compressible parts: the cleaner must
refuse them from the central directory, before inflating or parsing what is too big.
"""

import io
import zipfile

import mutagen.mp3
import pikepdf
import pytest
from lxml import etree
from PIL import Image

from schoolpartners.filemeta import packages
from schoolpartners.uploads import MIB

from . import samples
from .test_metadata import NAME, docx_with_authors, entries, refused, store

TOO_LARGE = "The document unpacks to too much data. Please make it smaller or save it as PDF."
ATTACHMENTS = "The PDF contains attached files. Please remove them or export the document again."
SHAREPOINT = "http://schemas.microsoft.com/office/2006/metadata/properties"


def zeros_package(size: int, extra: dict[str, bytes] | None = None) -> bytes:
    """An Office package whose "font" inflates to `size` zero bytes (fonts are copied, not held in memory)."""
    return samples.archive({"[Content_Types].xml": b"<Types/>", "word/fonts/f.ttf": bytes(size), **(extra or {})})


def docx_embedding(*embedded: bytes) -> bytes:
    return samples.archive(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w/>",
            **{f"word/embeddings/p{i}.docx": package for i, package in enumerate(embedded)},
        }
    )


# --- 1. Resource limits for DOCX/PPTX/ODT ------------------------------------------------------------------


def test_nested_packages_share_the_one_unpacked_budget_of_the_upload(tmp_path, monkeypatch):
    """Finding #6: each nested package had a budget of its own, so thirty of them unpacked thirty times the limit."""
    monkeypatch.setattr(packages, "MAX_UNPACKED", MIB)
    inner = zeros_package(400 * 1024)  # alone well within the limit, three of them not
    stored, content = store(tmp_path / "one", docx_embedding(inner), "one.docx")
    assert entries(entries(content)["word/embeddings/p0.docx"])["word/fonts/f.ttf"] == bytes(400 * 1024)
    assert refused(tmp_path / "three", docx_embedding(inner, inner, inner), "three.docx") == TOO_LARGE


def test_more_embedded_packages_than_allowed_are_refused(tmp_path):
    """Finding #6: the number of Office files inside a document is capped (MAX_PACKAGES), however small they are."""
    small = zeros_package(16)
    assert packages.MAX_PACKAGES == 20
    stored, content = store(tmp_path / "twenty", docx_embedding(*[small] * 20), "twenty.docx")
    assert len([name for name in entries(content) if name.startswith("word/embeddings/")]) == 20
    assert refused(tmp_path / "twenty-one", docx_embedding(*[small] * 21), "twenty-one.docx") == TOO_LARGE


def test_packages_are_cleaned_two_levels_deep_and_refused_deeper(tmp_path):
    """Finding #6: a chart's workbook in a presentation in a document is cleaned; a third level is refused."""
    core = b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
    core += b"<cp:lastModifiedBy>Lena Schmidt</cp:lastModifiedBy></cp:coreProperties>"
    workbook = samples.archive({"[Content_Types].xml": b"<Types/>", "docProps/core.xml": core})
    presentation = samples.archive({"[Content_Types].xml": b"<Types/>", "ppt/embeddings/Chart.xlsx": workbook})
    stored, content = store(tmp_path / "two", docx_embedding(presentation), "two-levels.docx")
    inner = entries(entries(entries(content)["word/embeddings/p0.docx"])["ppt/embeddings/Chart.xlsx"])
    assert NAME not in inner["docProps/core.xml"] and b"coreProperties" in inner["docProps/core.xml"]
    deeper = samples.archive({"[Content_Types].xml": b"<Types/>", "x/deep.docx": presentation})
    message = refused(tmp_path / "three", docx_embedding(deeper), "three-levels.docx")
    assert message.startswith("The document contains an embedded object whose personal data cannot be removed.")


def test_pictures_of_an_upload_share_one_pixel_budget(tmp_path, monkeypatch):
    """Finding #6: each picture is re-encoded (up to a second for 40 megapixels), so their pixels are capped in all,
    in nested packages too."""
    monkeypatch.setattr(packages, "MAX_PICTURE_PIXELS", 2500)  # three 40×20 photos, not four
    photo = samples.two_coloured_jpeg(orientation=1)
    nested = samples.archive({"[Content_Types].xml": b"<Types/>", "word/media/image2.jpeg": photo})
    three = docx_with_authors({"word/media/image2.jpeg": photo, "word/embeddings/p.docx": nested})
    stored, content = store(tmp_path / "three", three, "three.docx")
    assert Image.open(io.BytesIO(entries(content)["word/media/image2.jpeg"])).size == (40, 20)
    four = docx_with_authors({f"word/media/photo{i}.jpeg": photo for i in range(3)})
    assert refused(tmp_path / "four", four, "four.docx") == TOO_LARGE


def test_an_xml_part_beyond_its_own_limit_is_refused_before_it_is_parsed(tmp_path):
    """Finding #6: XML parts were parsed up to 64 MiB each (seconds of CPU and gigabytes of memory); now 16 MiB."""
    paragraph = b"<w:r><w:t>" + b"x" * 1000 + b"</w:t></w:r>"
    part = b'<w:body xmlns:w="urn:w">' + paragraph * (packages.MAX_XML_PART // len(paragraph) + 1) + b"</w:body>"
    assert packages.MAX_XML_PART == 16 * MIB and len(part) > packages.MAX_XML_PART
    assert refused(tmp_path, docx_with_authors({"word/glossary.xml": part}), "big-part.docx") == TOO_LARGE


def test_all_xml_parts_of_an_upload_share_one_limit(tmp_path):
    """Finding #6: 32 MiB of XML in all, nested packages included, so many parts just below the part limit fail."""
    paragraph = b"<w:r><w:t>" + b"x" * 1000 + b"</w:t></w:r>"
    part = b'<w:body xmlns:w="urn:w">' + paragraph * (12 * MIB // len(paragraph)) + b"</w:body>"
    nested = samples.archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": part})
    assert refused(tmp_path, docx_embedding(nested, nested, nested), "many-parts.docx") == TOO_LARGE


def test_an_xml_part_with_millions_of_tags_is_refused_before_it_is_parsed(tmp_path):
    """Finding #6: every tag becomes a tree node; a part of tiny empty elements costs far more than its bytes."""
    part = b"<r>" + b"<a/>" * (packages.MAX_XML_TAGS + 1) + b"</r>"
    assert len(part) < packages.MAX_XML_PART
    assert refused(tmp_path, docx_with_authors({"word/settings.xml": part}), "many-tags.docx") == TOO_LARGE


# --- 2. PDF: comment authors, attached files, IPTC in pictures ---------------------------------------------


def pdf_with_annotations(make_annotations) -> bytes:
    """A page with the annotations `make_annotations(pdf)` returns, every object readable in the file."""
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(200, 200))
        annotations = [pdf.make_indirect(annotation) for annotation in make_annotations(pdf)]
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array(annotations))
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    return out.getvalue()


def test_pdf_comment_authors_go_without_a_type_key_and_on_popups(tmp_path):
    """Finding #6: /T (the author) stayed on comments without the optional /Type and on Popup annotations."""
    comment = pikepdf.Dictionary(Subtype=pikepdf.Name.Text, Rect=[10, 10, 30, 30], T="Lena Schmidt")
    comment.Contents = "Bitte pruefen"
    popup = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Popup, Rect=[30, 30, 90, 90])
    popup.T = "Lena Schmidt"
    data = pdf_with_annotations(lambda pdf: [comment, popup])
    assert data.count(b"(Lena Schmidt)") == 2
    stored, content = store(tmp_path, data, "a.pdf")
    assert NAME not in content
    with pikepdf.open(io.BytesIO(content)) as pdf:
        kept, kept_popup = pdf.pages[0].Annots
        assert str(kept.Contents) == "Bitte pruefen" and "/T" not in kept and kept_popup.Subtype == "/Popup"


def test_a_pdf_with_a_file_attachment_annotation_is_refused(tmp_path):
    """Finding #6: a file attached to a comment is not in the document's name tree, so it slipped past."""

    def attachment(pdf):
        attached = pdf.make_indirect(pikepdf.Stream(pdf, b"Lena Schmidt, 9b, Hamburg"))
        spec = pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="notes.txt", EF=pikepdf.Dictionary(F=attached))
        return [pikepdf.Dictionary(Subtype=pikepdf.Name.FileAttachment, Rect=[0, 0, 10, 10], FS=spec)]

    data = pdf_with_annotations(attachment)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.attachments) == 0  # not where the earlier check looked
    assert refused(tmp_path, data, "a.pdf") == ATTACHMENTS


def with_segment(jpeg: bytes, marker: bytes, payload: bytes) -> bytes:
    """`jpeg` with one more segment right after its start marker."""
    return jpeg[:2] + marker + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def iptc_byline(name: bytes = b"Lena Schmidt") -> bytes:
    """Photoshop's APP13 with an IPTC record: 2:80 is the by-line, the photographer."""
    record = b"\x1c\x02\x50" + len(name).to_bytes(2, "big") + name
    return b"Photoshop 3.0\0" + b"8BIM\x04\x04\0\0" + len(record).to_bytes(4, "big") + record


def pdf_with_jpeg(jpeg: bytes, colour_space: str, **extra) -> bytes:
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(200, 200))
        image = pikepdf.Stream(pdf, jpeg)
        image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
        image.Width, image.Height, image.BitsPerComponent = 16, 8, 8
        image.ColorSpace = pikepdf.Name(colour_space)
        for key, value in extra.items():
            image[f"/{key}"] = value
        pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im1=pdf.make_indirect(image)))
        pdf.pages[0].Contents = pdf.make_stream(b"q 160 0 0 80 20 20 cm /Im1 Do Q")
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


@pytest.mark.parametrize(
    ("mode", "colour_space", "segments", "extra"),
    [
        pytest.param("RGB", "/DeviceRGB", [(b"\xff\xed", iptc_byline())], {}, id="rgb-iptc-only"),
        pytest.param(
            "CMYK",
            "/DeviceCMYK",
            [(b"\xff\xed", iptc_byline()), (b"\xff\xe1", b"http://ns.adobe.com/xap/1.0/\0<dc:creator>Lena Schmidt")],
            {"Decode": pikepdf.Array([1, 0] * 4)},
            id="inverted-cmyk-iptc-and-xmp",
        ),
        pytest.param(
            "L", "/DeviceGray", [(b"\xff\xfe", b"Lena Schmidt"), (b"\xff\xe3", b"Lena Schmidt")], {}, id="com-app3"
        ),
    ],
)
def test_jpegs_in_a_pdf_lose_iptc_xmp_and_comments_and_keep_their_pixels(tmp_path, mode, colour_space, segments, extra):
    """Finding #6: a JPEG with only an IPTC by-line (no EXIF) kept it; CMYK ones with XMP were refused."""
    out = io.BytesIO()
    Image.new(mode, (16, 8), "red" if mode != "CMYK" else (0, 255, 255, 0)).save(out, format="JPEG")
    clean = out.getvalue()
    jpeg = clean
    for marker, payload in segments:
        jpeg = with_segment(jpeg, marker, payload)
    jpeg += b"Lena Schmidt"  # after the end of the image
    stored, content = store(tmp_path, pdf_with_jpeg(jpeg, colour_space, **extra), "a.pdf")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        image = pdf.pages[0].Resources.XObject.Im1
        assert image.read_raw_bytes() == clean  # the segments are gone, every pixel byte is as it was
        assert image.Filter == "/DCTDecode" and ("/Decode" in image) == bool(extra)
    assert NAME not in content


def test_a_jpeg_under_a_further_filter_in_a_pdf_is_cleaned_too(tmp_path):
    """Finding #6: an image with the filters [/FlateDecode /DCTDecode] was not looked at at all."""
    import zlib

    out = io.BytesIO()
    Image.new("RGB", (16, 8), "red").save(out, format="JPEG")
    clean = out.getvalue()
    jpeg = with_segment(clean, b"\xff\xed", iptc_byline())
    filters = pikepdf.Array([pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode])
    data = pdf_with_jpeg(zlib.compress(jpeg), "/DeviceRGB")
    data = data.replace(b"/Filter /DCTDecode", b"/Filter [ /FlateDecode /DCTDecode ]")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.pages[0].Resources.XObject.Im1.Filter == filters
    stored, content = store(tmp_path, data, "a.pdf")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        image = pdf.pages[0].Resources.XObject.Im1
        assert image.Filter == "/DCTDecode" and image.read_raw_bytes() == clean


# --- 3. SharePoint properties and embedded workbooks -------------------------------------------------------

CUSTOM_XML = f"""<?xml version="1.0" encoding="utf-8"?><p:properties xmlns:p="{SHAREPOINT}"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><documentManagement><SharedWithUsers
 xmlns="8f2e"><UserInfo><DisplayName>Lena Schmidt</DisplayName><AccountId>12</AccountId>
<AccountType/></UserInfo></SharedWithUsers><TaxCatchAll xmlns="8f2e"/></documentManagement></p:properties>"""
BIBLIOGRAPHY = b"""<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography"
 SelectedStyle="\\APA.XSL"><b:Source><b:Tag>Tol69</b:Tag><b:Author><b:Author><b:NameList><b:Person>
<b:Last>Tolstoi</b:Last></b:Person></b:NameList></b:Author></b:Author><b:Title>Krieg und Frieden</b:Title>
</b:Source></b:Sources>"""


def test_sharepoint_properties_in_custom_xml_are_emptied_and_stay_valid_xml(tmp_path):
    """Finding #6: OneDrive/SharePoint user names and account ids in customXml/item1.xml survived."""
    core = (
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        b' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><x>Lena Schmidt</x></dc:creator>'
        b'<w:ins xmlns:w="urn:w" w:author="Lena Schmidt"/></cp:coreProperties>'
    )
    data = docx_with_authors(
        {
            "customXml/item1.xml": CUSTOM_XML.encode(),
            "customXml/item2.xml": BIBLIOGRAPHY,
            "customXml/item3.xml": b"<r>" + core + b'<w:ins xmlns:w="urn:w" w:author="Lena Schmidt"/></r>',
        }
    )
    stored, content = store(tmp_path, data, "a.docx")
    parts = entries(content)
    assert all(NAME not in part for part in parts.values())
    properties = etree.fromstring(parts["customXml/item1.xml"])
    assert properties.tag == f"{{{SHAREPOINT}}}properties" and len(properties) == 0
    assert parts["customXml/item2.xml"] == BIBLIOGRAPHY  # a bibliography is content: kept as it was
    emptied, after = etree.fromstring(parts["customXml/item3.xml"])  # the pass went on after emptying
    assert len(emptied) == 0 and after.get("{urn:w}author") == "Author"


def test_an_embedded_workbook_loses_the_file_sharing_user_and_its_local_path(tmp_path):
    """Finding #6: xl/workbook.xml kept fileSharing@userName and x15ac:absPath@url with the Windows user folder."""
    workbook = (
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac">'
        b'<fileSharing userName="Lena Schmidt" readOnlyRecommended="1"/>'
        b'<x15ac:absPath url="C:\\Users\\lena.schmidt\\Documents\\Schule\\"/><sheets/></workbook>'
    )
    sheet = samples.archive({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": workbook})
    stored, content = store(tmp_path, docx_with_authors({"word/embeddings/Sheet1.xlsx": sheet}), "a.docx")
    cleaned = entries(entries(content)["word/embeddings/Sheet1.xlsx"])["xl/workbook.xml"]
    assert NAME not in cleaned and b"lena.schmidt" not in cleaned
    assert b'<fileSharing userName="" readOnlyRecommended="1"/>' in cleaned and b'<x15ac:absPath url=""/>' in cleaned


# --- 4. MP3 tags that are not at the start ------------------------------------------------------------------


def syncsafe(number: int) -> bytes:
    return bytes((number >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3v24_with_footer(artist: bytes = b"Lena Schmidt") -> bytes:
    text = b"\x03" + artist
    frame = b"TPE1" + syncsafe(len(text)) + b"\0\0" + text
    return b"ID3\x04\x00\x10" + syncsafe(len(frame)) + frame + b"3DI\x04\x00\x10" + syncsafe(len(frame))


@pytest.mark.parametrize(
    ("data", "frames"),
    [
        pytest.param(samples.MP3_FRAME * 20 + id3v24_with_footer(), 20, id="appended-id3v24-with-footer"),
        pytest.param(samples.MP3_FRAME * 20 + id3v24_with_footer() + samples.MP3_FRAME * 5, 25, id="between-frames"),
        pytest.param(
            samples.MP3 + samples.MP3_FRAME * 9 + b"LYRICSBEGININD0000210EAR00012Lena Schmidt000033LYRICS200", 10,
            id="lyrics3",
        ),
    ],
)
def test_mp3_tags_anywhere_in_the_file_go_and_every_audio_frame_stays(tmp_path, data, frames):
    """Finding #6: only an ID3v2 tag at the very start was removed; one appended or between frames kept the name."""
    assert NAME in data
    stored, content = store(tmp_path, data, "Interview.mp3")
    assert content == samples.MP3_FRAME * frames
    audio = mutagen.mp3.MP3(io.BytesIO(content))
    assert audio.tags is None and audio.info.length > 0


def test_zip_of_nested_packages_is_not_inflated_once_the_budget_is_spent(tmp_path, monkeypatch):
    """Finding #6 (a guard for the shared budget): the refusal comes from the nested package's central directory,
    before its big entry is inflated."""
    inflated = []
    original_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        inflated.append(getattr(name, "filename", name))
        return original_open(self, name, *args, **kwargs)

    data = docx_embedding(zeros_package(2 * MIB))
    monkeypatch.setattr(packages, "MAX_UNPACKED", MIB)
    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    assert refused(tmp_path, data, "a.docx") == TOO_LARGE
    assert "word/fonts/f.ttf" not in inflated
