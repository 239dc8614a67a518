"""Certificates over HTTP: qualification programmes and assessments of recognition centres, issuing,
revocation and suspension, the public register, status lists, the /verify page and the W3C VC API
(`POST /credentials/issue|status|verify`, `POST /presentations/verify`).

Writes declare their action from the policy table; the VC API's issue and status routes act for the
organisation of the API token (or `?org=` for a signed-in user). Verification is public, JSON only (a
cross-site form cannot send it), bounded in flight (503 with Retry-After beyond), and answers 200 only when
verified, 400 for unusable input and 422 with the failed checks otherwise. The IIN never appears in any
answer: the store keeps only its keyed hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException

from qualframe.accounts import policy
from qualframe.accounts.policy import Principal
from qualframe.credentials import recognition as rec
from qualframe.credentials.keys import KeyEncryptionKey, SecretKeyMissing
from qualframe.credentials.verify import UnusableInput, VerificationResult, verify_document
from qualframe.model.messages import N_, Text, labelled
from qualframe.store import accounts as acc
from qualframe.store import credentials as cs
from qualframe.web import auth
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, json_response, page_lang, qf, render, wants_json
from qualframe.web.middleware import JSON_SCOPE_KEY
from qualframe.web.schemas import ErrorResponse

log = logging.getLogger("qualframe.web")
router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["certificates"], responses={**ERRORS, **auth.AUTH_RESPONSES})


async def _json_errors(request: Request) -> None:
    """The VC API is JSON only: its errors are JSON too (its paths are not under /api/)."""
    request.scope[JSON_SCOPE_KEY] = True


vcapi = APIRouter(tags=["VC API"], responses={**ERRORS, **auth.AUTH_RESPONSES},
                  dependencies=[Depends(_json_errors)])

SlugP = Annotated[str, Path(max_length=64, description="organisation slug")]
NumberP = Annotated[str, Path(max_length=100, description="certificate number, e.g. KAZCERT-2026-000001")]
MAX_UPLOAD = 60 * 1024  # the body limit is 64 KiB; a credential is a few KiB
# CPU-heavy work (canonicalisation, signatures) in flight per process; beyond it: 503 with Retry-After.
_HEAVY = threading.BoundedSemaphore(4)
CHECK_LABELS = ("structure", "contexts", "terms", "proof", "validity", "status", "issuer", "credentials")


def _store(request: Request) -> Any:
    return qf(request).store


def kek() -> KeyEncryptionKey:
    """The operator's key-encryption key ($QUALFRAME_SECRET_KEY[_FILE]); SecretKeyMissing without one."""
    return KeyEncryptionKey.from_environment()


@contextmanager
def heavy() -> Iterator[None]:
    if not _HEAVY.acquire(timeout=2):
        raise HTTPException(503, "busy signing or verifying: try again shortly", headers={"Retry-After": "1"})
    try:
        yield
    finally:
        _HEAVY.release()


_KIND_STATUS = {"not_found": 404, "conflict": 409, "invalid": 422, "forbidden": 403, "unavailable": 503}


@contextmanager
def errors() -> Iterator[None]:
    """The certificate operations' expected failures as 4xx/503 answers naming what is wrong."""
    with auth.http_errors():  # the accounts' own failures (e.g. no such organisation)
        try:
            yield
        except cs.CredentialStoreError as exc:
            raise ApiError(_KIND_STATUS.get(exc.kind, 400), exc.message) from exc
        except rec.RecognitionError as exc:
            raise ApiError(422, exc.args[0]) from exc  # "field: message", a Text the page translates
        except SecretKeyMissing as exc:
            raise ApiError(503, f"signing is not configured on this server: {exc}") from exc


def _principal_org(request: Request, p: Principal) -> str | None:
    """The organisation a VC API call acts for: the token's, or `?org=` (else the only one) for a session."""
    wanted = request.query_params.get("org")
    if wanted:
        return wanted[:64]
    if len(p.roles) == 1:
        return next(iter(p.roles))
    return None


def _acting_org(request: Request, p: Principal) -> str:
    org = _principal_org(request, p)
    if org is None:
        raise ApiError(422, Text(N_("say which recognition centre issues: add ?org=<slug> (you belong to several)")))
    return org


