"""Small sample files of every allowed type and of the attacks, built in memory."""

import io
import struct
import zipfile
import zlib

import av
import numpy
import pikepdf
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


def pdf() -> bytes:
    """A one-page PDF as a PDF writer makes it (every stored PDF is rewritten, so it must be a real one)."""
    out = io.BytesIO()
    with pikepdf.new() as document:
        document.add_blank_page()
        document.save(out, deterministic_id=True)
    return out.getvalue()


PDF = pdf()


def archive(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(name, data, compress_type=method)
    return out.getvalue()


def odf(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    content = b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'
    return archive({"mimetype": mimetype.encode(), "content.xml": content})


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
    """A real, tiny MP4 (video) or M4A (audio, for the M4A brands) with `brand` as its major brand."""
    data = m4a() if brand.startswith(b"M4") else mp4()
    assert data[4:8] == b"ftyp"
    return data[:8] + brand + data[12:]


def mp4(metadata: dict[str, str] | None = None, movflags: str = "") -> bytes:
    """Three frames of 32×32 MPEG-4 video and a little AAC audio, made with FFmpeg (PyAV)."""
    out = io.BytesIO()
    options = {"movflags": movflags} if movflags else {}
    with av.open(out, "w", format="mp4", options=options) as container:
        container.metadata.update(metadata or {})
        video = container.add_stream("mpeg4", rate=5)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = container.add_stream("aac", rate=8000)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(numpy.full((32, 32, 3), 40 * i, numpy.uint8), format="rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode())
        _encode_audio(container, audio)
    return out.getvalue()


def m4a() -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="ipod") as container:
        _encode_audio(container, container.add_stream("aac", rate=8000))
    return out.getvalue()


def _encode_audio(container, audio) -> None:
    for i in range(4):
        frame = av.AudioFrame.from_ndarray(numpy.zeros((1, 1024), numpy.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 8000, i * 1024
        container.mux(audio.encode(frame))
    container.mux(audio.encode())
