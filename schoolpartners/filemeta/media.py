"""Audio and video without tags or recording location (Finding #6).

MP3: only the audio frames are kept (`mp3.audio_frames`), so no ID3, APE or Lyrics3 tag survives, wherever
it sits in the file; the frames themselves stay as they are.
MP4/M4A: the audio and video streams are copied into a new container by FFmpeg (PyAV) with no metadata, so
nothing from the original `moov` survives: not `©xyz` in `udta`, not Apple's
`com.apple.quicktime.location.ISO6709` in `meta`, not timed metadata tracks (which are not audio or video).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

import av

from .errors import MEDIA_UNREADABLE, CleaningError
from .mp3 import audio_frames

# FFmpeg's "ipod" muxer writes the M4A brand for audio-only files, "mp4" the isom brand.
MUXERS = {"mp4": "mp4", "m4a": "ipod"}
COPIED = ("audio", "video")


def clean_mp3(target: str | Path | IO[bytes]) -> None:
    """Rewrite an MP3 file (a path or a seekable, writable file object) with its audio frames alone; refuse one
    without any."""
    if hasattr(target, "seek"):
        target.seek(0)
        frames = audio_frames(target.read())
    else:
        frames = audio_frames(Path(target).read_bytes())
    if not frames:
        raise CleaningError(MEDIA_UNREADABLE)
    if hasattr(target, "seek"):
        target.seek(0)
        target.truncate()
        target.write(frames)
    else:
        Path(target).write_bytes(frames)


def remux(source: str | Path | IO[bytes], target: str | Path | IO[bytes], kind: str) -> None:
    """Copy the audio and video packets of an ISO media file into a new one of the same kind, without any
    container or stream metadata; refuse what FFmpeg cannot read or write."""
    try:
        with av.open(source if hasattr(source, "read") else str(source), "r") as original:
            streams = [stream for stream in original.streams if stream.type in COPIED]
            if not streams:
                raise CleaningError(MEDIA_UNREADABLE)
            output = target if hasattr(target, "write") else str(target)
            with av.open(output, "w", format=MUXERS[kind]) as clean:
                copies = {}
                for stream in streams:
                    copy = clean.add_stream_from_template(stream)
                    copy.metadata.clear()
                    copies[stream.index] = copy
                clean.metadata.clear()
                for packet in original.demux(streams):
                    if packet.dts is None:  # the flushing packet at the end of each stream
                        continue
                    packet.stream = copies[packet.stream.index]
                    clean.mux(packet)
    except CleaningError:
        raise
    except Exception as exc:  # FFmpeg errors for broken, unusual or unsupported files
        raise CleaningError(MEDIA_UNREADABLE) from exc


def clean_iso_media(path: Path, kind: str) -> None:
    """Re-mux an MP4 or M4A file in place (through a temporary file next to it)."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=f".{kind}")
    os.close(handle)
    try:
        remux(path, temp_name, kind)
        with av.open(temp_name, "r") as check:  # the result must open again and hold the streams
            if not any(stream.type in COPIED for stream in check.streams):
                raise CleaningError(MEDIA_UNREADABLE)
        os.replace(temp_name, path)
    except CleaningError:
        raise
    except Exception as exc:
        raise CleaningError(MEDIA_UNREADABLE) from exc
    finally:
        Path(temp_name).unlink(missing_ok=True)