JSON_ONLY_RESPONSES: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorResponse, "description": "The body is not application/json (no cross-site form can send JSON)"}}


async def json_only(request: Request) -> None:
    """Public JSON endpoints: refuse other content types, so a cross-site form (no preflight) cannot call them."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise HTTPException(415, "send the body as application/json")


json_only.__qualframe_csrf__ = True  # type: ignore[attr-defined]


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the body is not JSON: {exc}") from exc


# --- programmes (page and API) ------------------------------------------------------------------------------------

def _framework(request: Request, framework_id: str | None) -> Any:
    web = qf(request)
    fid = framework_id or web.default_id
    try:
        return web.store.get_framework(fid)
    except KeyError:
        raise ApiError(404, Text(N_("no framework %(id)s in the store"), id=repr(fid))) from None


def _programmes_data(request: Request, slug: str) -> dict[str, Any]:
    p = auth.principal(request)
    with _store(request).engine.connect() as conn, errors():
        org = acc.need_org(conn, slug)
        progs = cs.list_programmes(conn, slug)
        did = cs.centre_did(conn, org)
    return {"page": "programmes", "org": slug, "name": org.name(page_lang(request)), "kind": org.kind, "did": did,
            "programmes": [pr.to_dict() for pr in progs], "methods": list(rec.METHODS),
            "can_edit": policy.allowed(p, "credentials.programmes", slug) and org.kind == cs.CENTRE_KIND,
            "done": request.query_params.get("done")}


@router.get("/orgs/{slug}/programmes")
def programmes_page(request: Request, slug: SlugP) -> Response:
    return render(request, "programmes.html", _programmes_data(request, slug), cacheable=False)


def _rules_from_form(text: str) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    for part in (text or "").replace(",", " ").split():
        col, sep, val = part.partition("=")
        if not sep:
            raise rec.RecognitionError("pass_rules", Text(N_("%(part)s: write column=all or column=N"),
                                                          part=repr(part)))
        rules[col] = val
    return rules


@router.post("/orgs/{slug}/programmes")
def programmes_form(request: Request, slug: SlugP,
                    p: Annotated[Principal, auth.require("credentials.programmes", org_from="slug")],
                    row_id: Annotated[str, Form(max_length=40)] = "",
                    title: Annotated[str, Form(max_length=200)] = "",
                    methods: Annotated[list[str] | None, Form()] = None,
                    pass_rules: Annotated[str, Form(max_length=200)] = "") -> Response:
    fw = _framework(request, None)
    with errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        cs.add_programme(tx, slug, fw, row_id=row_id, title=title, descriptors=None, methods=methods or [],
                         rules=_rules_from_form(pass_rules), default_framework=qf(request).default_id)
    return RedirectResponse(f"/orgs/{slug}/programmes?done=programme-added", status_code=303)


class ProgrammeIn(BaseModel):
    row_id: str = Field(max_length=40, description="framework row, e.g. 3.1-07 (area 3.1, SQF 62)")
    title: str = Field(max_length=200, description="the qualification's name as certificates state it")
    framework_id: str | None = Field(None, max_length=100, description="default: the instance's framework")
    descriptors: list[str] | None = Field(None, max_length=100, description="covered descriptor ids (default: all)")
    methods: list[str] = Field(max_length=4, description="test, practical, portfolio, interview")
    pass_rules: dict[str, str | int] | None = Field(
        None, description='per column: "all" or at least N met, e.g. {"competences": "all", "skills": 2}')
    validity_years: int = Field(5, ge=1, le=50)


@api.get("/orgs/{slug}/programmes", summary="A centre's qualification programmes (public)")
def programmes_list(request: Request, slug: SlugP) -> Response:
    data = _programmes_data(request, slug)
    return json_response({k: data[k] for k in ("org", "did", "programmes")}, cacheable=False)


@api.post("/orgs/{slug}/programmes", status_code=201, summary="Define a qualification programme")
def programmes_create(request: Request, slug: SlugP, body: ProgrammeIn,
                      p: Annotated[Principal, auth.require("credentials.programmes", org_from="slug")]) -> Response:
    fw = _framework(request, body.framework_id)
    with errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        prog = cs.add_programme(tx, slug, fw, row_id=body.row_id, title=body.title, descriptors=body.descriptors,
                                methods=body.methods, rules=body.pass_rules, validity_years=body.validity_years,
                                default_framework=qf(request).default_id)
    return json_response(prog.to_dict(), 201, cacheable=False)


# --- assessments and certificates (API) ------------------------------------------------------------------------

class ResultIn(BaseModel):
    met: bool
    evidence: str = Field("", max_length=rec.MAX_NOTE)


class AssessmentIn(BaseModel):
    programme_id: int = Field(ge=1)
    candidate_name: str = Field(max_length=200)
    iin: str | None = Field(None, max_length=20, description="optional; checked, stored only as a keyed hash")
    assessed_on: date
    assessors: list[str] = Field(max_length=20)
    results: dict[str, ResultIn] = Field(description="descriptor id -> {met, evidence}")


class IssueIn(BaseModel):
    holder_consent: str = Field("masked", description="how the public register shows the name: full or masked")


class StatusIn(BaseModel):
    action: str = Field(description="revoke (final), suspend or unsuspend")
    reason: str = Field(max_length=500)


@api.post("/orgs/{slug}/assessments", status_code=201, summary="Record an assessment (its outcome is computed)")
def assessments_create(request: Request, slug: SlugP, body: AssessmentIn,
                       p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    store = _store(request)
    secret = cs.iin_key(store) if body.iin else None
    with errors(), acc.audited(store, auth.actor(request, p)) as tx:
        a = cs.record_assessment(tx, slug, programme_id=body.programme_id, candidate_name=body.candidate_name,
                                 assessed_on=body.assessed_on, assessors=body.assessors, iin=body.iin,
                                 iin_secret=secret, results={k: v.model_dump() for k, v in body.results.items()})
    return json_response(a.to_dict(), 201, cacheable=False)


@api.get("/orgs/{slug}/assessments/{assessment_id}", summary="An assessment (the centre's assessors and admins)")
def assessments_get(request: Request, slug: SlugP, assessment_id: Annotated[int, Path(ge=1)],
                    p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    with _store(request).engine.connect() as conn, errors():
        return json_response(cs.get_assessment(conn, slug, assessment_id).to_dict(), cacheable=False)


def _issued(cert: cs.Certificate) -> dict[str, Any]:
    return {**cert.to_dict(), "register_url": f"/register/certificates/{cert.number}",
            "verifiableCredential": cert.credential}


@api.post("/orgs/{slug}/assessments/{assessment_id}/certificate", status_code=201,
          summary="Issue the certificate of a passed assessment (signed OpenBadgeCredential)")
def assessments_certify(request: Request, slug: SlugP, assessment_id: Annotated[int, Path(ge=1)], body: IssueIn,
                        p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    with errors(), heavy():
        key = kek()
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            cert = cs.issue_certificate(tx, slug, assessment_id, key, consent=body.holder_consent)
    return json_response(_issued(cert), 201, cacheable=False)


@api.get("/orgs/{slug}/certificates", summary="The centre's certificates, newest first (its assessors and admins)")
def certificates_list(request: Request, slug: SlugP,
                      p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")],
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Response:
    with _store(request).engine.connect() as conn, errors():
        acc.need_org(conn, slug)
        certs = cs.list_certificates(conn, slug, limit)
    return json_response({"org": slug, "certificates": [c.to_dict() for c in certs]}, cacheable=False)


@api.get("/orgs/{slug}/certificates/{number}", summary="A certificate with its signed credential (the centre)")
def certificates_get(request: Request, slug: SlugP, number: NumberP,
                     p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    with _store(request).engine.connect() as conn:
        cert = cs.find_certificate(conn, number)
    if cert is None or cert.org != slug:
        raise ApiError(404, Text(N_("%(org)s has no certificate %(number)s"), org=slug, number=number))
    return json_response(_issued(cert), cacheable=False)


@api.post("/orgs/{slug}/certificates/{number}/status", summary="Revoke, suspend or unsuspend (with a reason)")
def certificates_status(request: Request, slug: SlugP, number: NumberP, body: StatusIn,
                        p: Annotated[Principal, auth.require("credentials.status", org_from="slug")]) -> Response:
    with errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        cert = cs.set_status(tx, number, body.action, body.reason, slug=slug)
    return json_response(cert.to_dict(), cacheable=False)


# --- status lists (public) ---------------------------------------------------------------------------------------

@router.get("/status/{slug}/{token}/{purpose}")
def status_list(request: Request, slug: SlugP, token: Annotated[str, Path(max_length=32)],
                purpose: Annotated[str, Path(max_length=20)]) -> Response:
    """The signed BitstringStatusListCredential; ETag by version, so a change is seen at once everywhere."""
    store = _store(request)
    with store.engine.connect() as conn:
        lid = cs.status_list_id(conn, slug, token)
    if lid is None or purpose not in ("revocation", "suspension"):
        raise ApiError(404, Text(N_("no status list /status/%(org)s/%(token)s/%(purpose)s"), org=slug, token=token,
                                 purpose=purpose))
    with errors():
        signed = cs.signed_status_list(store, lid, purpose, kek)
    assert signed is not None
    headers = {"ETag": signed.etag, "Cache-Control": "public, max-age=0, must-revalidate"}
    inm = request.headers.get("if-none-match", "")
    if signed.etag in [v.strip().removeprefix("W/") for v in inm.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(signed.body, media_type="application/vc+ld+json" if "vc" in request.headers.get(
        "accept", "") else "application/json", headers=headers)


# --- did:web (public) -----------------------------------------------------------------------------------------------

@router.get("/orgs/{slug}/did")  # served as /orgs/{slug}/did.json: the app strips ".json" from paths
def did_document(request: Request, slug: SlugP) -> Response:
    """The centre's did:web DID document (every key, rotated ones too; public keys only), when this instance
    serves did:web ($QUALFRAME_DID_WEB_HOST); 404 otherwise. Revalidated by ETag: a rotation shows at once."""
    with _store(request).engine.connect() as conn, errors():
        org = acc.find_org(conn, slug)
        document = cs.centre_did_document(conn, org) if org is not None and org.kind == cs.CENTRE_KIND else None
    if document is None or not document["verificationMethod"]:
        raise ApiError(404, Text(N_("no did:web document for %(org)s on this instance"), org=slug))
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=0, must-revalidate",
               "Access-Control-Allow-Origin": "*"}
    if etag in [v.strip().removeprefix("W/") for v in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/did+ld+json", headers=headers)


# --- the public register -----------------------------------------------------------------------------------------

@router.get("/register/certificates")
def register_search(request: Request, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    with _store(request).engine.connect() as conn:
        found = cs.search_certificates(conn, q) if q.strip() else []
    data = {"page": "register", "q": q, "results": [
        {**c.public_dict(), "url": f"/register/certificates/{c.number}"} for c in found]}
    return render(request, "register.html", data, cacheable=False)


def _certificate_public(request: Request, number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with _store(request).engine.connect() as conn:  # one indexed query; the signed credential is not read
        found = cs.register_entry(conn, number.strip().upper())
    if found is None:
        raise ApiError(404, Text(N_("no certificate %(number)s in this register"), number=number[:100]))
    cert, org = found
    data = {"page": "certificate", **cert, "issuer": {
        "slug": org.slug, "name": org.name(page_lang(request)), "names": org.names,
        "accreditation": org.to_dict()["accreditation"], "url": f"/orgs/{org.slug}"},
        "verify_url": f"/verify?number={cert['number']}", "url": f"/register/certificates/{cert['number']}"}
    return cert, data


@router.get("/register/certificates/{number}")
def register_certificate(request: Request, number: NumberP) -> Response:
    _, data = _certificate_public(request, number)
    return render(request, "certificate.html", data, cacheable=False)


# --- verification -----------------------------------------------------------------------------------------------

def verifier(request: Request) -> cs.StoreVerifier:
    return cs.StoreVerifier(_store(request), kek)


def run_verify(request: Request, document: Any, **options: Any) -> VerificationResult:
    """Verify against this instance (keys, centres, its own status lists; nothing fetched)."""
    with heavy():
        return verify_document(document, **verifier(request).options(), **options)


def _outcome(result: VerificationResult) -> dict[str, Any]:
    return {"verified": result.verified,
            "checks": [c.name for c in result.checks if c.status == "ok"],
            "warnings": [f"{c.name}: {r}" for c in result.checks if c.status == "not-checked" for r in c.reasons],
            "errors": result.failures(), "result": result.to_json()}


def _vc_answer(request: Request, document: Any, **options: Any) -> Response:
    try:
        result = run_verify(request, document, **options)
    except UnusableInput as exc:
        return json_response({"verified": False, "errors": [str(exc)]}, 400, cacheable=False)
    except HTTPException:
        raise
    except Exception:  # a checker bug must not become a 500 that looks like an outage
        log.exception("verification failed unexpectedly")
        return json_response({"verified": False, "errors": ["the document could not be checked"]}, 422,
                             cacheable=False)
    return json_response(_outcome(result), 200 if result.verified else 422, cacheable=False)


def _page_result(result: VerificationResult) -> dict[str, Any]:
    data = result.to_json()
    data["status_word"] = ("valid" if result.verified else "revoked" if result.revoked
                           else "suspended" if result.suspended else "invalid")
    return data


def _verify_page(request: Request, data: dict[str, Any], status: int = 200) -> Response:
    return render(request, "verify.html", {"page": "verify", **data}, status=status, cacheable=False)


@router.get("/verify")
def verify_page(request: Request, number: Annotated[str, Query(max_length=100)] = "") -> Response:
    """The verify page; `?number=` checks the register's copy of that certificate (the QR code's link)."""
    if not number:
        return _verify_page(request, {"result": None, "number": ""})
    with _store(request).engine.connect() as conn:
        cert = cs.find_certificate(conn, number.strip().upper())
    if cert is None:
        return _verify_page(request, {"result": None, "number": number,
                                      "error": Text(N_("no certificate %(number)s in this register"),
                                                    number=number)}, 404)
    result = run_verify(request, cert.credential)
    return _verify_page(request, {"result": _page_result(result), "number": cert.number,
                                  "certificate": cert.public_dict()})


@router.post("/verify", dependencies=[Depends(auth.csrf_protect)])
async def verify_form(request: Request) -> Response:
    """Paste (field `credential`) or upload (field `file`) a credential or presentation."""
    form = await request.form(max_files=1, max_fields=5)
    text = form.get("credential")
    upload = form.get("file")
    raw: bytes | str = text if isinstance(text, str) and text.strip() else b""
    if not raw and isinstance(upload, StarletteUpload):
        raw = await upload.read(MAX_UPLOAD + 1)
    if not raw:
        return _verify_page(request, {"result": None, "number": "",
                                      "error": Text(N_("paste a credential or choose a file"))}, 400)
    if len(raw) > MAX_UPLOAD:
        return _verify_page(request, {"result": None, "number": "", "error": Text(N_("the file is too large"))},
                            413)
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _verify_page(request, {"result": None, "number": "",
                                      "error": Text(N_("not JSON: %(error)s"), error=str(exc))}, 400)
    try:
        result = await _in_thread(run_verify, request, document)
    except UnusableInput as exc:
        # the exception's message may be a Text the page shows in its language
        return _verify_page(request, {"result": None, "number": "", "error": exc.args[0] if exc.args else str(exc)},
                            400)
    return _verify_page(request, {"result": _page_result(result), "number": ""}, 200 if result.verified else 422)


async def _in_thread(fn: Any, *args: Any) -> Any:
    import anyio

    return await anyio.to_thread.run_sync(fn, *args)


# --- the W3C VC API ------------------------------------------------------------------------------------------------

@vcapi.post("/credentials/issue", status_code=201, summary="VC API: issue (sign) a credential as your centre")
async def vc_issue(request: Request,
                   p: Annotated[Principal, auth.require("credentials.issue", org_from=_principal_org)]) -> Response:
    slug = _acting_org(request, p)
    with _store(request).engine.connect() as conn, errors():
        cs.need_centre(conn, slug)  # before reading the body: a non-centre gets 403 whatever it sent
    body = await _json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        raise ApiError(400, 'expected {"credential": {...}, "options": {...}}')
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise ApiError(400, labelled("options", Text(N_("a JSON object"))))

    method = options.get("verificationMethod", "did:key")
    if method not in ("did:key", "did:web"):
        raise ApiError(422, 'options.verificationMethod: "did:key" (the default) or "did:web"')

    def issue() -> cs.Certificate:
        with errors(), heavy():
            key = kek()
            with acc.audited(_store(request), auth.actor(request, p)) as tx:
                return cs.issue_plain(tx, slug, body["credential"], key, did_web=method == "did:web")

    cert = await _in_thread(issue)
    return json_response({"verifiableCredential": cert.credential}, 201, cacheable=False)


@vcapi.post("/credentials/status", summary="VC API: revoke or suspend a credential of your centre")
async def vc_status(request: Request,
                    p: Annotated[Principal, auth.require("credentials.status", org_from=_principal_org)]) -> Response:
    slug = _acting_org(request, p)
    with _store(request).engine.connect() as conn, errors():
        cs.need_centre(conn, slug)
    body = await _json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("credentialId"), str):
        raise ApiError(400, 'expected {"credentialId": "...", "credentialStatus": [{"type": '
                            '"BitstringStatusListCredential", "status": "revoked"|"suspended"}], "reason": "..."}')
    wanted = body.get("credentialStatus")
    if not isinstance(wanted, list) or not wanted:
        raise ApiError(400, labelled("credentialStatus", Text(N_("a non-empty list"))))
    actions = []
    for i, item in enumerate(wanted):
        if not isinstance(item, dict) or item.get("type") not in ("BitstringStatusListCredential",
                                                                    "BitstringStatusListEntry"):
            raise ApiError(422, f"credentialStatus[{i}].type: BitstringStatusListCredential")
        action = {"revoked": "revoke", "suspended": "suspend", "active": "unsuspend"}.get(item.get("status"))
        if action is None:
            raise ApiError(422, f"credentialStatus[{i}].status: revoked, suspended or active")
        actions.append(action)
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ApiError(422, labelled("reason", Text(N_("required (why the status changes)"))))

    def change() -> cs.Certificate:
        with errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
            cert = cs.find_by_credential_id(tx.conn, body["credentialId"][:300])
            if cert is None or cert.org != slug:
                raise ApiError(404, Text(N_("%(org)s issued no credential %(id)s"), org=slug,
                                         id=body["credentialId"][:300]))
            for action in actions:
                cert = cs.set_status(tx, cert.number, action, reason, slug=slug)
            return cert

    cert = await _in_thread(change)
    return json_response({"credentialId": cert.credential_id, "status": cert.status}, cacheable=False)


@vcapi.post("/credentials/verify", dependencies=[Depends(json_only)], responses=JSON_ONLY_RESPONSES,
            summary="VC API: verify a credential (200 verified; 400 unusable; 422 with the failed checks)")
async def vc_verify(request: Request) -> Response:
    body = await _json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("verifiableCredential"), dict):
        return json_response({"verified": False, "errors": ['expected {"verifiableCredential": {...}}']}, 400,
                             cacheable=False)
    return await _in_thread(lambda: _vc_answer(request, body["verifiableCredential"]))


@vcapi.post("/presentations/verify", dependencies=[Depends(json_only)], responses=JSON_ONLY_RESPONSES,
            summary="VC API: verify a presentation and its credentials (200 / 400 / 422)")
async def vp_verify(request: Request) -> Response:
    body = await _json_body(request)
    vp = body.get("verifiablePresentation") if isinstance(body, dict) else None
    options = body.get("options") if isinstance(body, dict) else None
    options = options if isinstance(options, dict) else {}
    if not isinstance(vp, dict):
        return json_response({"verified": False, "errors": ['expected {"verifiablePresentation": {...}}']}, 400,
                             cacheable=False)
    if "VerifiablePresentation" not in (vp.get("type") if isinstance(vp.get("type"), list) else [vp.get("type")]):
        return json_response({"verified": False, "errors": ["not a presentation: no type VerifiablePresentation"]},
                             400, cacheable=False)
    kw = {k: options[k] for k in ("challenge", "domain") if isinstance(options.get(k), str)}
    return await _in_thread(lambda: _vc_answer(request, vp, **kw))


__all__ = ["api", "router", "vcapi", "wants_json"]
