"""A recognition centre's certificate from start to finish, in headless Chromium against a real `qualframe serve`.

The centre, its programme and its assessor are created with the `qualframe` CLI (separate processes on the
server's database). The assessor signs in, records an assessment on the form, issues the certificate, downloads
its PDF, decodes the QR code on the rendered page (poppler + zxing-cpp) and opens that link: the public register
page. The credential JSON pasted on /verify passes every check; after the assessor revokes it on the certificate
page, /verify says revoked. Screenshots (QUALFRAME_SCREENSHOTS=1: docs/screenshots/): assessment-form.png,
centre-certificate.png, verify-result.png.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from accounts_helpers import PASSWORD
from browser_helpers import NEEDS_CHROMIUM, checked_page, free_port, serve, sign_in
from credentials_helpers import TEST_SECRET, valid_iin

pytest.importorskip("playwright.sync_api")
pytestmark = [NEEDS_CHROMIUM,
              pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is not installed")]

ASSESSOR = "bekzat@kazcert.kz"
CANDIDATE = "Әлия Сәрсенбаева"
IIN = valid_iin()


def _cli(data: Path, *args: str, stdin: str | None = None) -> str:
    """One `qualframe` command on the server's database, as an operator would type it."""
    env = {**os.environ, "QUALFRAME_DATA_DIR": str(data)}
    env.pop("QUALFRAME_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-c", "from qualframe.cli import main; main()", *args],
                       input=stdin, capture_output=True, text=True, env=env, cwd=data, timeout=120)
    assert r.returncode == 0, f"qualframe {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real server with signing configured and its base URL as the public one (so the QR link opens here)."""
    data = tmp_path_factory.mktemp("certificates-serve")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"QUALFRAME_SECRET_KEY": TEST_SECRET.decode(), "QUALFRAME_BASE_URL": base}
    os.environ.update(env)  # the CLI processes share the server's key and public URL
    try:
        with serve(data, port=port, env=env) as url:
            yield url, data
    finally:
        for k in env:
            os.environ.pop(k, None)


@pytest.fixture
def page(browser: Any, served: tuple[str, Path]) -> Iterator[Any]:  # a console error (e.g. CSP) fails the test
    # /verify answers 422 for a credential that does not verify (the revoked one): Chromium logs that load
    with checked_page(browser, served[0], locale="kk-KZ", allowed=lambda e: e.startswith(
            "Failed to load resource: the server responded with a status of 422")) as pg:
        failed: list[tuple[int, str]] = []
        pg.on("response", lambda r: failed.append((r.status, urlsplit(r.url).path)) if r.status >= 400 else None)
        yield pg
        unexpected = [f for f in failed if f != (422, "/verify")]
        assert unexpected == [], f"failed loads: {unexpected}"


def _qr_links(pdf: bytes, tmp: Path) -> list[str]:
    """The QR codes on the PDF's first page, rendered by poppler and decoded with zxing-cpp."""
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (QR decoder) not installed")
    from PIL import Image

    (tmp / "cert.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(tmp / "cert.pdf"), str(tmp / "p")],
                   check=True, timeout=120)
    (png,) = tmp.glob("p*.png")
    return [r.text for r in zxingcpp.read_barcodes(Image.open(png)) if r.format == zxingcpp.BarcodeFormat.QRCode]


def _verify_pasted(page: Any, credential: str) -> str:
    page.goto("/verify")
    page.fill("#credential", credential)
    with page.expect_navigation():
        page.locator("form.verify button[type=submit]").click()
    return page.locator("section.verify-result").get_attribute("class") or ""


