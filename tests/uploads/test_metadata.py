"""Finding #6 / Issue 10 item 3: nothing stored carries the author's name or location.

Each fixture is built here with the fields and atoms real programs and phones write; each test uploads it
through `store_upload` (the path every hand-in takes) and reads the STORED file back: the data is gone and
the file still opens with its content.
"""

import io
import struct
import zipfile

import av
import mutagen.id3
import mutagen.mp3
import pikepdf
import pytest
from PIL import Image

from schoolpartners.filemeta import packages
from schoolpartners.uploads import MIB, UploadError, sniff, store_upload

from . import samples

NAME = b"Schmidt"  # the pupil's surname, written into every fixture
EMAIL = b"lena.schmidt@example.org"
LATITUDE = b"+53.5511"


def store(folder, data: bytes, name: str):
    stored = store_upload(io.BytesIO(data), name, folder, 5 * MIB)
    path = folder / stored.storage_name
    assert sniff(path) == stored.kind
    return stored, path.read_bytes()


def refused(folder, data: bytes, name: str) -> str:
    with pytest.raises(UploadError) as caught:
        store_upload(io.BytesIO(data), name, folder, 5 * MIB)
    assert list(folder.iterdir()) == [], "a refused upload left a file behind"
    return str(caught.value)


# --- PDF -------------------------------------------------------------------------------------------------


def pdf_with_author(attachment: bool = False) -> bytes:
    """A page of text, /Author and /Creator in the info dictionary, XMP with dc:creator, a comment whose /T is
    the author, and a phone photo (EXIF with GPS and camera model) as an image."""
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(200, 200))
        page = pdf.pages[0]
        photo = samples.two_coloured_jpeg(orientation=1)
        image = pikepdf.Stream(pdf, photo)
        image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
        image.Width, image.Height, image.BitsPerComponent = 40, 20, 8
        image.ColorSpace = pikepdf.Name.DeviceRGB
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1))
        font.BaseFont = pikepdf.Name.Helvetica
        page.Resources = pikepdf.Dictionary(
            Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(Im1=pdf.make_indirect(image))
        )
        text = b"BT /F1 12 Tf 20 150 Td (Unsere Partnerstadt) Tj ET q 40 0 0 20 20 20 cm /Im1 Do Q"
        page.Contents = pdf.make_stream(text)
        comment = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[10, 10, 30, 30], T="Lena Schmidt"
        )
        comment.Contents = "Bitte pruefen"
        page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(comment)]))
        pdf.docinfo["/Author"] = "Lena Schmidt"
        pdf.docinfo["/Creator"] = "Word for Lena Schmidt"
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = ["Lena Schmidt"]
        if attachment:
            pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"Lena Schmidt, 9b")
        pdf.save(out)
    return out.getvalue()


def test_pdf_keeps_its_text_and_loses_author_xmp_comment_author_and_photo_exif(tmp_path):
    data = pdf_with_author()
    with pikepdf.open(io.BytesIO(data)) as original:  # the fixture does carry what must go
        assert original.docinfo["/Author"] == "Lena Schmidt" and "/Metadata" in original.Root
    stored, content = store(tmp_path, data, "Lena Schmidt Referat.pdf")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root
        assert len(pdf.pages) == 1 and b"(Unsere Partnerstadt) Tj" in pdf.pages[0].Contents.read_bytes()
        (comment,) = pdf.pages[0].Annots
        assert "/T" not in comment and str(comment.Contents) == "Bitte pruefen"
        image = pdf.pages[0].Resources.XObject.Im1
        photo = Image.open(io.BytesIO(image.read_raw_bytes()))
        assert photo.size == (40, 20) and not set(photo.getexif()) and "comment" not in photo.info
        every_stream = b"".join(
            obj.read_raw_bytes() if obj.get("/Filter") == "/DCTDecode" else obj.read_bytes()
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream)
        )
    assert NAME not in content and NAME not in every_stream and samples.SPY.encode() not in every_stream


def test_a_pdf_with_attached_files_is_refused(tmp_path):
    message = refused(tmp_path, pdf_with_author(attachment=True), "a.pdf")
    assert message == "The PDF contains attached files. Please remove them or export the document again."


