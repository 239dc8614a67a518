"""QR codes (segno) for documents and pages: inline SVG or a PNG data URI.

Error correction "M" (15 % of the symbol may be damaged or covered and it still scans): a good default for
printed certificates. The payload is limited so a symbol stays scannable on paper.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno

MAX_PAYLOAD_BYTES = 512  # a URL of a register page is ~100 bytes; larger symbols get hard to scan on paper


class QrError(ValueError):
    """A payload that cannot become a practical QR code."""


def make_qr(data: str, error: str = "m") -> segno.QRCode:
    """The QR code of `data` (UTF-8; at least error level `error`, segno may raise it for free)."""
    raw = data.encode("utf-8")
    if not raw:
        raise QrError("empty QR payload")
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise QrError(f"QR payload of {len(raw)} bytes is over the limit of {MAX_PAYLOAD_BYTES}")
    import segno  # loaded with the first QR code, not when the web app starts

    return segno.make_qr(data, error=error, boost_error=True)


def qr_svg(data: str, *, scale: float = 4, border: int = 4, dark: str = "#000", title: str | None = None) -> str:
    """An inline `<svg>` element (no XML declaration) of the QR code of `data`."""
    out = io.BytesIO()
    make_qr(data).save(out, kind="svg", scale=scale, border=border, dark=dark, xmldecl=False, svgns=True,
                       title=title, nl=False)
    return out.getvalue().decode("utf-8")


def qr_png_data_uri(data: str, *, scale: int = 4, border: int = 4) -> str:
    """A `data:image/png;base64,...` URI of the QR code of `data`."""
    return make_qr(data).png_data_uri(scale=scale, border=border)


def qr_matrix(data: str) -> tuple[tuple[int, ...], ...]:
    """The module matrix (1 = dark) without the quiet zone, e.g. to compare two encodings."""
    return tuple(tuple(row) for row in make_qr(data).matrix)
