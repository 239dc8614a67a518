"""Open Badges 3.0 "baked" SVG badges: the signed credential carried inside the badge image.

OB 3.0, "Baking" / SVG: the root `<svg>` declares `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`;
directly after the `<svg>` start tag comes one `<openbadges:credential>` element. A credential with an
embedded proof (ours: Data Integrity) goes into its body as JSON wrapped in CDATA; a VC-JWT would go into a
`verify` attribute instead. Extracting reads the first `<openbadges:credential>` element; the rest of the image
is irrelevant to verification.

Scanning is linear (`str.find`, no regular expressions over the input) and the input size is limited, so
unbaking an uploaded SVG has a bounded cost; no XML parser runs on untrusted input (no entity expansion).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape, unescape
from typing import Any

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
TAG = "openbadges:credential"
MAX_SVG_BYTES = 5_000_000


class BadgeError(ValueError):
    """An SVG that cannot be baked or holds no (readable) credential; says what is wrong and where."""


def _xml_safe(text: str) -> bool:
    # XML 1.0 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF
    return all(c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
               for c in text)


def credential_cdata(credential: Mapping[str, Any]) -> str:
    """The credential as JSON inside CDATA. `]]>` can only occur inside a JSON string: written `]]\\u003e`."""
    text = json.dumps(credential, ensure_ascii=False, indent=2)
    if not _xml_safe(text):
        text = json.dumps(credential, ensure_ascii=True, indent=2)  # \\u escapes keep the XML well-formed
    return "<![CDATA[" + text.replace("]]>", "]]\\u003e") + "]]>"


def _start_tag_end(svg: str, start: int) -> int:
    """Index of the `>` closing the start tag at `start` (quoted attribute values may contain `>`)."""
    quote = ""
    for i in range(start, len(svg)):
        c = svg[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == ">":
            return i
    raise BadgeError("the <svg> start tag is not closed")


def _root_svg_tag(svg: str) -> tuple[int, int]:
    """(start, end) of the root `<svg ...>` start tag, skipping the prolog (declaration, comments, doctype)."""
    i = 0
    while True:
        i = svg.find("<", i)
        if i < 0:
            raise BadgeError("no <svg> element")
        if svg.startswith("<?", i):
            i = svg.find("?>", i)
        elif svg.startswith("<!--", i):
            i = svg.find("-->", i)
        elif svg.startswith("<!", i):
            i = svg.find(">", i)
        elif svg.startswith("<svg", i) and svg[i + 4:i + 5] in (" ", "\t", "\n", "\r", ">", "/"):
            return i, _start_tag_end(svg, i)
        else:
            raise BadgeError(f"the root element is not <svg> (found {svg[i:i + 20]!r})")
        if i < 0:
            raise BadgeError("unterminated prolog before <svg>")
        i += 1


def bake_svg(svg: str, credential: Mapping[str, Any]) -> str:
    """The SVG with `credential` baked in (OB 3.0). Refuses an SVG that already carries a credential."""
    if len(svg.encode("utf-8")) > MAX_SVG_BYTES:
        raise BadgeError(f"SVG over {MAX_SVG_BYTES} bytes")
    if f"<{TAG}" in svg:
        raise BadgeError("the SVG already carries an <openbadges:credential>")
    start, end = _root_svg_tag(svg)
    tag = svg[start:end]
    self_closing = tag.endswith("/")
    if self_closing:
        tag = tag[:-1].rstrip()
    if "xmlns:openbadges=" not in tag:
        tag += f' xmlns:openbadges="{OB_NAMESPACE}"'
    elif f'xmlns:openbadges="{OB_NAMESPACE}"' not in tag:
        raise BadgeError("the SVG binds the openbadges prefix to another namespace")
    element = f"\n<{TAG}>{credential_cdata(credential)}</{TAG}>\n"
    if self_closing:
        return svg[:start] + tag + ">" + element + "</svg>" + svg[end + 1:]
    return svg[:start] + tag + ">" + element + svg[end + 1:]


def unbake_svg(svg: str | bytes) -> dict[str, Any] | str:
    """The credential baked into an SVG: the JSON object, or the compact JWS of a `verify` attribute."""
    if isinstance(svg, bytes):
        if len(svg) > MAX_SVG_BYTES:
            raise BadgeError(f"SVG over {MAX_SVG_BYTES} bytes")
        try:
            svg = svg.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadgeError(f"SVG is not UTF-8 (byte {exc.start})") from exc
    elif len(svg) > MAX_SVG_BYTES:
        raise BadgeError(f"SVG over {MAX_SVG_BYTES} characters")
    start = svg.find(f"<{TAG}")
    if start < 0 or svg[start + len(TAG) + 1:start + len(TAG) + 2] not in (" ", "\t", "\n", "\r", ">", "/"):
        raise BadgeError("no <openbadges:credential> element: the SVG is not a baked badge")
    end = _start_tag_end(svg, start)
    attrs = svg[start + len(TAG) + 1:end]
    verify = _attribute(attrs, "verify")
    if verify:
        return verify
    if attrs.rstrip().endswith("/"):
        raise BadgeError("<openbadges:credential> is empty")
    close = svg.find(f"</{TAG}>", end)
    if close < 0:
        raise BadgeError("<openbadges:credential> is not closed")
    text = _text_content(svg[end + 1:close]).strip()
    if not text:
        raise BadgeError("<openbadges:credential> is empty")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadgeError(f"the baked credential is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                         ) from exc
    if not isinstance(value, dict):
        raise BadgeError("the baked credential is not a JSON object")
    return value


def _attribute(attrs: str, name: str) -> str | None:
    """The value of attribute `name` in a start tag's attribute text (exact name, quoted value)."""
    i = 0
    while True:
        i = attrs.find(name, i)
        if i < 0:
            return None
        before = attrs[i - 1:i] if i else " "
        rest = attrs[i + len(name):].lstrip()
        if before.isspace() and rest.startswith("="):
            value = rest[1:].lstrip()
            if value[:1] in ("'", '"'):
                stop = value.find(value[0], 1)
                if stop > 0:
                    return unescape(value[1:stop])
            return None
        i += len(name)