def test_a_password_protected_pdf_is_refused(tmp_path):
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(samples.PDF)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="secret"))
    message = refused(tmp_path, out.getvalue(), "a.pdf")
    assert message == "The PDF could not be read. Please export it again and upload the new file."


# --- DOCX, PPTX, ODT -------------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"><w:body>
<w:p w14:paraId="1A2B3C4D"><w:r><w:t>Unsere Partnerstadt</w:t></w:r>
<w:ins w:id="1" w:author="Lena Schmidt" w:date="2026-03-01T10:00:00Z"><w:r><w:t> Sankt Petersburg</w:t></w:r></w:ins>
<w:del w:id="2" w:author="Lena Schmidt" w:date="2026-03-01T10:00:00Z"><w:r><w:delText>Moskau</w:delText></w:r></w:del>
<w:commentRangeStart w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p></w:body></w:document>"""
COMMENTS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="Lena Schmidt" w:initials="LS">
<w:p><w:r><w:t>Quelle fehlt</w:t></w:r></w:p></w:comment></w:comments>"""
PEOPLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">
<w15:person w15:author="Lena Schmidt"><w15:presenceInfo w15:providerId="AD"
 w15:userId="S::lena.schmidt@example.org::1234"/></w15:person></w15:people>"""
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Lena Schmidt</dc:creator>
<cp:lastModifiedBy>Lena Schmidt</cp:lastModifiedBy><dc:title>Referat von Lena Schmidt</dc:title></cp:coreProperties>"""
APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">
<Company>Familie Schmidt</Company><Template>Normal.dotm</Template></Properties>"""
CUSTOM = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
 xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Klasse"><vt:lpwstr>9b, Lena Schmidt</vt:lpwstr>
</property></Properties>"""
SETTINGS_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
 Target="file:///C:\\Users\\LenaSchmidt\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm"
 TargetMode="External"/></Relationships>"""


def docx_with_authors(extra: dict[str, bytes] | None = None) -> bytes:
    return samples.archive(
        {
            "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
            "docProps/core.xml": CORE.encode(),
            "docProps/app.xml": APP.encode(),
            "docProps/custom.xml": CUSTOM.encode(),
            "word/document.xml": DOCUMENT.encode(),
            "word/comments.xml": COMMENTS.encode(),
            "word/people.xml": PEOPLE.encode(),
            "word/_rels/settings.xml.rels": SETTINGS_RELS.encode(),
            "word/media/image1.jpeg": samples.two_coloured_jpeg(orientation=6),
            **(extra or {}),
        }
    )


def entries(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_docx_loses_properties_change_and_comment_authors_and_photo_exif_and_keeps_its_text(tmp_path):
    data = docx_with_authors()
    assert entries(data)["docProps/core.xml"] == CORE.encode()  # the fixture carries what must go
    stored, content = store(tmp_path, data, "Lena Schmidt 9b Referat.docx")
    parts = entries(content)
    for name, part in parts.items():
        assert NAME not in part and EMAIL not in part, name
        assert samples.SPY.encode() not in part, name
    document = parts["word/document.xml"].decode()
    assert "Unsere Partnerstadt" in document and "Sankt Petersburg" in document and "Moskau" in document
    assert 'w:author="Author"' in document and 'mc:Ignorable="w14"' in document and "w14:paraId" in document
    assert "Quelle fehlt" in parts["word/comments.xml"].decode()
    assert 'w:initials=""' in parts["word/comments.xml"].decode()
    assert b"presenceInfo" not in parts["word/people.xml"]
    assert b"<dc:creator>" not in parts["docProps/core.xml"] and b"Company" not in parts["docProps/app.xml"]
    assert b"Target=\"Normal.dotm\"" in parts["word/_rels/settings.xml.rels"]
    photo = Image.open(io.BytesIO(parts["word/media/image1.jpeg"]))
    assert dict(photo.getexif()) == {0x0112: 6}  # only the orientation, so the picture is turned as before
    assert photo.size == (40, 20)


def test_a_docx_with_an_ole_object_is_refused(tmp_path):
    data = docx_with_authors({"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)})
    assert refused(tmp_path, data, "a.docx").startswith("The document contains an embedded object")


def test_an_embedded_spreadsheet_is_cleaned_too(tmp_path):
    sheet = samples.archive(
        {
            "[Content_Types].xml": b"<Types/>",
            "docProps/core.xml": CORE.encode(),
            "xl/comments1.xml": b"<comments><authors><author>Lena Schmidt</author></authors></comments>",
        }
    )
    stored, content = store(tmp_path, docx_with_authors({"word/embeddings/Sheet1.xlsx": sheet}), "a.docx")
    inner = entries(entries(content)["word/embeddings/Sheet1.xlsx"])
    assert inner["xl/comments1.xml"] == b"<?xml version='1.0' encoding='UTF-8'?>\n" + (
        b"<comments><authors><author>Author</author></authors></comments>"
    )


def test_pptx_comment_authors_go(tmp_path):
    data = samples.archive(
        {
            "[Content_Types].xml": b"<Types/>",
            "docProps/core.xml": CORE.encode(),
            "ppt/presentation.xml": b"<p:presentation xmlns:p='urn:p'/>",
            "ppt/slides/slide1.xml": b"<p:sld xmlns:p='urn:p'><p:t>Unsere Stadt</p:t></p:sld>",
            "ppt/commentAuthors.xml": b"<p:cmAuthorLst xmlns:p='urn:p'><p:cmAuthor id='0' name='Lena Schmidt'"
            b" initials='LS' lastIdx='1' clrIdx='0'/></p:cmAuthorLst>",
            "ppt/media/image1.png": samples.image("PNG", pnginfo=author_png_text()),
        }
    )
    stored, content = store(tmp_path, data, "Lena Schmidt.pptx")
    parts = entries(content)
    assert stored.kind == "pptx" and b"Unsere Stadt" in parts["ppt/slides/slide1.xml"]
    assert all(NAME not in part for part in parts.values())
    assert b'name="Author"' in parts["ppt/commentAuthors.xml"]


def author_png_text():
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Author", "Lena Schmidt")
    return text


OFFICE_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)
ODT_CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?><office:document-content {OFFICE_NS}><office:body>
<office:text><text:tracked-changes><text:changed-region text:id="c1"><text:insertion><office:change-info>
<dc:creator>Lena Schmidt</dc:creator><dc:date>2026-03-01T10:00:00</dc:date></office:change-info></text:insertion>
</text:changed-region></text:tracked-changes><text:p>Unsere Partnerstadt<office:annotation>
<dc:creator>Lena Schmidt</dc:creator><meta:creator-initials>LS</meta:creator-initials><text:p>Quelle?</text:p>
</office:annotation></text:p></office:text></office:body></office:document-content>"""
ODT_META = f"""<?xml version="1.0" encoding="UTF-8"?><office:document-meta {OFFICE_NS}><office:meta>
<meta:initial-creator>Lena Schmidt</meta:initial-creator><dc:creator>Lena Schmidt</dc:creator>
<meta:user-defined meta:name="Klasse">9b</meta:user-defined></office:meta></office:document-meta>"""


