"""Reading a source file safely: size, binary content and encoding are checked before parsing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from qualframe.ingest.errors import IngestError

MAX_SOURCE_BYTES = 5 * 1024 * 1024  # the real order is ~150 KB; anything far larger is not one


@dataclass(frozen=True)
class SourceText:
    path: str
    text: str
    sha256: str

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def read_source(path: str | Path) -> SourceText:
    """Read `path` as UTF-8 text, raising :class:`IngestError` with a precise reason otherwise."""
    p = Path(path)
    name = str(p)
    try:
        if p.is_dir():
            raise IngestError("is a directory, not a text file", name)
        size = p.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise IngestError(f"file is {size} bytes; the limit is {MAX_SOURCE_BYTES} bytes", name)
        data = p.read_bytes()
    except FileNotFoundError:
        raise IngestError("no such file", name) from None
    except PermissionError:
        raise IngestError("permission denied: the file cannot be read", name) from None
    except IsADirectoryError:
        raise IngestError("is a directory, not a text file", name) from None
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}", name) from None
    return decode_source(data, name)


def decode_source(data: bytes, name: str = "<input>") -> SourceText:
    """Decode bytes as UTF-8 (a BOM is allowed), rejecting binary data and other encodings."""
    if not data.strip():
        raise IngestError("file is empty", name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("file is UTF-16 encoded; save it as UTF-8", name, 1)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise IngestError(f"binary data (NUL byte at offset {nul}); expected UTF-8 text", name, line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "the source must be UTF-8 text (is it Windows-1251?)",
            name,
            line,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(name, text, hashlib.sha256(data).hexdigest())
