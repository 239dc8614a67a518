"""Documents people hold: the PDF certificate (kk, ru), its fonts and glyphs, the embedded credential, the QR code,
and the OB 3.0 baked SVG badge. PDFs are read back with poppler (pdftotext, pdffonts, pdftoppm), pypdf and
fontTools; QR codes are decoded with zxing-cpp from the rendered page image."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from credentials_helpers import REVOCATION_LIST, SUSPENSION_LIST, centre_ring, kek, valid_iin
from qualframe.credentials.badge import OB_NAMESPACE, BadgeError, badge_svg, bake_svg, unbake_svg
from qualframe.credentials.openbadge import (
    Accreditation,
    AchievementInfo,
    Alignment,
    Holder,
    IssuerProfile,
    build_credential,
    issue_credential,
)
from qualframe.credentials.statuslist import status_entry
from qualframe.credentials.verify import verify_credential
from qualframe.dataset import load
from qualframe.documents import pdf as pdfmod
from qualframe.documents.qr import MAX_PAYLOAD_BYTES, QrError, qr_matrix, qr_png_data_uri, qr_svg

KAZAKH = "әғқңөұүһі"
BASE = "https://qualframe.example.kz"
NUMBER = "ICT-2025-000042"
REGISTER_URL = f"{BASE}/register/certificates/{NUMBER}"
HOLDER = "Шаһизада Нұрғалиқызы Әбілова"  # һ: the one Kazakh letter the framework text never uses
NOW = datetime(2026, 1, 1, tzinfo=UTC)

no_weasyprint = pdfmod.available()
needs_pdf = pytest.mark.skipif(no_weasyprint is not None, reason=f"WeasyPrint/Pango missing: {no_weasyprint}")
needs_poppler = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm")),
    reason="poppler-utils (pdftotext, pdffonts, pdftoppm) not installed",
)


def _credential(did: str) -> dict[str, Any]:
    return build_credential(
        credential_id=REGISTER_URL,
        issuer=IssuerProfile(
            id=did,
            names={"kk": "«Цифрлық біліктілік» тану орталығы", "ru": "Центр признания «Цифровая квалификация»",
                   "en": "Digital Qualification Recognition Centre"},
            accreditation=Accreditation("ACC-2024-017", "Атамекен ҰКП", date(2024, 1, 1), date(2029, 1, 1)),
        ),
        achievement=AchievementInfo(
            id=f"{BASE}/orgs/digital-centre/programmes/7",
            name="Бағдарламалық қамтамасыз етуді әзірлеу жобасының жетекшісі",
            description="Біліктілік: 3.1 сала, 6-деңгей, 62 ішкі деңгей.",
            criteria="Тест, практикалық тапсырма және сұхбат.",
            alignments=(Alignment("3.1 · ҰБШ 6 · СБШ 62", f"{BASE}/levels/3.1-07", "ext:LevelPage", "3.1-07"),),
        ),
        holder=Holder(name=HOLDER, iin=valid_iin()),
        certificate_number=NUMBER,
        valid_from="2025-03-01T00:00:00Z",
        valid_until="2030-03-01T00:00:00Z",
        status_entries=(status_entry(REVOCATION_LIST, 77, "revocation"),
                        status_entry(SUSPENSION_LIST, 77, "suspension")),
    )


@pytest.fixture(scope="module")
def issued() -> dict[str, Any]:
    ring = centre_ring()
    cred = issue_credential(_credential(ring.active.did), ring.signer(kek()), created="2025-03-01T10:00:00Z")
    return {"ring": ring, "credential": cred}


@pytest.fixture(scope="module")
def display():
    from qualframe.credentials.certificate import CertificateDisplay

    fw = load()
    return CertificateDisplay(number=NUMBER, register_url=REGISTER_URL, framework_id=fw.id,
                              framework_title=fw.title["kk"], area=fw.area("3.1"), row=fw.row("3.1-07"))


@pytest.fixture(scope="module")
def pdfs(issued, display, tmp_path_factory) -> dict[str, Path]:
    if no_weasyprint:
        pytest.skip(f"WeasyPrint/Pango missing: {no_weasyprint}")
    from qualframe.credentials.certificate import render_certificate_pdf

    out = tmp_path_factory.mktemp("certs")
    paths = {}
    for lang in ("kk", "ru"):
        paths[lang] = out / f"certificate-{lang}.pdf"
        paths[lang].write_bytes(render_certificate_pdf(issued["credential"], display, lang))
    return paths


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _text(path: Path) -> str:
    return _run("pdftotext", "-enc", "UTF-8", str(path), "-")


def _squash(text: str) -> str:
    """Whitespace collapsed, hyphens dropped: pdftotext joins "қарым-" at a line end and "қатынас" as one word."""
    return re.sub(r"-\s*", "", re.sub(r"\s+", " ", text))


def _page_png(path: Path, dpi: int, tmp: Path) -> Path:
    prefix = tmp / f"{path.stem}-{dpi}"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(prefix)], check=True)
    return prefix.with_suffix(".png")


def _ink(png: Path) -> float:
    """The share of clearly non-white pixels of an image."""
    from PIL import Image

    img = Image.open(png).convert("L")
    hist = img.histogram()
    return sum(hist[:200]) / (img.width * img.height)


# ---- fonts and glyphs ---------------------------------------------------------------------------------------

def _embedded_fonts(pdf_bytes: bytes) -> list[dict[str, Any]]:
    """Each embedded Type0 font: its name, the fontTools font of its subset, and its CID -> text map."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    fonts = []
    for page in PdfReader(io.BytesIO(pdf_bytes)).pages:
        for font_ref in page["/Resources"]["/Font"].values():
            font = font_ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert descendant.get("/CIDToGIDMap") == "/Identity"  # so a CID is a glyph id of the subset
            data = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            to_text: dict[int, str] = {}
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for cid, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    to_text[int(cid, 16)] = bytes.fromhex(uni).decode("utf-16-be")
            for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
                for lo, hi, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    for k, cid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                        to_text[cid] = chr(int(uni, 16) + k)
            fonts.append({"name": str(font["/BaseFont"]), "font": TTFont(io.BytesIO(data)), "to_text": to_text})
    return fonts