def test_odt_loses_meta_and_change_and_comment_authors_and_stays_an_odt(tmp_path):
    data = samples.archive(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": ODT_CONTENT.encode(),
            "meta.xml": ODT_META.encode(),
            "Pictures/photo.jpg": samples.two_coloured_jpeg(orientation=1),
            "layout-cache": b"\x00\x01binary",
        }
    )
    stored, content = store(tmp_path, data, "Lena Schmidt.odt")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type, first.header_offset) == ("mimetype", zipfile.ZIP_STORED, 0)
    parts = entries(content)
    assert all(NAME not in part and samples.SPY.encode() not in part for part in parts.values())
    text = parts["content.xml"].decode()
    assert "Unsere Partnerstadt" in text and "Quelle?" in text and "<dc:creator>Author</dc:creator>" in text
    assert "initial-creator" not in parts["meta.xml"].decode()


def test_a_package_that_unpacks_beyond_the_limit_is_refused_without_unpacking(tmp_path, monkeypatch):
    monkeypatch.setattr(packages, "MAX_UNPACKED", MIB)
    data = docx_with_authors({"word/big.xml": b"<x>" + b" " * (2 * MIB) + b"</x>"})
    assert refused(tmp_path, data, "a.docx").startswith("The document unpacks to too much data.")


