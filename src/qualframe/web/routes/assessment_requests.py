"""A self-assessment handed to a recognition centre: the public hand-off and the centre's inbox.

Public (no account, `PUBLIC_WRITES`): `/self-assessment/{token}/handoff` (page, JSON twin and CSRF-checked
form) and `/api/v1/self-assessments/{token}/handoff` (JSON only), rate-limited per client address like the
self-assessment itself. The self-assessment's result page shows the same section (its data comes from
`store.assessment_requests.public_view`, called by the catalogue route).

Centre (`credentials.issue` in the organisation): `/orgs/{slug}/assessment-requests` (page and API, newest
first, with the self-ratings summary), accept and decline (audit-logged), and the "Start assessment" link to
`/orgs/{slug}/assessments/new?request=<id>`, whose form starts from `store.assessment_requests.prefill`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from qualframe.accounts.policy import Principal
from qualframe.catalogue import handoff
from qualframe.model.messages import N_, Text, field_label, labelled
from qualframe.store import accounts as acc
from qualframe.store import assessment_requests as areq
from qualframe.web import auth
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, json_response, page_lang, qf, render, snapshot
from qualframe.web.schemas import ErrorResponse

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["assessment requests"], responses={**ERRORS, **auth.AUTH_RESPONSES})

SlugP = Annotated[str, Path(max_length=64, description="the recognition centre's slug")]
TokenP = Annotated[str, Path(max_length=100, description="the self-assessment's token (from its link)")]
IdP = Annotated[int, Path(ge=1, description="assessment request id")]
Assessor = Annotated[Principal, auth.require("credentials.issue", org_from="slug")]
HANDOFF_RATE = (10, timedelta(hours=1))  # hand-offs per client address and window
LIST_LIMIT = 200


def _store(request: Request) -> Any:
    return qf(request).store


def _private(resp: Response) -> Response:
    resp.headers["cache-control"] = "private, no-store"
    return resp


def _noindex(resp: Response) -> Response:
    resp.headers["x-robots-tag"] = "noindex"
    resp.headers["referrer-policy"] = "no-referrer"  # the self-assessment's link is its only key
    return _private(resp)


def _field_errors(exc: handoff.HandoffError) -> ApiError:
    return ApiError(422, _errors_text(exc), details=[{"field": f, "message": m} for f, m in exc.errors])


def _errors_text(exc: handoff.HandoffError) -> str:
    """``str(exc)``; a single field's error (a decline's reason) as a :class:`Text`, so the error page shows it
    in the page's language while the API keeps the English."""
    if len(exc.errors) != 1:
        return str(exc)
    [(field, message)] = exc.errors
    return labelled(field_label(field), message)


async def _run(fn: Any, *args: Any) -> Any:
    return await anyio.to_thread.run_sync(fn, *args)


# --- public: hand a self-assessment to a centre ----------------------------------------------------------------

def handoff_data(request: Request, token: str) -> dict[str, Any]:
    snap, _urls = snapshot(request, qf(request).default_id)
    with _store(request).engine.connect() as conn:
        view = areq.public_view(conn, snap.fw, token, lang=page_lang(request))
    if view is None:
        raise ApiError(404, Text(N_("no such self-assessment (the link is wrong or incomplete)")))
    return {"page": "self-assessment-handoff", "self_assessment_url": f"/self-assessment/{token}",
            "handoff": view, "errors": {}, "values": {}}


def _hand_off(request: Request, token: str, programme_id: Any, name: Any, contact: Any, consent: Any) -> Any:
    store = _store(request)
    snap, _urls = snapshot(request, qf(request).default_id)
    digest = auth.client_digest(request, "selfassess")  # the same key as the self-assessment's own limit
    limit, window = HANDOFF_RATE
    if digest:
        with store.engine.connect() as conn:
            if areq.requests_from(conn, digest, datetime.now(UTC) - window) >= limit:
                raise HTTPException(429, f"at most {limit} hand-offs per hour from one address; try later",
                                    headers={"Retry-After": "600"})
    with auth.http_errors(), acc.audited(store, auth.actor(request)) as tx:
        return areq.create_request(tx, snap.fw, token, programme_id=programme_id, candidate_name=name,
                                   contact=contact, consent=consent, client_digest=digest)