def _drawn_glyphs(pdf_bytes: bytes) -> dict[str, list[tuple[str, int, int]]]:
    """For each character the PDF draws: (font, glyph id, outline points of that glyph in the embedded subset).

    Composite glyphs (ә is one: ə plus a component) count the points of their resolved components."""
    out: dict[str, list[tuple[str, int, int]]] = {}
    for f in _embedded_fonts(pdf_bytes):
        glyf, order = f["font"]["glyf"], f["font"].getGlyphOrder()
        for cid, text in f["to_text"].items():
            # a CID past the subset's glyphs draws .notdef, like CID 0
            points = len(glyf[order[cid]].getCoordinates(glyf)[0]) if cid < len(order) else 0
            out.setdefault(text, []).append((f["name"], cid, points))
    return out


def _assert_real_glyphs(pdf_bytes: bytes, letters: str) -> None:
    drawn = _drawn_glyphs(pdf_bytes)
    for ch in letters:
        assert ch in drawn, f"{ch!r} (U+{ord(ch):04X}) is not drawn with an embedded font"
        for font, gid, points in drawn[ch]:
            assert gid != 0, f"{ch!r} is drawn as .notdef in {font}"
            assert points > 0, f"{ch!r} (glyph {gid} of {font}) has no outline: tofu"


