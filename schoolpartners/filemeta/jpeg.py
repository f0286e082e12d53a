"""JPEG data without its metadata segments, the pixels left untouched (Finding #6).

Metadata lives in segments of its own: EXIF and XMP (APP1), IPTC with the photographer's name (Photoshop's
APP13), comments (COM), the other APPn of cameras and programs, and whatever follows the end of the image
(a second picture from a phone, appended tags). Dropping those segments leaves every byte the decoder needs,
so this works for CMYK and inverted JPEGs too, which a re-encode would change.
"""

from __future__ import annotations

SOI, EOI, SOS, COM = 0xD8, 0xD9, 0xDA, 0xFE
# The APPn segments a decoder may need: JFIF, ICC colour profile, and Adobe's colour transform (CMYK/YCCK).
KEPT_APPLICATION = {0xE0: (b"JFIF\0", b"JFXX\0"), 0xE2: (b"ICC_PROFILE\0",), 0xEE: (b"Adobe",)}


def strip_jpeg(data: bytes) -> bytes | None:
    """`data` with only the segments a decoder needs and nothing after its end; None when its segments cannot
    be told apart (the caller must then re-encode or refuse it)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    kept, position, size = [data[:2]], 2, len(data)
    while position < size:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1] if position + 1 < size else None
        if marker is None:
            return None
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == EOI:
            kept.append(b"\xff\xd9")  # anything after it is not part of the image
            return b"".join(kept)
        if marker == SOI or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            kept.append(data[position : position + 2])
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > size:
            return None
        if not _is_metadata(marker, data[position + 4 : end]):
            kept.append(data[position:end])
        position = end
        if marker == SOS:
            scan_end = _scan_end(data, position)
            kept.append(data[position:scan_end])
            position = scan_end
    return b"".join(kept)  # a truncated image: kept as far as it goes, as viewers show it


def _is_metadata(marker: int, payload: bytes) -> bool:
    if marker == COM:
        return True
    if 0xE0 <= marker <= 0xEF:
        return not payload.startswith(KEPT_APPLICATION.get(marker, ()))
    return False


def _scan_end(data: bytes, position: int) -> int:
    """Where the entropy-coded data after a start of scan ends: at the first marker that is neither a stuffed
    0xFF00 nor a restart marker."""
    while (found := data.find(b"\xff", position)) >= 0 and found + 1 < len(data):
        following = data[found + 1]
        if following == 0 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position = found + (1 if following == 0xFF else 2)
            continue
        return found
    return len(data)
