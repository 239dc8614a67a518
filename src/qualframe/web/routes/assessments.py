"""A recognition centre's own pages: its assessments (list, record one, its result), issuing the certificate
of a passed assessment, and its certificates (list, page, revoke / suspend / unsuspend with a reason).

Everything here is private to the centre's assessors and admins (`credentials.issue`; status changes need
`credentials.status`) and never cached. Writes call the same store functions as the API (`store.credentials`)
inside `accounts.audited`, so each one lands in the audit trail. Forms that fail re-render with the message
next to the field and keep what was typed, except the IIN, which is never sent back (the store keeps only its
keyed hash). Every page has its JSON twin (`.json` or `Accept: application/json`).

A self-assessment handed to the centre pre-fills the form (`?request=ID`, see `store.assessment_requests`):
the candidate's name, the programme and their own ratings as hints; recording the assessment marks the request
assessed in the same transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from qualframe.accounts import policy
from qualframe.accounts.policy import Principal
from qualframe.credentials import recognition as rec
from qualframe.credentials.keys import KeyEncryptionKey, SecretKeyMissing
from qualframe.model.messages import N_, Text
from qualframe.store import accounts as acc
from qualframe.store import assessment_requests as ar
from qualframe.store import credentials as cs
from qualframe.web import auth, views
from qualframe.web.errors import ApiError
from qualframe.web.http import heavy, json_response, page_lang, qf, render, snapshot, wants_json
from qualframe.web.i18n import t

router = APIRouter(include_in_schema=False)

SlugP = Annotated[str, Path(max_length=64, description="organisation slug")]
IdP = Annotated[int, Path(ge=1, le=2**31 - 1)]
NumberP = Annotated[str, Path(max_length=100, description="certificate number, e.g. KAZCERT-2026-000001")]
LIST_LIMIT = 200
RATINGS = ("not_yet", "partly", "fully")
_STATUS = {"not_found": 404, "conflict": 409, "invalid": 422, "forbidden": 403, "unavailable": 503}

MSG_PROGRAMME = N_("Choose one of the centre's programmes.")
MSG_DATE = N_("Enter the date as YYYY-MM-DD.")
MSG_CHOICE = N_("Choose met or not met.")
MSG_IIN_AGAIN = N_("For privacy the IIN is not kept in the form: enter it again.")
MSG_REASON = N_("Give the reason (at most 500 characters).")


def _store(request: Request) -> Any:
    return qf(request).store


def prefill_for(request: Request, slug: str, request_id: int) -> dict[str, Any] | None:
    """The self-assessment hand-off behind `?request=ID` for centre `slug`: {"candidate_name", "programme_id",
    "request_id", "self_ratings": {descriptor id: "not_yet" | "partly" | "fully"}} (404/409 if not open)."""
    with _store(request).engine.connect() as conn, auth.http_errors():
        return ar.prefill(conn, slug, request_id)


# --- reading -------------------------------------------------------------------------------------------------

def _centre(conn: Any, slug: str) -> Any:
    with auth.http_errors():  # 404 for an unknown organisation, 403 for one that is not a centre
        return cs.need_centre(conn, slug)


def _descriptors(request: Request, spec: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The programme's covered descriptors by column, each with its text (Kazakh, plus the labelled
    unofficial translation in ru/en) and a link to its level page."""
    snap, urls = snapshot(request, spec["framework_id"])
    out = []
    for col, ids in spec["descriptors"].items():
        items = []
        for did in ids:
            found = snap.descriptors.get(did)
            d = views.descriptor_dict(snap, found[2], lang, urls) if found else {"id": did, "text": did}
            items.append({**d, "url": f"{urls.level(spec['row_id'])}#{did}"})
        out.append({"column": col, "rule": spec["pass_rules"].get(col, "all"), "descriptors": items})
    return out