@needs_pdf
def test_kazakh_letters_render_with_real_glyphs() -> None:
    """A standalone page of the nine letters (both cases, both weights): every one is a real, embedded glyph."""
    text = KAZAKH + " " + KAZAKH.upper()
    pdf = pdfmod.render_pdf(f"<p>{text}</p><p><b>{text}</b></p>", pdf_variant=None)
    _assert_real_glyphs(pdf, KAZAKH + KAZAKH.upper())
    names = {f["name"].split("+", 1)[-1] for f in _embedded_fonts(pdf)}
    assert names == {"QF-DejaVu-Sans", "QF-DejaVu-Sans-Bold"}, names
    # and the shipped fonts do cover them (what the subset above was cut from)
    from fontTools.ttLib import TTFont

    for path in pdfmod.font_paths():
        cmap = TTFont(path).getBestCmap()
        assert all(ord(c) in cmap for c in KAZAKH + KAZAKH.upper()), path.name


@needs_pdf
def test_a_character_the_fonts_lack_is_visible_as_missing() -> None:
    """The glyph check can fail: a code point outside every font is drawn as .notdef (glyph 0)."""
    pdf = pdfmod.render_pdf("<p>a\U000F0000b</p>", pdf_variant=None)  # a private-use plane code point
    drawn = _drawn_glyphs(pdf)
    assert "a" in drawn and drawn["a"][0][1] != 0
    with pytest.raises(AssertionError):
        _assert_real_glyphs(pdf, "\U000F0000")


# ---- the certificate ---------------------------------------------------------------------------------------

@needs_pdf
@needs_poppler
def test_kazakh_certificate_text_fonts_and_page(pdfs, display, tmp_path) -> None:
    path = pdfs["kk"]
    raw = _text(path)
    text = _squash(raw)
    assert NUMBER in raw and HOLDER in raw
    assert "БІЛІКТІЛІК СЕРТИФИКАТЫ" in raw and "«Цифрлық біліктілік» тану орталығы" in raw
    descriptors = [d.text for d in display.row.descriptors]
    for d in descriptors:  # every descriptor of the row, word for word
        assert _squash(d) in text, d[:60]
    official = " ".join(descriptors)
    for ch in KAZAKH:
        assert ch in raw, ch
        if ch != "һ":  # the source text has no һ; it comes from the holder's name
            assert ch in official, ch
    assert "01.03.2025" in raw and "01.03.2030" in raw and "ACC-2024-017" in raw
    assert "ресми емес" not in raw  # the Kazakh certificate has no translation note

    fonts = [line for line in _run("pdffonts", str(path)).splitlines()[2:] if line.strip()]
    assert fonts and all("DejaVu" in line for line in fonts), fonts
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts), fonts  # emb, sub, uni
    _assert_real_glyphs(path.read_bytes(), KAZAKH + "ӘҰ")

    png = _page_png(path, 60, tmp_path)
    ink = _ink(png)
    assert 0.02 < ink < 0.5, f"page 1 looks blank or black: {ink:.3f} of the pixels are dark"
    info = _run("pdfinfo", str(path))
    assert re.search(r"Pages:\s+1\b", info) and "A4" in info


@needs_pdf
@needs_poppler
def test_russian_certificate_uses_labelled_unofficial_translations(pdfs, display) -> None:
    from qualframe.translations import load_translations

    raw = _text(pdfs["ru"])
    text = _squash(raw)
    assert "СЕРТИФИКАТ О КВАЛИФИКАЦИИ" in raw and NUMBER in raw and HOLDER in raw
    assert "неофициальный перевод" in raw
    assert _squash("официальный текст рамки квалификаций — на казахском") in text
    tr = load_translations("ru", display.framework_id)
    first = display.row.competences[0]
    assert _squash(tr.get(first.id)) in text
    assert _squash(first.text) not in text  # translated, not the Kazakh text
    assert _squash("Центр признания «Цифровая квалификация»") in text


@needs_pdf
def test_embedded_credential_is_extractable_and_verifies(pdfs, issued) -> None:
    from pypdf import PdfReader

    for path in pdfs.values():
        files = PdfReader(path).attachments
        assert list(files) == ["credential.json"]
        (data,) = files["credential.json"]
        cred = json.loads(data)
        assert cred == issued["credential"]
        result = verify_credential(cred, now=NOW)
        assert result.check("proof").status == "ok", result.failures()
        assert result.check("validity").status == "ok"
    if shutil.which("pdfdetach"):  # poppler agrees
        listing = _run("pdfdetach", "-list", str(pdfs["kk"]))
        assert "credential.json" in listing