def _text_content(body: str) -> str:
    """Character data of an element body: CDATA sections verbatim, other text with entities decoded."""
    out: list[str] = []
    i = 0
    while i < len(body):
        j = body.find("<![CDATA[", i)
        if j < 0:
            out.append(unescape(body[i:]))
            break
        out.append(unescape(body[i:j]))
        k = body.find("]]>", j + 9)
        if k < 0:
            raise BadgeError("unterminated CDATA section in <openbadges:credential>")
        out.append(body[j + 9:k])
        i = k + 3
    return "".join(out)


def badge_svg(credential: Mapping[str, Any], *, level: str, number: str, title: str, centre: str,
              size: int = 512) -> str:
    """A round badge image naming the level, the qualification and the centre, with `credential` baked in.

    The text uses the viewer's sans-serif font (an SVG badge is shown by browsers and wallets, which have
    Cyrillic fonts); the credential inside is what verifies.
    """
    lines = _wrap(title, 26, 3)
    title_svg = "".join(
        f'<text x="256" y="{262 + 30 * n}" font-size="23" text-anchor="middle">{escape(line)}</text>'
        for n, line in enumerate(lines))
    image = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 512 512" role="img"
 aria-label="{escape(title)}">
<title>{escape(title)} · {escape(number)}</title>
<g font-family="DejaVu Sans, Noto Sans, Arial, sans-serif" fill="#0b4f6c">
<circle cx="256" cy="256" r="248" fill="#0b4f6c"/>
<circle cx="256" cy="256" r="228" fill="#ffffff"/>
<circle cx="256" cy="256" r="216" fill="none" stroke="#0b4f6c" stroke-width="3"/>
<text x="256" y="150" font-size="26" text-anchor="middle">{escape(_short(centre, 34))}</text>
<text x="256" y="222" font-size="64" font-weight="bold" text-anchor="middle">{escape(_short(level, 14))}</text>
{title_svg}
<text x="256" y="400" font-size="22" text-anchor="middle">{escape(_short(number, 32))}</text>
</g>
</svg>
"""
    return bake_svg(image, credential)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[:max_lines - 1], _short(" ".join(lines[max_lines - 1:]), width)]
    return [_short(line, width + 4) for line in lines]
