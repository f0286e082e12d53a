"""Images re-encoded without metadata: uploaded photos and the pictures inside documents (Finding #6)."""

from __future__ import annotations

import io
from typing import IO

from PIL import Image, ImageOps

from .errors import TOO_MANY_PIXELS, UNREADABLE, CleaningError

# Below Pillow's own limit (Image.MAX_IMAGE_PIXELS, left at its default for every other user of Pillow),
# so an image we accept never triggers its DecompressionBombWarning.
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 88
IMAGE_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
ORIENTATION = 0x0112  # the EXIF tag
SAVE_OPTIONS: dict[str, dict] = {"jpg": {"quality": JPEG_QUALITY}, "png": {}, "webp": {"quality": JPEG_QUALITY}}


def image_kind(head: bytes) -> str | None:
    """jpg, png or webp by magic bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def pixel_count(data: bytes, kind: str) -> int:
    """Width × height from the image's header, without decoding it."""
    try:
        with Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[kind]]) as image:
            return image.width * image.height
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CleaningError(TOO_MANY_PIXELS) from exc
    except Exception as exc:
        raise CleaningError(UNREADABLE) from exc


def reencode(source: str | IO[bytes], target: IO[bytes], kind: str, orient: bool = True) -> None:
    """Decode and save the pixels again: applies the EXIF orientation and drops EXIF (with GPS), XMP,
    comments, text chunks, further frames and anything hidden after the image data. The ICC profile is
    kept so that phone photos keep their colours. `orient=False` keeps the pixels as stored and a fresh EXIF
    holding nothing but the orientation, for images inside documents: their frame in the document is fixed, and
    each viewer turns the picture as it did before."""
    image_format = IMAGE_FORMATS[kind]
    try:
        with Image.open(source, formats=[image_format]) as image:
            if image.width * image.height > MAX_PIXELS:  # checked on the header, before any decoding
                raise CleaningError(TOO_MANY_PIXELS)
            clean = ImageOps.exif_transpose(image) if orient else image.copy()
            orientation = image.getexif().get(ORIENTATION, 1)
    except CleaningError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CleaningError(TOO_MANY_PIXELS) from exc
    except Exception as exc:  # Pillow raises many types for broken data; all mean the same to the user
        raise CleaningError(UNREADABLE) from exc
    icc_profile = clean.info.get("icc_profile")
    # Some encoders copy fields such as a JPEG comment from `info`; keep only what the pixels need.
    clean.info = {key: value for key, value in clean.info.items() if key == "transparency"}
    options = dict(SAVE_OPTIONS[kind], icc_profile=icc_profile)
    if not orient and orientation in range(2, 9):
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        options["exif"] = exif
    try:
        clean.save(target, format=image_format, **options)
    except Exception as exc:
        raise CleaningError(UNREADABLE) from exc
