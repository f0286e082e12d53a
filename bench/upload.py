"""The upload benchmark's tools: a valid PDF of an exact size on disk, a multipart POST streamed from that
file (neither side of the bench holds the upload in memory), and a gunicorn worker's resident memory."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

MIB = 1024 * 1024
CHUNK = 64 * 1024


def make_pdf(path: Path, size: int) -> Path:
    """A valid one-page PDF of exactly `size` bytes whose page content is one stream of noise (uploads are opened
    and cleaned with pikepdf, so the file needs its catalog, page tree and cross-reference table)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    length = size
    for _ in range(4):  # the stream's length and the offsets are written in digits, which change the total
        head = b"%PDF-1.4\n"
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(head))
            head += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        offsets.append(len(head))
        head += b"4 0 obj\n<< /Length %d >>\nstream\n" % length
        xref_at = len(head) + length + len(b"\nendstream\nendobj\n")
        tail = b"\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \n"
        tail += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        tail += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
        length = size - len(head) - len(tail)
    block = os.urandom(CHUNK)
    with path.open("wb") as out:
        out.write(head)
        for start in range(0, length, CHUNK):
            out.write(block[: min(CHUNK, length - start)])
        out.write(tail)
    assert path.stat().st_size == size
    return path


def csrf_token(url: str, cookie: str) -> str:
    """The CSRF token of the form on the page (which must answer 200, not a redirect to the login)."""
    response = urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=30)
    if response.status != 200 or response.url != url:
        raise RuntimeError(f"{url} answered {response.status} at {response.url}")
    html = response.read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise RuntimeError(f"{url} has no form with a CSRF token")
    return match.group(1)


def post_file(url: str, cookie: str, fields: dict[str, str], field: str, path: Path) -> int:
    """POST the fields and the file as multipart/form-data, read from disk chunk by chunk; the HTTP status."""
    boundary = f"bench{secrets.token_hex(12)}"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{path.name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head.encode()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
        yield tail

    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        connection.request(
            "POST",
            parts.path,
            body=body(),
            headers={
                "Cookie": cookie,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head.encode()) + path.stat().st_size + len(tail)),
            },
        )
        response = connection.getresponse()
        text = response.read()
    finally:
        connection.close()
    if response.status not in (302, 303):
        raise RuntimeError(f"the upload to {url} was not accepted: {response.status}\n{text[:2000].decode()}")
    return response.status


def worker_pid(master: int) -> int:
    """The one worker process of a gunicorn master started with `-w 1`."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker under {master}, found {children}")
    return children[0]


def memory_kib(pid: int, field: str = "VmRSS") -> int:
    """VmRSS (resident now) or VmHWM (the peak since start or since reset_peak) of a process, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))


def reset_peak(pid: int) -> bool:
    """Start VmHWM afresh (Linux ≥ 4.0); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True
