"""Small sample files of every allowed type and of the attacks, built in memory."""

import io
import struct
import zipfile
import zlib

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

SPY = "SpyPhone 12"  # camera model written into the EXIF; must not survive re-encoding


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = SPY
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (53.0, 33.0, 7.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (9.0, 59.0, 37.0)
    return exif


def image(image_format: str, size=(16, 8), mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red").save(out, format=image_format, **save)
    return out.getvalue()


def two_coloured_jpeg(orientation: int) -> bytes:
    """Left half red, right half blue, with GPS data, a comment and XMP, like a phone photo held upright."""
    picture = Image.new("RGB", (40, 20), "red")
    picture.paste("blue", (20, 0, 40, 20))
    out = io.BytesIO()
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><tiff:Model>{SPY}</tiff:Model></x:xmpmeta>'.encode()
    picture.save(out, format="JPEG", exif=exif_with_gps(orientation), comment=SPY, xmp=xmp)
    return out.getvalue()


def png_with_script() -> bytes:
    text = PngInfo()
    text.add_text("Comment", "<script>alert(1)</script>")
    return image("PNG", pnginfo=text) + b"<script>alert(2)</script>"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int) -> bytes:
    """A valid 1-bit black PNG of side×side pixels; compresses to a few hundred KiB at most."""
    row = bytes(1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.compress(row * (side % 1000))
    data += packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def archive(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(name, data, compress_type=method)
    return out.getvalue()


def odf(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    return archive({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"})


ODT = odf()
DOCX = archive({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", "word/document.xml": b"<w/>"})
XLSX = archive({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"})
ODT_MIMETYPE_NOT_FIRST = archive({"content.xml": b"<x/>", "mimetype": b"application/vnd.oasis.opendocument.text"})
PPTX = archive({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>", "ppt/slides/slide1.xml": b"<s/>"})


def docx_bomb(unpacked_mib: int) -> bytes:
    """A DOCX with an entry of zeros that inflates to `unpacked_mib` MiB."""
    out = io.BytesIO(DOCX)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as target, target.open("word/media/zeros.bin", "w") as entry:
        zeros = bytes(1024 * 1024)
        for _ in range(unpacked_mib):
            entry.write(zeros)
    return out.getvalue()


MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + bytes(10) + MP3_FRAME  # ID3v2.3 tag with 10 bytes of padding


def iso_bmff(brand: bytes) -> bytes:
    ftyp = b"ftyp" + brand + b"\0\0\0\0" + brand + b"isom"
    mdat = b"mdat" + bytes(32)
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(mdat) + 4) + mdat