@router.get("/self-assessment/{token}/handoff")
def handoff_page(request: Request, token: TokenP) -> Response:
    return _noindex(render(request, "handoff.html", handoff_data(request, token), cacheable=False))


@router.post("/self-assessment/{token}/handoff", dependencies=[Depends(auth.csrf_protect)])  # public, CSRF-checked
async def handoff_form(request: Request, token: TokenP,
                       programme_id: Annotated[str, Form(max_length=20)] = "",
                       candidate_name: Annotated[str, Form(max_length=400)] = "",
                       contact: Annotated[str, Form(max_length=300)] = "",
                       consent: Annotated[str, Form(max_length=10)] = "") -> Response:
    try:
        await _run(_hand_off, request, token, programme_id, candidate_name, contact, consent)
    except handoff.HandoffError as exc:  # the form again, with what was entered and what is wrong
        data = await _run(handoff_data, request, token)
        data.update(errors=exc.fields, values={"programme_id": programme_id, "candidate_name": candidate_name,
                                               "contact": contact, "consent": bool(consent)})
        return _noindex(render(request, "handoff.html", data, status=422, cacheable=False))
    return RedirectResponse(f"/self-assessment/{token}?handed=1#handoff", status_code=303)


class HandoffIn(BaseModel):
    programme_id: int = Field(ge=1, description="one of the `offers` of GET .../handoff")
    candidate_name: str = Field(max_length=400, description="full name (at most 200 characters once trimmed)")
    contact: str = Field(max_length=300, description="ONE contact: an email address or a phone number (+7 ...)")
    consent: bool = Field(description="true: the person agrees that the centre receives their name, contact "
                                      "and self-assessment")