def _programme_brief(pr: cs.Programme) -> dict[str, Any]:
    return {"id": pr.id, "title": pr.title, "row_id": pr.spec["row_id"]}


def _list_data(request: Request, slug: str, p: Principal) -> dict[str, Any]:
    with _store(request).engine.connect() as conn:
        org = _centre(conn, slug)
        progs = {pr.id: pr for pr in cs.list_programmes(conn, slug)}
        found = cs.list_assessments(conn, slug, LIST_LIMIT)
    items = [{"id": a.id, "candidate_name": a.candidate_name, "assessed_on": a.assessed_on.isoformat(),
              "programme": _programme_brief(progs[a.programme_id]) if a.programme_id in progs else None,
              "passed": a.passed, "certificate": a.certificate,
              "url": f"/orgs/{slug}/assessments/{a.id}",
              "certificate_url": f"/orgs/{slug}/certificates/{a.certificate}" if a.certificate else None}
             for a in found]
    return {"page": "assessments", "org": slug, "name": org.name(page_lang(request)), "assessments": items,
            "limit": LIST_LIMIT, "has_programmes": bool(progs),
            "can_record": policy.allowed(p, "credentials.issue", slug) and bool(progs)}


def _form_data(request: Request, slug: str, p: Principal, programme_id: int | None, *,
               values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               prefill: dict[str, Any] | None = None) -> dict[str, Any]:
    """The 'record an assessment' form: the chosen programme's descriptors, what was typed (never the IIN),
    the errors by field, and the self-assessment hints of a pre-fill."""
    lang = page_lang(request)
    with _store(request).engine.connect() as conn:
        org = _centre(conn, slug)
        progs = cs.list_programmes(conn, slug)
    if programme_id is None and prefill:
        programme_id = prefill.get("programme_id")
    chosen = next((pr for pr in progs if pr.id == programme_id), None)
    if chosen is None and programme_id is None and progs:
        chosen = progs[0]
    values = values or {}
    errors = errors or {}
    ratings = (prefill or {}).get("self_ratings") or {}
    columns = _descriptors(request, chosen.spec, lang) if chosen else []
    results = values.get("results") or {}
    for col in columns:
        for d in col["descriptors"]:
            r = results.get(d["id"]) or {}
            d.update(choice=r.get("choice", ""), evidence=r.get("evidence", ""),
                     self_rating=ratings.get(d["id"]) if ratings.get(d["id"]) in RATINGS else None,
                     error=errors.get(f"results.{d['id']}") or errors.get(f"results.{d['id']}.evidence"))
    me = p.display_name or p.email
    return {"page": "assessment-new", "org": slug, "name": org.name(lang),
            "programmes": [_programme_brief(pr) for pr in progs],
            "programme": chosen.to_dict() if chosen else None, "columns": columns,
            "form": {"candidate_name": values.get("candidate_name",
                                                    (prefill or {}).get("candidate_name", "")),
                       "assessed_on": values.get("assessed_on", datetime.now(UTC).date().isoformat()),
                       "assessors": values.get("assessors", me)},
            "errors": errors, "prefill": prefill, "request_id": (prefill or {}).get("request_id"),
            "action": f"/orgs/{slug}/assessments"}


def _assessment_data(request: Request, slug: str, p: Principal, assessment_id: int, *,
                     error: str | None = None) -> dict[str, Any]:
    lang = page_lang(request)
    with _store(request).engine.connect() as conn, auth.http_errors():
        org = _centre(conn, slug)
        a = cs.get_assessment(conn, slug, assessment_id)
        prog = cs.get_programme(conn, slug, a.programme_id)
    columns = _descriptors(request, prog.spec, lang)
    outcome = a.outcome.get("columns", {})
    for col in columns:
        col["outcome"] = outcome.get(col["column"])
        for d in col["descriptors"]:
            r = a.results.get(d["id"]) or {}
            d.update(met=bool(r.get("met")), evidence=r.get("evidence", ""))
    data = a.to_dict()
    data.pop("columns", None)  # the same figures are in columns[].outcome, next to their descriptors
    return {"page": "assessment", **data, "name": org.name(lang), "programme": _programme_brief(prog),
            "columns": columns, "consents": list(rec.CONSENTS), "error": error,
            "done": request.query_params.get("done"),
            "certificate_url": f"/orgs/{slug}/certificates/{a.certificate}" if a.certificate else None,
            "can_issue": a.passed and not a.certificate and policy.allowed(p, "credentials.issue", slug)}


