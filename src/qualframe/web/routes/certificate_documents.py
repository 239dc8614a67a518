"""Documents of a certificate: the PDF (kk, ru, en) and the OB 3.0 baked SVG badge, from the register.

- `GET /register/certificates/{number}.pdf?lang=kk|ru|en` and `.svg`: public, for certificates whose holder
  agreed to show the full name (the embedded credential names the holder in full, so a masked entry gets 403
  here); the issuing centre downloads any of its certificates at
  `GET /api/v1/orgs/{slug}/certificates/{number}.pdf|.svg` (assessors and admins).

Rendering runs in a worker thread under the app's admission control (503 with Retry-After when busy). Answers
carry an ETag of what they depend on (number, status, language, version), so a revalidation costs no render.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from qualframe import __version__
from qualframe.accounts.policy import Principal
from qualframe.credentials.badge import badge_svg
from qualframe.credentials.certificate import CertificateDisplay, CertificateError, centre_names, render_certificate_pdf
from qualframe.documents.pdf import DocumentError, RenderingUnavailable
from qualframe.model.messages import N_, Text
from qualframe.store import credentials as cs
from qualframe.web import auth
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, heavy, qf, snapshot

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["certificates"], responses={**ERRORS, **auth.AUTH_RESPONSES})

SlugP = Annotated[str, Path(max_length=64, description="organisation slug")]
NumberP = Annotated[str, Path(max_length=100, description="certificate number, e.g. KAZCERT-2026-000001")]
LangQ = Annotated[str, Query(pattern="^(kk|ru|en)$", description="language of the certificate")]
PDF_TYPE = "application/pdf"
SVG_TYPE = "image/svg+xml"


def _find(request: Request, number: str) -> tuple[cs.Certificate, Any]:
    """The certificate and its programme (None for one issued through the VC API), or 404."""
    with qf(request).store.engine.connect() as conn:
        cert = cs.find_certificate(conn, number.strip().upper())
        if cert is None:
            raise ApiError(404, Text(N_("no certificate %(number)s in this register"), number=number[:100]))
        programme = cs.get_programme(conn, cert.org, cert.programme_id) if cert.programme_id else None
    return cert, programme


def _row_ref(cert: cs.Certificate, programme: Any, default_fid: str) -> tuple[str, str]:
    """(framework id, row id) of the certificate: its programme's, else the credential's alignment code."""
    if programme is not None:
        return programme.spec["framework_id"], programme.spec["row_id"]
    achievement = (cert.credential.get("credentialSubject") or {}).get("achievement") or {}
    for a in achievement.get("alignment") or ():
        if isinstance(a, dict) and isinstance(a.get("targetCode"), str):
            return a.get("targetFramework") or default_fid, a["targetCode"]
    raise ApiError(422, Text(N_("certificate %(number)s names no framework row: no document can show its level"),
                             number=cert.number))


def _display(request: Request, cert: cs.Certificate, programme: Any) -> CertificateDisplay:
    fid, row_id = _row_ref(cert, programme, qf(request).default_id)
    snap, _ = snapshot(request, fid)
    found = next(((a, r) for a, r in snap.fw.rows() if r.id == row_id), None)
    if found is None:
        raise ApiError(422, Text(N_("certificate %(number)s: no row %(row)s in framework %(framework)s"),
                                 number=cert.number, row=repr(row_id), framework=repr(fid)))
    area, row = found
    return CertificateDisplay(
        number=cert.number, register_url=f"{cs.base_url()}/register/certificates/{cert.number}",
        framework_id=fid, framework_title=snap.fw.title.get("kk") or next(iter(snap.fw.title.values()), fid),
        area=area, row=row, holder_name=cert.holder_display(), status=cert.status)


def _etag(cert: cs.Certificate, kind: str) -> str:
    digest = hashlib.sha256(f"{cert.number}|{cert.credential_id}|{cert.status}|{kind}|{__version__}".encode())
    return f'"{digest.hexdigest()[:32]}"'


def _filename(cert: cs.Certificate, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", cert.number) + suffix


def _pdf(cert: cs.Certificate, display: CertificateDisplay, lang: str) -> bytes:
    try:
        return render_certificate_pdf(cert.credential, display, lang)
    except (CertificateError, DocumentError) as exc:
        raise ApiError(422, f"certificate {cert.number}: {exc}") from exc
    except RenderingUnavailable as exc:
        raise ApiError(503, str(exc)) from exc


def _svg(cert: cs.Certificate, display: CertificateDisplay) -> bytes:
    row = display.row
    level = f"ҰБШ {row.nqf_level}" + (f" · СБШ {row.sqf_level}" if row.sqf_level else "")
    credential = cert.credential
    names = centre_names(credential)
    return badge_svg(credential, level=level, number=cert.number, title=cert.title,
                     centre=names.get("kk", cert.org)).encode("utf-8")


async def _answer(request: Request, cert: cs.Certificate, programme: Any, kind: str, public: bool) -> Response:
    etag = _etag(cert, kind)
    cache = "public, no-cache" if public else "private, no-cache"
    if etag in (t.strip() for t in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": cache})
    display = await anyio.to_thread.run_sync(_display, request, cert, programme)
    if kind == "svg":
        body = await heavy(request, _svg, cert, display)
        media, name = SVG_TYPE, _filename(cert, ".svg")
    else:
        body = await heavy(request, _pdf, cert, display, kind)
        media, name = PDF_TYPE, _filename(cert, f"-{kind}.pdf")
    return Response(body, media_type=media, headers={
        "ETag": etag, "Cache-Control": cache, "Content-Disposition": f'inline; filename="{name}"',
        "X-Content-Type-Options": "nosniff"})


async def _public(request: Request, number: str) -> tuple[cs.Certificate, Any]:
    cert, programme = await anyio.to_thread.run_sync(_find, request, number)  # database reads off the loop
    if cert.holder_consent != "full":
        raise ApiError(403, Text(N_("the holder of %(number)s chose to show a shortened name, and the certificate file "
                                    "names them in full: ask the holder or the issuing centre for it"),
                                 number=cert.number))
    return cert, programme


@router.get("/register/certificates/{number}.pdf")
async def register_pdf(request: Request, number: NumberP, lang: LangQ = "kk") -> Response:
    cert, programme = await _public(request, number)
    return await _answer(request, cert, programme, lang, public=True)


@router.get("/register/certificates/{number}.svg")
async def register_svg(request: Request, number: NumberP) -> Response:
    cert, programme = await _public(request, number)
    return await _answer(request, cert, programme, "svg", public=True)


async def _centre(request: Request, slug: str, number: str) -> tuple[cs.Certificate, Any]:
    cert, programme = await anyio.to_thread.run_sync(_find, request, number)
    if cert.org != slug:
        raise ApiError(404, Text(N_("%(org)s has no certificate %(number)s"), org=slug, number=number[:100]))
    return cert, programme


@api.get("/orgs/{slug}/certificates/{number}.pdf", summary="A certificate as PDF, credential embedded (the centre)",
         response_class=Response, responses={200: {"content": {PDF_TYPE: {}}}})
async def centre_pdf(request: Request, slug: SlugP, number: NumberP,
                     p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")],
                     lang: LangQ = "kk") -> Response:
    cert, programme = await _centre(request, slug, number)
    return await _answer(request, cert, programme, lang, public=False)


@api.get("/orgs/{slug}/certificates/{number}.svg", summary="A certificate as OB 3.0 baked SVG badge (the centre)",
         response_class=Response, responses={200: {"content": {SVG_TYPE: {}}}})
async def centre_svg(request: Request, slug: SlugP, number: NumberP,
                     p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    cert, programme = await _centre(request, slug, number)
    return await _answer(request, cert, programme, "svg", public=False)
