"""The audio frames of an MP3 file and nothing else (Finding #6).

Tags can sit anywhere in an MP3: ID3v2 at the start, appended at the end (ID3v2.4 with a "3DI" footer) or
between frames, APE and Lyrics3 before an ID3v1 tag at the end. Rather than finding each kind, the file is
walked frame by frame and only MPEG audio frames are kept; a frame counts only if the next one, a tag or the
end of the file follows it where its header says, so a tag is never taken for the end of a frame.
"""

from __future__ import annotations

# kbit/s by bit-rate index, for MPEG-1 and for MPEG-2/2.5 Layer III (index 0, free format, is not accepted).
BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by version bits
TAG_STARTS = (b"ID3", b"TAG", b"APETAGEX", b"LYRICSBEGIN")


def frame_length(data: bytes, position: int) -> int:
    """The length of the MPEG audio Layer III frame whose header starts at `position`, or 0 if none does."""
    header = data[position : position + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return 0
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer != 1 or not 0 < bitrate_index < 15 or rate_index == 3:
        return 0
    bitrate = BITRATES[3 if version == 3 else 2][bitrate_index] * 1000
    return (144 if version == 3 else 72) * bitrate // SAMPLE_RATES[version][rate_index] + padding


def audio_frames(data: bytes) -> bytes:
    """The frames of `data`, in order, without anything between, before or after them."""
    runs: list[tuple[int, int]] = []
    position, size = 0, len(data)
    while position < size:
        length = frame_length(data, position)
        if length and _boundary(data, position + length):
            if runs and runs[-1][1] == position:
                runs[-1] = (runs[-1][0], position + length)
            else:
                runs.append((position, position + length))
            position += length
        else:
            position = _after_tag(data, position) or _next_frame(data, position + 1)
    return b"".join(data[start:end] for start, end in runs)


def _boundary(data: bytes, position: int) -> bool:
    """Whether a frame may end here: at the end, before the next frame or before a tag."""
    if position == len(data):
        return True
    if position > len(data):
        return False
    return bool(frame_length(data, position)) or data.startswith(TAG_STARTS, position)


def _after_tag(data: bytes, position: int) -> int:
    """Where an ID3v2 tag (with its footer) or an APE tag with a header that starts at `position` ends, else 0;
    other tags are skipped like any data that is not a frame."""
    if data.startswith(b"ID3", position):
        header = data[position : position + 10]
        if len(header) == 10 and not any(byte & 0x80 for byte in header[6:10]):
            size = sum(byte << (7 * (3 - i)) for i, byte in enumerate(header[6:10]))
            return position + 10 + size + (10 if header[3] == 4 and header[5] & 0x10 else 0)
    if data.startswith(b"APETAGEX", position):
        header = data[position : position + 32]
        if len(header) == 32:
            return position + 32 + int.from_bytes(header[12:16], "little")  # items and footer follow the header
    return 0


def _next_frame(data: bytes, position: int) -> int:
    """The next position from `position` on where a frame starts that the next frame, a tag or the end follows."""
    while (found := data.find(b"\xff", position)) >= 0:
        length = frame_length(data, found)
        if length and _boundary(data, found + length):
            return found
        position = found + 1
    return len(data)