def _certificates_data(request: Request, slug: str) -> dict[str, Any]:
    with _store(request).engine.connect() as conn:
        org = _centre(conn, slug)
        certs = cs.list_certificates(conn, slug, LIST_LIMIT)
    return {"page": "certificates", "org": slug, "name": org.name(page_lang(request)), "limit": LIST_LIMIT,
            "certificates": [{**c.to_dict(), "url": f"/orgs/{slug}/certificates/{c.number}"} for c in certs]}


def _find(conn: Any, slug: str, number: str) -> cs.Certificate:
    cert = cs.find_certificate(conn, number.strip().upper())
    if cert is None or cert.org != slug:
        raise ApiError(404, Text(N_("%(org)s has no certificate %(number)s"), org=slug, number=number[:100]))
    return cert


def _certificate_data(request: Request, slug: str, p: Principal, number: str, *,
                      errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> dict[str, Any]:
    with _store(request).engine.connect() as conn:
        org = _centre(conn, slug)
        cert = _find(conn, slug, number)
    actions = [] if cert.status == "revoked" else ["revoke", "unsuspend" if cert.status == "suspended" else "suspend"]
    base = f"/api/v1/orgs/{slug}/certificates/{cert.number}"
    return {"page": "centre-certificate", **cert.to_dict(), "name": org.name(page_lang(request)),
            "holder_shown": cert.holder_display(),
            "links": {"register": f"/register/certificates/{cert.number}",
                      "verify": f"/verify?number={cert.number}",
                      "pdf": {lang: f"{base}.pdf?lang={lang}" for lang in ("kk", "ru", "en")},
                      "svg": f"{base}.svg",
                      "credential": f"/orgs/{slug}/certificates/{cert.number}/credential.json",
                      "assessment": f"/orgs/{slug}/assessments/{cert.assessment_id}" if cert.assessment_id else None},
            "credential": cert.credential,
            "credential_text": json.dumps(cert.credential, ensure_ascii=False, indent=2),
            "actions": actions if policy.allowed(p, "credentials.status", slug) else [],
            "errors": errors or {}, "form": values or {}, "done": request.query_params.get("done")}


# --- assessments ----------------------------------------------------------------------------------------------

@router.get("/orgs/{slug}/assessments")
def assessments_page(request: Request, slug: SlugP,
                     p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    return render(request, "assessments.html", _list_data(request, slug, p), cacheable=False)


@router.get("/orgs/{slug}/assessments/new")
def assessment_form(request: Request, slug: SlugP,
                    p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")],
                    programme: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                    request_id: Annotated[int | None, Query(alias="request", ge=1, le=2**31 - 1)] = None) -> Response:
    prefill = prefill_for(request, slug, request_id) if request_id else None
    data = _form_data(request, slug, p, programme, prefill=prefill)
    if programme is not None and data["programme"] is None:
        raise ApiError(404, Text(N_("%(org)s has no programme %(id)s"), org=slug, id=programme))
    return render(request, "assessment_new.html", data, cacheable=False)


def _text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _record(request: Request, slug: str, p: Principal, form: Any) -> Response:
    lang = page_lang(request)
    errors: dict[str, str] = {}
    pid_text = _text(form, "programme_id", 12).strip()
    rid_text = _text(form, "request_id", 12).strip()
    request_id = int(rid_text) if rid_text.isascii() and rid_text.isdigit() and 0 < int(rid_text) < 2**31 else None
    prefill = prefill_for(request, slug, request_id) if request_id else None
    programme_id = int(pid_text) if pid_text.isascii() and pid_text.isdigit() else None
    iin = _text(form, "iin", 40).strip() or None
    on_text = _text(form, "assessed_on", 20).strip()
    values: dict[str, Any] = {"candidate_name": _text(form, "candidate_name", rec.MAX_NAME + 1),
                              "assessed_on": on_text, "assessors": _text(form, "assessors", 5000), "results": {}}
    try:
        on = date.fromisoformat(on_text)
    except ValueError:
        errors["assessed_on"] = t(MSG_DATE, lang)
    with _store(request).engine.connect() as conn:
        _centre(conn, slug)
        prog = next((pr for pr in cs.list_programmes(conn, slug) if pr.id == programme_id), None)
    results: dict[str, Any] = {}
    if prog is None:
        errors["programme_id"] = t(MSG_PROGRAMME, lang)
    else:
        for ids in prog.spec["descriptors"].values():
            for did in ids:
                choice = _text(form, f"met-{did}", 10)
                note = _text(form, f"evidence-{did}", rec.MAX_NOTE + 1)
                values["results"][did] = {"choice": choice, "evidence": note}
                if choice not in ("met", "not_met"):
                    errors[f"results.{did}"] = t(MSG_CHOICE, lang)
                results[did] = {"met": choice == "met", "evidence": note}
    assessors = [line for line in values["assessors"].splitlines() if line.strip()]
    a = None
    if not errors:
        store = _store(request)
        try:
            secret = cs.iin_key(store) if iin else None
            with auth.http_errors(), acc.audited(store, auth.actor(request, p)) as tx:
                a = cs.record_assessment(tx, slug, programme_id=prog.id, candidate_name=values["candidate_name"],  # type: ignore[union-attr]
                                         assessed_on=on, assessors=assessors, iin=iin, iin_secret=secret,
                                         results=results)
                if request_id:
                    ar.mark_assessed(tx, slug, request_id, a.id)
        except rec.RecognitionError as exc:
            errors[exc.field] = exc.message  # never repeats the IIN (checked by the store)
    if a is None:
        if iin and "iin" not in errors:
            errors["iin"] = t(MSG_IIN_AGAIN, lang)
        if wants_json(request):
            return json_response({"error": {"status": 422, "code": "invalid", "message": "; ".join(
                f"{k}: {v}" for k, v in errors.items()), "details": {"fields": errors}}}, 422, cacheable=False)
        data = _form_data(request, slug, p, programme_id if prog else None, values=values, errors=errors,
                          prefill=prefill)
        return render(request, "assessment_new.html", data, status=422, cacheable=False)
    if wants_json(request):
        return json_response(a.to_dict(), 201, cacheable=False)
    return RedirectResponse(f"/orgs/{slug}/assessments/{a.id}?done=recorded", status_code=303)


@router.post("/orgs/{slug}/assessments")
async def assessment_record(request: Request, slug: SlugP,
                            p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    form = await request.form()  # already parsed (and bounded by the body limit) by the CSRF check
    return await anyio.to_thread.run_sync(_record, request, slug, p, form)


@router.get("/orgs/{slug}/assessments/{assessment_id}")
def assessment_page(request: Request, slug: SlugP, assessment_id: IdP,
                    p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    return render(request, "assessment.html", _assessment_data(request, slug, p, assessment_id), cacheable=False)


@router.post("/orgs/{slug}/assessments/{assessment_id}/certificate")
async def assessment_certify(request: Request, slug: SlugP, assessment_id: IdP,
                             p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    form = await request.form()
    consent = _text(form, "holder_consent", 10) or None

    def issue() -> cs.Certificate:
        key = KeyEncryptionKey.from_environment()  # before the transaction: no key, nothing written
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            return cs.issue_certificate(tx, slug, assessment_id, key, consent=consent)

    try:
        cert = await heavy(request, issue)  # signing is CPU work: the app's admission control bounds it
    except SecretKeyMissing as exc:
        status, message = 503, t(N_("Signing is not configured on this server; ask the operator to set "
                                    "QUALFRAME_SECRET_KEY."), page_lang(request)) + f" ({exc})"
    except rec.RecognitionError as exc:
        status, message = 422, exc.args[0]  # a Text: the page translates it
    except cs.CredentialStoreError as exc:
        status, message = _STATUS.get(exc.kind, 400), exc.message
    else:
        if wants_json(request):
            return json_response({**cert.to_dict(), "url": f"/orgs/{slug}/certificates/{cert.number}"}, 201,
                                 cacheable=False)
        return RedirectResponse(f"/orgs/{slug}/certificates/{cert.number}?done=issued", status_code=303)
    data = await anyio.to_thread.run_sync(
        lambda: _assessment_data(request, slug, p, assessment_id, error=message))
    return render(request, "assessment.html", data, status=status, cacheable=False)


# --- certificates ---------------------------------------------------------------------------------------------

@router.get("/orgs/{slug}/certificates")
def certificates_page(request: Request, slug: SlugP,
                      p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    return render(request, "centre_certificates.html", _certificates_data(request, slug), cacheable=False)


@router.get("/orgs/{slug}/certificates/{number}")
def certificate_page(request: Request, slug: SlugP, number: NumberP,
                     p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    return render(request, "centre_certificate.html", _certificate_data(request, slug, p, number), cacheable=False)


@router.get("/orgs/{slug}/certificates/{number}/credential")
def certificate_credential(request: Request, slug: SlugP, number: NumberP,
                           p: Annotated[Principal, auth.require("credentials.issue", org_from="slug")]) -> Response:
    """The signed credential alone, as a file to hand to the holder or paste into /verify."""
    with _store(request).engine.connect() as conn:
        _centre(conn, slug)
        cert = _find(conn, slug, number)
    resp = json_response(cert.credential, cacheable=False)
    resp.headers["Content-Disposition"] = f'attachment; filename="{cert.number}.json"'
    return resp


@router.post("/orgs/{slug}/certificates/{number}/status")
def certificate_status(request: Request, slug: SlugP, number: NumberP,
                       p: Annotated[Principal, auth.require("credentials.status", org_from="slug")],
                       action: Annotated[str, Form(max_length=20)] = "",
                       reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    lang = page_lang(request)
    errors: dict[str, str] = {}
    if action not in cs.STATUS_ACTIONS:
        errors["action"] = f"{action[:20]!r}: one of {', '.join(cs.STATUS_ACTIONS)}"
    elif not " ".join(reason.split()) or len(" ".join(reason.split())) > 500:
        errors["reason"] = t(MSG_REASON, lang)
    status = 422
    if not errors:
        try:
            with acc.audited(_store(request), auth.actor(request, p)) as tx:
                cert = cs.set_status(tx, number.strip().upper(), action, reason, slug=slug)
        except cs.CredentialStoreError as exc:
            status = _STATUS.get(exc.kind, 400)
            errors["action" if exc.kind != "invalid" else "reason"] = exc.message
        else:
            if wants_json(request):
                return json_response(cert.to_dict(), cacheable=False)
            done = {"revoke": "revoked", "suspend": "suspended", "unsuspend": "unsuspended"}[action]
            return RedirectResponse(f"/orgs/{slug}/certificates/{cert.number}?done={done}", status_code=303)
    if status == 404:
        raise ApiError(404, errors.get("action", "not found"))
    data = _certificate_data(request, slug, p, number, errors=errors, values={"action": action, "reason": reason})
    return render(request, "centre_certificate.html", data, status=status, cacheable=False)


__all__ = ["prefill_for", "router"]