@needs_pdf
@needs_poppler
def test_qr_on_the_page_decodes_to_the_register_url(pdfs, tmp_path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (QR decoder) not installed")
    from PIL import Image

    for path in pdfs.values():
        img = Image.open(_page_png(path, 150, tmp_path))
        found = [r.text for r in zxingcpp.read_barcodes(img) if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert found == [REGISTER_URL]


@needs_pdf
@needs_poppler
def test_revoked_banner_and_escaping(issued, display, tmp_path) -> None:
    from dataclasses import replace

    from qualframe.credentials.certificate import certificate_html, render_certificate_pdf

    hostile = replace(display, holder_name="<script>alert(1)</script> & </style>", status="revoked")
    html = certificate_html(issued["credential"], hostile, "en")
    assert "<script>" not in html and "&lt;script&gt;" in html
    path = tmp_path / "revoked.pdf"
    path.write_bytes(render_certificate_pdf(issued["credential"], hostile, "en"))
    text = _text(path)
    assert "THIS CERTIFICATE HAS BEEN REVOKED" in text and "<script>alert(1)</script> & </style>" in text
    assert "unofficial translation" in text


def test_certificate_refuses_inconsistent_input(issued, display) -> None:
    from dataclasses import replace

    from qualframe.credentials.certificate import CertificateError, certificate_html

    with pytest.raises(CertificateError, match="differs from the credential"):
        certificate_html(issued["credential"], replace(display, number="ICT-2025-000043"))
    with pytest.raises(CertificateError, match="lang"):
        certificate_html(issued["credential"], display, "de")


# ---- the PDF engine's limits --------------------------------------------------------------------------------

@needs_pdf
def test_no_resource_is_fetched() -> None:
    for html in ('<img src="http://127.0.0.1:9/x.png">', '<link rel="stylesheet" href="https://example.org/x.css">',
                 '<img src="file:///etc/hostname">'):
        with pytest.raises(pdfmod.DocumentError, match="no external resources"):
            pdfmod.render_pdf(html, pdf_variant=None)
    with pytest.raises(pdfmod.DocumentError, match="no external resources"):
        pdfmod.render_pdf("<p>x</p>", stylesheets=['@import url("http://127.0.0.1:9/a.css");'], pdf_variant=None)
    # data: URIs are fine (decoded in memory)
    assert pdfmod.render_pdf(f'<img src="{qr_png_data_uri("x")}">', pdf_variant=None).startswith(b"%PDF")


@needs_pdf
def test_limits() -> None:
    with pytest.raises(pdfmod.DocumentTooLarge, match="HTML of"):
        pdfmod.render_pdf("x" * (pdfmod.MAX_HTML_CHARS + 1))
    with pytest.raises(pdfmod.DocumentTooLarge, match="pages"):
        pdfmod.render_pdf("<style>p { break-after: page }</style><p>1</p><p>2</p><p>3</p>", max_pages=2,
                          pdf_variant=None)
    big = pdfmod.EmbeddedFile("big.bin", b"0" * (pdfmod.MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(pdfmod.DocumentTooLarge, match=r"big\.bin"):
        pdfmod.render_pdf("<p>x</p>", attachments=[big])
    with pytest.raises(pdfmod.DocumentError, match="plain file name"):
        pdfmod.render_pdf("<p>x</p>", attachments=[pdfmod.EmbeddedFile("../x.json", b"{}")])


# ---- QR codes ------------------------------------------------------------------------------------------------

def test_qr_codes_decode() -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (QR decoder) not installed")
    import base64

    from PIL import Image

    uri = qr_png_data_uri(REGISTER_URL, scale=4)
    img = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    (found,) = zxingcpp.read_barcodes(img)
    assert found.text == REGISTER_URL
    # the SVG carries the same symbol: a well-formed <svg> whose path draws the matrix
    svg = qr_svg(REGISTER_URL, title="a <title>")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert qr_matrix(REGISTER_URL) == qr_matrix(REGISTER_URL) != qr_matrix(REGISTER_URL + "x")
    with pytest.raises(QrError):
        qr_svg("x" * (MAX_PAYLOAD_BYTES + 1))
    with pytest.raises(QrError):
        qr_svg("")


# ---- the baked SVG badge ---------------------------------------------------------------------------------------

def test_baked_svg_round_trip_verifies(issued) -> None:
    svg = badge_svg(issued["credential"], level="СБШ 62", number=NUMBER,
                    title="Бағдарламалық қамтамасыз етуді әзірлеу жобасының жетекшісі",
                    centre="«Цифрлық біліктілік» тану орталығы")
    root = ET.fromstring(svg.encode("utf-8"))  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert f'xmlns:openbadges="{OB_NAMESPACE}"' in svg
    first = next(iter(root))
    assert first.tag == f"{{{OB_NAMESPACE}}}credential"  # directly after the <svg> start tag
    assert not first.attrib  # embedded proof: no `verify` attribute
    assert json.loads(first.text) == issued["credential"]  # CDATA parsed by a real XML parser
    assert "<![CDATA[" in svg
    back = unbake_svg(svg)
    assert back == issued["credential"]
    result = verify_credential(back, now=NOW)
    assert result.check("proof").status == "ok", result.failures()
    # a baked credential changed in transit no longer verifies
    forged = unbake_svg(svg.replace(NUMBER, "ICT-2025-000099"))
    assert verify_credential(forged, now=NOW).check("proof").status == "failed"


def test_bake_survives_cdata_terminator_and_foreign_svgs() -> None:
    cred = {"name": "a ]]> b", "nested": {"x": "]]]]>"}, "ctl": "\u0001\ufffe"}
    plain = '<?xml version="1.0"?>\n<!-- art -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'
    baked = bake_svg(plain, cred)
    root = ET.fromstring(baked.encode("utf-8"))
    assert json.loads(next(iter(root)).text) == cred
    assert unbake_svg(baked.encode("utf-8")) == cred
    with pytest.raises(BadgeError, match="already carries"):
        bake_svg(baked, cred)
    with pytest.raises(BadgeError, match="not <svg>"):
        bake_svg("<html></html>", cred)
    # another producer's layout: entity-escaped JSON without CDATA, and a VC-JWT in `verify`
    escaped = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB_NAMESPACE}">'
               '<openbadges:credential>{"name": "a &amp; b"}</openbadges:credential></svg>')
    assert unbake_svg(escaped) == {"name": "a & b"}
    jwt = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB_NAMESPACE}">'
           '<openbadges:credential verify="aaa.bbb.ccc"></openbadges:credential></svg>')
    assert unbake_svg(jwt) == "aaa.bbb.ccc"
    for bad, message in ((plain, "not a baked badge"),
                         (escaped.replace('{"name": "a &amp; b"}', '["x"]'), "not a JSON object"),
                         (escaped.replace("}<", "<"), "not JSON"),
                         (escaped.replace("</openbadges:credential>", ""), "not closed"),
                         (b"\xff<svg/>", "not UTF-8")):
        with pytest.raises(BadgeError, match=message):
            unbake_svg(bad)


def test_tampered_badge_json_is_caught(issued) -> None:
    svg = badge_svg(issued["credential"], level="62", number=NUMBER, title="t", centre="c")
    tampered = copy.deepcopy(issued["credential"])
    tampered["validUntil"] = "2099-01-01T00:00:00Z"
    swapped = bake_svg(svg[:svg.index("<openbadges:credential>")] + svg[svg.index("</openbadges:credential>")
                                                                         + len("</openbadges:credential>"):],
                       tampered)
    assert verify_credential(unbake_svg(swapped), now=NOW).check("proof").status == "failed"
