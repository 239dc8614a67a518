"""Certificate documents over HTTP, on SQLite and PostgreSQL: the PDF and the baked SVG of a certificate issued
through the real API, fetched from the public register (holder agreed to a full name) or by the issuing centre
(any consent), with the embedded credential verifying, ETag revalidation and the revocation banner."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from typing import Any

import pytest

from certificates_helpers import assess, bearer, centre_with_programme, certify, kek_env, make_centre  # noqa: F401
from qualframe.credentials.badge import unbake_svg
from qualframe.documents import pdf as pdfmod

no_weasyprint = pdfmod.available()
pytestmark = pytest.mark.skipif(no_weasyprint is not None, reason=f"WeasyPrint/Pango missing: {no_weasyprint}")


@pytest.fixture
def centre(make_client, kek_env) -> dict[str, Any]:  # noqa: F811
    return centre_with_programme(make_client())


def _issue(centre: dict[str, Any], consent: str, name: str) -> dict[str, Any]:
    a = assess(centre["client"], centre["token"], centre["programme"], name=name)
    r = certify(centre["client"], centre["token"], a, consent=consent)
    assert r.status_code == 201, r.text
    return r.json()


def _attached(pdf: bytes) -> dict[str, Any]:
    from pypdf import PdfReader

    (data,) = PdfReader(io.BytesIO(pdf)).attachments["credential.json"]
    return json.loads(data)


def _text(pdf: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext, pdffonts, pdftoppm) not installed")
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def test_public_pdf_and_badge_of_a_certificate(centre) -> None:
    c = centre["client"]
    cert = _issue(centre, "full", "Шаһизада Нұрғалиқызы")
    number, vc = cert["number"], cert["verifiableCredential"]
    page = c.get(f"/register/certificates/{number}")
    assert f'href="/register/certificates/{number}.pdf?lang=kk"' in page.text
    assert f'href="/register/certificates/{number}.svg"' in page.text

    r = c.get(f"/register/certificates/{number}.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert _attached(r.content) == vc
    text = _text(r.content)
    assert number in text and "Шаһизада Нұрғалиқызы" in text and "БІЛІКТІЛІК СЕРТИФИКАТЫ" in text
    # revalidation costs no render; another language is another document
    again = c.get(f"/register/certificates/{number}.pdf", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content
    ru = c.get(f"/register/certificates/{number.lower()}.pdf?lang=ru")
    assert ru.status_code == 200 and ru.headers["etag"] != r.headers["etag"]
    assert "СЕРТИФИКАТ О КВАЛИФИКАЦИИ" in _text(ru.content)
    assert c.get(f"/register/certificates/{number}.pdf?lang=de").status_code == 422
    assert c.get("/register/certificates/NOPE-2026-000001.pdf").status_code == 404

    svg = c.get(f"/register/certificates/{number}.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    unbaked = unbake_svg(svg.content)
    assert unbaked == vc
    verified = c.post("/credentials/verify", json={"verifiableCredential": unbaked})
    assert verified.status_code == 200 and verified.json()["verified"] is True
    verified = c.post("/credentials/verify", json={"verifiableCredential": _attached(r.content)})
    assert verified.status_code == 200 and verified.json()["verified"] is True


def test_masked_name_downloads_only_for_the_centre_and_revocation_shows(centre) -> None:
    c = centre["client"]
    cert = _issue(centre, "masked", "Бауыржан Қасымов")
    number = cert["number"]
    public = c.get(f"/register/certificates/{number}.pdf")
    # a browser's download gets the error page, in the default page language (Kazakh)
    assert public.status_code == 403 and "аты-жөнін қысқартып көрсетуді таңдады" in public.text
    assert "shortened name" in c.get(f"/register/certificates/{number}.pdf?lang=en").text
    assert c.get(f"/register/certificates/{number}.svg").status_code == 403
    assert ".pdf" not in c.get(f"/register/certificates/{number}").text  # no links to refused downloads

    url = f"/api/v1/orgs/kazcert/certificates/{number}.pdf?lang=en"
    assert c.get(url).status_code == 401
    r = c.get(url, headers=bearer(centre["token"]))
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"  # no shared copies
    assert _attached(r.content) == cert["verifiableCredential"]
    assert "REVOKED" not in _text(r.content)
    assert c.get(f"/api/v1/orgs/kazcert/certificates/{number}.svg", headers=bearer(centre["token"])).status_code \
        == 200
    other = make_centre(centre["store"], "othercert")
    assert c.get(url, headers=bearer(other)).status_code == 403
    assert c.get(f"/api/v1/orgs/othercert/certificates/{number}.pdf", headers=bearer(other)).status_code == 404

    s = c.post(f"/api/v1/orgs/kazcert/certificates/{number}/status", json={"action": "revoke",
                                                                          "reason": "issued in error"},
               headers=bearer(centre["token"]))
    assert s.status_code == 200, s.text
    revoked = c.get(url, headers=bearer(centre["token"]))
    assert revoked.status_code == 200
    assert "THIS CERTIFICATE HAS BEEN REVOKED" in _text(revoked.content)