async def json_body_only(request: Request) -> None:
    """A cross-site form cannot send JSON: refusing other bodies keeps the public API out of CSRF's reach."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HTTPException(415, "send the body as application/json")


@api.post("/self-assessments/{token}/handoff", status_code=201, dependencies=[Depends(json_body_only)],
          summary="Hand a self-assessment to a recognition centre (no account needed)",
          responses={409: {"model": ErrorResponse, "description": "Already with that centre, or too many hand-offs"},
                     415: {"model": ErrorResponse, "description": "The body is not application/json"},
                     429: {"model": ErrorResponse, "description": "Too many hand-offs from this address"}})
def handoff_api_post(request: Request, token: TokenP, body: HandoffIn) -> Response:
    try:
        req = _hand_off(request, token, body.programme_id, body.candidate_name, body.contact, body.consent)
    except handoff.HandoffError as exc:
        raise _field_errors(exc) from None
    return _noindex(json_response({**req.public_dict(page_lang(request)),
                                   "self_assessment_url": f"/self-assessment/{token}"}, 201, cacheable=False))


@api.get("/self-assessments/{token}/handoff", summary="What a self-assessment may be handed to, and its requests")
def handoff_api(request: Request, token: TokenP) -> Response:
    data = handoff_data(request, token)
    return _noindex(json_response({"self_assessment_url": data["self_assessment_url"], **data["handoff"]},
                                  cacheable=False))


# --- the centre's inbox ---------------------------------------------------------------------------------------------

def _summary(request: Request, r: areq.Request) -> dict[str, Any] | None:
    try:
        fw = snapshot(request, r.framework_id)[0].fw
        return handoff.summary(fw, r.row_ids, r.ratings, r.programme_row_id)
    except (ApiError, KeyError):  # a framework no longer loaded: the request stays readable
        return None


def _item(request: Request, slug: str, r: areq.Request) -> dict[str, Any]:
    base = f"/orgs/{slug}/assessment-requests/{r.id}"
    return {**r.to_dict(), "summary": _summary(request, r), "api_url": f"/api/v1{base}",
            "accept_url": base + "/accept" if "accepted" in handoff.TRANSITIONS[r.state] else None,
            "decline_url": base + "/decline" if "declined" in handoff.TRANSITIONS[r.state] else None,
            "start_url": f"/orgs/{slug}/assessments/new?request={r.id}" if r.state == "accepted" else None}


def inbox_data(request: Request, slug: str, state: str | None) -> dict[str, Any]:
    store = _store(request)
    with auth.http_errors(), store.engine.connect() as conn:
        try:
            reqs = areq.list_requests(conn, slug, state=state or None, limit=LIST_LIMIT)
        except handoff.HandoffError as exc:
            raise _field_errors(exc) from None
        counts = areq.count_by_state(conn, slug)
        org = acc.need_org(conn, slug)
    return {"page": "assessment-requests", "org": slug, "name": org.name(page_lang(request)), "state": state or None,
            "states": list(handoff.STATES), "counts": counts, "limit": LIST_LIMIT,
            "requests": [_item(request, slug, r) for r in reqs], "done": request.query_params.get("done")}


StateQ = Annotated[str | None, Query(max_length=10, description="only requests in this state")]


@router.get("/orgs/{slug}/assessment-requests")
def inbox_page(request: Request, slug: SlugP, p: Assessor, state: StateQ = None) -> Response:
    return _private(render(request, "assessment_requests.html", inbox_data(request, slug, state), cacheable=False))


@api.get("/orgs/{slug}/assessment-requests", summary="Self-assessments handed to the centre, newest first")
def inbox_api(request: Request, slug: SlugP, p: Assessor, state: StateQ = None) -> Response:
    data = inbox_data(request, slug, state)
    return _private(json_response({k: data[k] for k in ("org", "state", "counts", "limit", "requests")},
                                  cacheable=False))


@api.get("/orgs/{slug}/assessment-requests/{request_id}",
         summary="One request, with the self-ratings an assessment form starts from")
def request_api(request: Request, slug: SlugP, request_id: IdP, p: Assessor) -> Response:
    with auth.http_errors(), _store(request).engine.connect() as conn:
        r = areq.get_request(conn, slug, request_id)
        pre = areq.prefill(conn, slug, request_id) if r.state in handoff.OPEN_STATES else None
    return _private(json_response({**_item(request, slug, r), "prefill": pre}, cacheable=False))


def _decide(request: Request, slug: str, request_id: int, p: Principal, state: str, reason: str | None) -> Any:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        try:
            return areq.set_state(tx, slug, request_id, state, reason)
        except handoff.HandoffError as exc:
            raise _field_errors(exc) from None


@router.post("/orgs/{slug}/assessment-requests/{request_id}/accept")
def accept_form(request: Request, slug: SlugP, request_id: IdP, p: Assessor) -> Response:
    _decide(request, slug, request_id, p, "accepted", None)
    return RedirectResponse(f"/orgs/{slug}/assessment-requests?done=accepted#request-{request_id}", status_code=303)


@router.post("/orgs/{slug}/assessment-requests/{request_id}/decline")
def decline_form(request: Request, slug: SlugP, request_id: IdP, p: Assessor,
                 reason: Annotated[str, Form(max_length=handoff.MAX_REASON)] = "") -> Response:
    _decide(request, slug, request_id, p, "declined", reason)
    return RedirectResponse(f"/orgs/{slug}/assessment-requests?done=declined#request-{request_id}", status_code=303)


class DecisionIn(BaseModel):
    reason: str | None = Field(None, max_length=handoff.MAX_REASON, description="shown to the person (decline)")


@api.post("/orgs/{slug}/assessment-requests/{request_id}/accept", summary="Accept a request (audit-logged)")
def accept_api(request: Request, slug: SlugP, request_id: IdP, p: Assessor, body: DecisionIn | None = None) -> Response:
    r = _decide(request, slug, request_id, p, "accepted", None)
    return _private(json_response(_item(request, slug, r), cacheable=False))


@api.post("/orgs/{slug}/assessment-requests/{request_id}/decline", summary="Decline a request (audit-logged)")
def decline_api(request: Request, slug: SlugP, request_id: IdP, p: Assessor,
                body: DecisionIn | None = None) -> Response:
    r = _decide(request, slug, request_id, p, "declined", body.reason if body else None)
    return _private(json_response(_item(request, slug, r), cacheable=False))