def test_an_xml_part_with_a_doctype_is_refused(tmp_path):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;&a;</x>'
    data = docx_with_authors({"word/footnotes.xml": bomb})
    assert refused(tmp_path, data, "a.docx").startswith("The document could not be read.")


# --- MP3, MP4, M4A ---------------------------------------------------------------------------------------


def test_mp3_loses_its_id3_tags_and_still_opens(tmp_path):
    path = tmp_path / "source.mp3"
    path.write_bytes(samples.MP3_FRAME * 30 + b"TAG" + b"Lena Schmidt".ljust(125, b"\0"))  # with an ID3v1 tag
    tags = mutagen.id3.ID3()
    tags.add(mutagen.id3.TPE1(encoding=3, text="Lena Schmidt"))
    tags.add(mutagen.id3.TXXX(encoding=3, desc="e-mail", text="lena.schmidt@example.org"))
    tags.save(path)
    data = path.read_bytes()
    path.unlink()
    assert data.startswith(b"ID3") and NAME in data
    stored, content = store(tmp_path, data, "Lena Schmidt Interview.mp3")
    assert NAME not in content and EMAIL not in content and not content.startswith(b"ID3")
    audio = mutagen.mp3.MP3(io.BytesIO(content))
    assert audio.tags is None and audio.info.length > 0


def with_udta_location(data: bytes, location: bytes = b"+53.5511+009.9937+012.000/") -> bytes:
    """Append a `udta` box holding `©xyz` (as Android and older iPhones write it) to the `moov` box, which
    FFmpeg writes last, so no chunk offset moves."""
    offset, boxes = 0, []
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        boxes.append((offset, size, kind))
        offset += size
    start, size, kind = boxes[-1]
    assert kind == b"moov"
    xyz = b"\xa9xyz" + struct.pack(">HH", len(location), 0x15C7) + location
    udta = struct.pack(">I", 8 + 4 + len(xyz)) + b"udta" + struct.pack(">I", 4 + len(xyz)) + xyz
    return data[:start] + struct.pack(">I", size + len(udta)) + data[start + 4 : start + size] + udta


def metadata_of(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as container:
        found = dict(container.metadata)
        for stream in container.streams:
            found.update(stream.metadata)
        return found


def test_mp4_loses_the_phone_location_atoms_and_still_plays(tmp_path):
    apple = {"com.apple.quicktime.location.ISO6709": "+53.5511+009.9937/", "artist": "Lena Schmidt"}
    data = with_udta_location(samples.mp4(apple, movflags="use_metadata_tags"))
    assert b"\xa9xyz" in data and b"com.apple.quicktime.location.ISO6709" in data
    before = metadata_of(data)
    assert before["location"].startswith("+53.5511") and "com.apple.quicktime.location.ISO6709" in before
    stored, content = store(tmp_path, data, "VID_20260301.mp4")
    assert stored.kind == "mp4"
    assert b"\xa9xyz" not in content and b"ISO6709" not in content and LATITUDE not in content
    assert NAME not in content
    assert not any("location" in key or key == "artist" for key in metadata_of(content))
    with av.open(io.BytesIO(content)) as container:
        assert sorted(stream.type for stream in container.streams) == ["audio", "video"]
        assert sum(1 for _ in container.decode(video=0)) == 3


def test_m4a_stays_an_m4a_without_its_tags(tmp_path):
    out = io.BytesIO()
    with av.open(io.BytesIO(samples.m4a())) as source, av.open(out, "w", format="ipod") as target:
        target.metadata["artist"] = "Lena Schmidt"
        copy = target.add_stream_from_template(source.streams.audio[0])
        for packet in source.demux(source.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = copy
                target.mux(packet)
    data = with_udta_location(out.getvalue())
    stored, content = store(tmp_path, data, "Aufnahme.m4a")
    assert stored.kind == "m4a" and content[8:12] == b"M4A "
    assert NAME not in content and b"\xa9xyz" not in content
    assert [stream.type for stream in av.open(io.BytesIO(content)).streams] == ["audio"]


def test_a_video_that_cannot_be_remuxed_is_refused_with_a_clear_message(tmp_path):
    broken = samples.mp4()[:40] + bytes(200)  # the ftyp box and then nothing FFmpeg can read
    assert refused(tmp_path, broken, "a.mp4").startswith("The audio or video file could not be processed")
