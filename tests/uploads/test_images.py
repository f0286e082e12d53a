"""Images are re-encoded: orientation applied, metadata and hidden payloads gone, bombs refused."""

import io

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile

from schoolpartners import filemeta, uploads
from schoolpartners.uploads import MIB, UploadError, store_upload

from . import samples


def stored_bytes(folder, data: bytes) -> tuple[str, bytes]:
    stored = store_upload(io.BytesIO(data), "photo", folder, 8 * MIB)
    return stored.kind, (folder / stored.storage_name).read_bytes()


def test_phone_photo_is_turned_upright_and_loses_gps_and_metadata(tmp_path):
    original = samples.two_coloured_jpeg(orientation=6)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    kind, data = stored_bytes(tmp_path, original)
    assert kind == "jpg"
    with Image.open(io.BytesIO(data)) as after:
        assert after.size == (20, 40)  # orientation 6: the camera was turned 90° clockwise
        assert after.getpixel((10, 5))[0] > 200 > after.getpixel((10, 35))[0]  # red on top, blue below
        assert not after.getexif()
        assert not {"exif", "xmp", "comment"} & set(after.info)
    assert samples.SPY.encode() not in data and b"Exif" not in data


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_exif_is_dropped_from_png_and_webp(tmp_path, image_format):
    original = samples.image(image_format, exif=samples.exif_with_gps())
    assert samples.SPY.encode() in original
    _, data = stored_bytes(tmp_path, original)
    assert samples.SPY.encode() not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as after:
        assert not after.getexif()


def test_script_in_and_after_a_png_is_gone(tmp_path):
    kind, data = stored_bytes(tmp_path, samples.png_with_script())
    assert kind == "png"
    assert b"script" not in data
    assert data.endswith(samples.png_chunk(b"IEND", b""))
    with Image.open(io.BytesIO(data)) as after:
        assert after.size == (16, 8) and after.getpixel((0, 0)) == (255, 0, 0)


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_transparency_survives(tmp_path, mode):
    picture = Image.new(mode, (4, 4), 0)
    if mode == "P":
        picture.putpalette([255, 0, 0, 0, 0, 255])
    out = io.BytesIO()
    picture.save(out, format="PNG", **({"transparency": 0} if mode == "P" else {}))
    _, data = stored_bytes(tmp_path, out.getvalue())
    with Image.open(io.BytesIO(data)) as after:
        assert after.convert("RGBA").getpixel((0, 0))[3] == 0


def test_icc_profile_is_kept(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    _, data = stored_bytes(tmp_path, samples.image("JPEG", icc_profile=srgb))
    with Image.open(io.BytesIO(data)) as after:
        assert after.info["icc_profile"] == srgb


@pytest.mark.parametrize(
    "side",
    [
        pytest.param(7_000, id="over-our-cap"),  # 49 MP: above MAX_PIXELS, below Pillow's limit
        pytest.param(12_000, id="pillow-warns"),  # 144 MP: Pillow's warning (an error under pytest)
        pytest.param(20_000, id="pillow-refuses"),  # 400 MP: Pillow's DecompressionBombError
    ],
)
def test_decompression_bombs_are_refused(tmp_path, side):
    bomb = samples.png_bomb(side)
    assert len(bomb) < 300_000
    with pytest.raises(UploadError) as caught:
        store_upload(io.BytesIO(bomb), "bomb.png", tmp_path, MIB)
    assert str(caught.value) == "The image is too large (too many pixels)." and caught.value.status == 400
    assert list(tmp_path.iterdir()) == []


def test_pixel_cap_is_checked_before_decoding(tmp_path, monkeypatch):
    data = samples.image("PNG", size=(16, 8))
    monkeypatch.setattr(filemeta.images, "MAX_PIXELS", 16 * 8 - 1)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded an image over the cap"))
    with pytest.raises(UploadError, match="too many pixels"):
        store_upload(io.BytesIO(data), "a.png", tmp_path, MIB)
    assert list(tmp_path.iterdir()) == []


def test_pillow_protection_stays_on_above_our_cap():
    assert Image.MAX_IMAGE_PIXELS is not None and uploads.MAX_PIXELS <= Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(samples.image("PNG")[:45], id="truncated-png"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(100), id="png-signature-only"),
        pytest.param(samples.image("JPEG")[:120], id="truncated-jpeg"),
        pytest.param(b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(40), id="broken-webp"),
    ],
)
def test_broken_images_are_refused(tmp_path, data):
    with pytest.raises(UploadError) as caught:
        store_upload(io.BytesIO(data), "a.png", tmp_path, MIB)
    assert str(caught.value) == "The image could not be read."
    assert list(tmp_path.iterdir()) == []
