"""HTML+CSS to PDF with WeasyPrint: shipped fonts, no network, embedded files, bounded work.

Every document uses DejaVu Sans from `documents/fonts` (it covers the Kazakh letters ә ғ қ ң ө ұ ү һ і and the
whole Cyrillic block), declared with `@font-face` under the family name `FONT_FAMILY`, so the output does not
depend on the fonts of the machine. The URL fetcher serves those font files and `data:` URIs and refuses
everything else (a stray http:// reference stops the rendering instead of being fetched).

The default variant is PDF/A-3b: an archival PDF that may carry embedded files (the signed credential of a
certificate travels inside its PDF). Rendering is synchronous and CPU-bound; limits on the HTML size, the page
count and the attachments keep each call bounded, and web callers run it through the admission limiter.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "QF DejaVu Sans"
# (CSS font-weight, file) of the shipped faces
FONT_FILES: tuple[tuple[str, str], ...] = (("normal", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf"))

MAX_HTML_CHARS = 2_000_000
MAX_PAGES = 20
MAX_ATTACHMENTS = 8
MAX_ATTACHMENT_BYTES = 2_000_000
DEFAULT_VARIANT = "pdf/a-3b"

log = logging.getLogger("qualframe.documents")


class DocumentError(ValueError):
    """A document that cannot be rendered (names what is wrong)."""


class DocumentTooLarge(DocumentError):
    """Input or output beyond the limits of one rendering."""


class RenderingUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing."""


@dataclass(frozen=True)
class EmbeddedFile:
    """A file embedded in the PDF (PDF/A-3 "associated file"). The media type is guessed from the name."""

    name: str
    data: bytes = field(repr=False)
    description: str | None = None
    relationship: str = "Source"  # PDF 2.0 AFRelationship: the data the document was made from


@lru_cache(maxsize=1)
def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz shared libraries missing
        raise RenderingUnavailable(f"PDF rendering needs WeasyPrint and Pango: {exc}") from exc
    return weasyprint


def available() -> str | None:
    """None when PDFs can be rendered here, else the reason (missing library)."""
    try:
        _weasyprint()
    except RenderingUnavailable as exc:
        return str(exc)
    return None


def font_paths() -> list[Path]:
    """The shipped font files."""
    return [FONT_DIR / name for _, name in FONT_FILES]


def font_face_css() -> str:
    """`@font-face` rules for the shipped fonts and a base rule using them."""
    rules = [
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; font-style: normal; '
        f'src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for weight, name in FONT_FILES
    ]
    rules.append(f'html {{ font-family: "{FONT_FAMILY}", sans-serif; }}')
    return "\n".join(rules)


def _fetcher_class() -> type:
    _weasyprint()  # RenderingUnavailable rather than an ImportError below
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = {p.as_uri(): p for p in font_paths()}

    class OfflineFetcher(URLFetcher):
        """Serves the shipped fonts and data: URIs; anything else is an error that stops the rendering."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
            path = allowed.get(url.split("?", 1)[0])
            if path is None:
                raise ValueError(f"documents load no external resources (refused {url[:200]!r})")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})

    return OfflineFetcher


def offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that never touches the network."""
    return _fetcher_class()()


def render_pdf(
    html: str,
    *,
    stylesheets: Sequence[str] = (),
    attachments: Sequence[EmbeddedFile] = (),
    max_pages: int = MAX_PAGES,
    pdf_variant: str | None = DEFAULT_VARIANT,
    created: datetime | None = None,
) -> bytes:
    """Render an HTML document (with extra CSS) to PDF bytes, the shipped fonts first in the cascade.

    `created` dates the embedded files (now by default). Raises DocumentTooLarge beyond the limits,
    DocumentError when a resource is refused, RenderingUnavailable without WeasyPrint/Pango.
    """
    if len(html) > MAX_HTML_CHARS:
        raise DocumentTooLarge(f"HTML of {len(html)} characters is over the limit of {MAX_HTML_CHARS}")
    if len(attachments) > MAX_ATTACHMENTS:
        raise DocumentTooLarge(f"{len(attachments)} attachments is over the limit of {MAX_ATTACHMENTS}")
    for a in attachments:
        if len(a.data) > MAX_ATTACHMENT_BYTES:
            raise DocumentTooLarge(f"attachment {a.name!r} of {len(a.data)} bytes is over {MAX_ATTACHMENT_BYTES}")
        if not a.name or "/" in a.name or "\\" in a.name:
            raise DocumentError(f"attachment name {a.name!r} must be a plain file name")
    wp = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    fetcher = offline_fetcher()
    font_config = FontConfiguration()
    when = created or datetime.now(UTC)
    files = [
        wp.Attachment(file_obj=io.BytesIO(a.data), name=a.name, description=a.description, created=when,
                      modified=when, relationship=a.relationship, url_fetcher=fetcher)
        for a in attachments
    ]
    try:
        # stylesheets are parsed (and their @import/@font-face fetched) here: inside the try, like the HTML
        css = [wp.CSS(string=font_face_css(), font_config=font_config, url_fetcher=fetcher)]
        css += [wp.CSS(string=s, font_config=font_config, url_fetcher=fetcher) for s in stylesheets]
        document = wp.HTML(string=html, url_fetcher=fetcher, base_url=FONT_DIR.as_uri() + "/").render(
            stylesheets=css, font_config=font_config)
        if len(document.pages) > max_pages:
            raise DocumentTooLarge(f"the document has {len(document.pages)} pages; the limit is {max_pages}")
        return document.write_pdf(attachments=files, pdf_variant=pdf_variant)
    except FatalURLFetchingError as exc:
        cause = exc.__cause__ or exc
        raise DocumentError(str(cause)) from exc