def test_centre_issues_a_certificate_that_verifies_and_then_is_revoked(page: Any, served: tuple[str, Path],
                                                                      shots: Path, tmp_path: Path) -> None:
    server, data = served
    # the operator defines the centre, its assessor and a programme from the command line
    out = _cli(data, "user", "add", ASSESSOR, "--name", "Бекзат Оразов", "--password-stdin", stdin=PASSWORD + "\n")
    assert "created" in out
    today = date.today()
    _cli(data, "org", "add", "kazcert", "--kind", "recognition-centre", "--name", "ҚазСерт", "--name-en", "KazCert",
         "--accreditation", "KZ-RC-0042", "--valid-from", f"{today.year - 1}-01-01", "--valid-to",
         f"{today.year + 2}-12-31")
    _cli(data, "member", "add", "kazcert", ASSESSOR, "--role", "assessor")
    out = _cli(data, "programme", "add", "kazcert", "--row", "3.1-07", "--title",
               "Бағдарламалық қамтамасыз етуді әзірлеуші, СБШ 62", "--method", "test", "--method", "practical",
               "--rule", "skills=2")
    assert "programme 1 of kazcert" in out

    # the assessor signs in and records an assessment
    sign_in(page, ASSESSOR)
    page.goto("/orgs/kazcert")
    page.locator("p.centre-nav a[href='/orgs/kazcert/assessments']").click()
    page.locator("#record-assessment").click()
    page.wait_for_url("**/orgs/kazcert/assessments/new")
    page.fill("#a-name", CANDIDATE)
    page.fill("#a-iin", IIN)
    assert page.input_value("#a-assessors") == "Бекзат Оразов"  # the signed-in assessor by default
    radios = page.locator("input[type=radio][value=met]")
    assert radios.count() == 7  # every descriptor of row 3.1-07: 2 competences, 3 skills, 2 knowledge
    for i in range(radios.count()):
        radios.nth(i).check()
    page.locator("textarea[name^='evidence-']").first.fill("Практикалық тапсырма: топты басқару, 92 балл")
    page.screenshot(path=str(shots / "assessment-form.png"), full_page=False)
    with page.expect_navigation():
        page.locator("form.assessment button[type=submit]").click()
    assert "passed" in (page.locator("#outcome").get_attribute("class") or "").split()
    assert IIN not in page.content()

    # issue the certificate; the holder agreed to show the full name
    page.check("input[name=holder_consent][value=full]")
    with page.expect_navigation():
        page.locator("form.issue button[type=submit]").click()
    assert re.search(r"/orgs/kazcert/certificates/KAZCERT-\d{4}-000001", page.url), page.url
    number = page.url.split("/")[-1].split("?")[0]
    assert CANDIDATE in page.locator("dl.facts").inner_text()
    assert "active" in (page.locator("#cert-status").get_attribute("class") or "")
    page.screenshot(path=str(shots / "centre-certificate.png"), full_page=False)

    # the PDF downloads; its QR code is the register page's link, which opens and shows the certificate
    pdf = page.request.get(page.locator("#link-pdf-kk").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    links = _qr_links(pdf.body(), tmp_path)
    assert links == [f"{server}/register/certificates/{number}"]
    page.goto(links[0])
    assert number in page.locator("h1").inner_text() and CANDIDATE in page.locator("main").inner_text()
    assert IIN not in page.content()

    # the credential JSON pasted on /verify passes every check
    page.goto(f"/orgs/kazcert/certificates/{number}")
    credential = page.locator("#credential-json").text_content() or ""
    assert number in credential and IIN not in credential
    assert "valid" in _verify_pasted(page, credential).split()
    checks = page.locator("table.checks tbody tr")
    assert checks.count() >= 6
    assert page.locator("table.checks tr.check-ok").count() == checks.count()
    for name in ("proof", "issuer", "status", "validity", "terms", "contexts"):
        assert page.locator(f"#check-{name}").get_attribute("class") == "check-ok", name
    page.locator("section.verify-result").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "verify-result.png"), full_page=False)

    # revoked on the certificate page (with a reason), /verify then says revoked
    page.goto(f"/orgs/kazcert/certificates/{number}")
    page.check("input[name=action][value=revoke]")
    page.fill("#s-reason", "Жалған жеке куәлік бойынша берілген")
    with page.expect_navigation():
        page.locator("form.cert-status-form button[type=submit]").click()
    assert "revoked" in (page.locator("#cert-status").get_attribute("class") or "")
    assert "revoked" in _verify_pasted(page, credential).split()
    assert page.locator("#check-status").get_attribute("class") == "check-failed"
    page.goto(f"/verify?number={number}")
    assert "revoked" in (page.locator("section.verify-result").get_attribute("class") or "").split()
