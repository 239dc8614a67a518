"""Organisations: the public description, and for its admins members and roles, API tokens and the audit
trail. Pages under /orgs/{slug}, the API under /api/v1/orgs. Every write declares its action from the
policy table (`auth.require`); nothing here is cached, so a change made through any server process is
seen through every other at once.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from qualframe.accounts import policy, values
from qualframe.accounts.policy import ROLES, Principal
from qualframe.model.messages import N_, Text
from qualframe.store import accounts as acc
from qualframe.store import credentials as cstore
from qualframe.web import auth
from qualframe.web.http import ERRORS, json_response, page_lang, qf, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["organisations"], responses={**ERRORS, **auth.AUTH_RESPONSES})

SlugP = Annotated[str, Path(max_length=64, description="organisation slug")]
AUDIT_PAGE = 50


def _store(request: Request) -> Any:
    return qf(request).store


def org_data(request: Request, slug: str, p: Principal | None) -> dict[str, Any]:
    """Public fields for everyone; members, tokens and recent audit entries for those allowed to see them."""
    store = _store(request)
    with store.engine.connect() as conn, auth.http_errors():
        org = acc.need_org(conn, slug)
        data: dict[str, Any] = {"page": "org", **org.to_dict(), "name": org.name(page_lang(request)),
                                "url": f"/orgs/{org.slug}", "api_url": f"/api/v1/orgs/{org.slug}",
                                "did": cstore.centre_did(conn, org)}  # the centre's signing DID (did:key)
        if data["did"] and (did_web := cstore.centre_did_web(org)):
            data["did_web"] = did_web  # the same keys served as did:web by this instance
        if policy.allowed(p, "org.members.read", slug):
            data["members"] = [m.to_dict() for m in acc.members(conn, org)]
        if policy.allowed(p, "org.tokens.manage", slug):
            data["tokens"] = [t.to_dict() for t in acc.list_tokens(conn, org=org)]
        if policy.allowed(p, "org.audit.read", slug):
            data["audit_url"] = f"/orgs/{org.slug}/audit"
        data["can_manage"] = policy.allowed(p, "org.members.manage", slug)
    return data


# --- pages ---------------------------------------------------------------------------------------------------

@router.get("/orgs/{slug}")
def org_page(request: Request, slug: SlugP) -> Response:
    data = org_data(request, slug, auth.principal(request))
    data.update(roles=list(ROLES), lifetimes=list(values.TOKEN_LIFETIMES), new_token=None,
                done=request.query_params.get("done"))
    return render(request, "org.html", data, cacheable=False)


@router.get("/orgs/{slug}/audit")
def org_audit_page(request: Request, slug: SlugP,
                   p: Annotated[Principal, auth.require("org.audit.read", org_from="slug")],
                   before: Annotated[int | None, Query(ge=1)] = None) -> Response:
    return render(request, "org_audit.html", _audit(request, slug, before, AUDIT_PAGE), cacheable=False)


@router.post("/orgs/{slug}/members")
def org_member_add(request: Request, slug: SlugP,
                   p: Annotated[Principal, auth.require("org.members.manage", org_from="slug")],
                   email: Annotated[str, Form(max_length=254)] = "",
                   role: Annotated[str, Form(max_length=20)] = "") -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        acc.add_member(tx, slug, email, role)
    return RedirectResponse(f"/orgs/{slug}?done=member-added", status_code=303)


@router.post("/orgs/{slug}/members/remove")
def org_member_remove(request: Request, slug: SlugP,
                      p: Annotated[Principal, auth.require("org.members.manage", org_from="slug")],
                      user_id: Annotated[int, Form(ge=1)] = 0,
                      role: Annotated[str, Form(max_length=20)] = "") -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        acc.remove_member(tx, slug, user_id, role)
    return RedirectResponse(f"/orgs/{slug}?done=member-removed", status_code=303)


@router.post("/orgs/{slug}/tokens")
def org_token_create(request: Request, slug: SlugP,
                     p: Annotated[Principal, auth.require("org.tokens.manage", org_from="slug")],
                     email: Annotated[str, Form(max_length=254)] = "",
                     role: Annotated[str, Form(max_length=20)] = "",
                     name: Annotated[str, Form(max_length=100)] = "",
                     expires: Annotated[str, Form(max_length=10)] = "30d") -> Response:
    """Create a token for a member; the page shows it this once."""
    with auth.http_errors():
        lifetime = values.duration(expires)
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            secret, rec = acc.create_token(tx, email, slug, role=role or None, name=name, lifetime=lifetime)
    data = org_data(request, slug, p)
    data.update(roles=list(ROLES), lifetimes=list(values.TOKEN_LIFETIMES), new_token={**rec.to_dict(), "token": secret},
                done=None)
    return render(request, "org.html", data, status=201, cacheable=False)


def _org_token(request: Request, slug: str, token_id: int) -> acc.Token:
    with _store(request).engine.connect() as conn:
        t = acc.get_token(conn, token_id)
    if t is None or t.org != slug:
        raise acc.AccountError("not_found", Text(N_("%(org)s has no API token %(id)s"), org=slug, id=token_id))
    return t


@router.post("/orgs/{slug}/tokens/{token_id}/revoke")
def org_token_revoke(request: Request, slug: SlugP, token_id: Annotated[int, Path(ge=1)],
                     p: Annotated[Principal, auth.require("org.tokens.manage", org_from="slug")]) -> Response:
    with auth.http_errors():
        _org_token(request, slug, token_id)
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            acc.revoke_token(tx, token_id)
    return RedirectResponse(f"/orgs/{slug}?done=token-revoked", status_code=303)


# --- API -----------------------------------------------------------------------------------------------------

class OrgIn(BaseModel):
    slug: str = Field(max_length=64)
    kind: str = Field(max_length=30, description="employer, recognition-centre, standards-body or education")
    names: dict[str, str] = Field(description="names by language: kk, ru, en (at least one)")
    accreditation_number: str | None = Field(None, max_length=100)
    accreditation_valid_from: date | None = None
    accreditation_valid_to: date | None = None


class OrgPatch(BaseModel):
    names: dict[str, str] | None = None
    accreditation_number: str | None = Field(None, max_length=100)
    accreditation_valid_from: date | None = None
    accreditation_valid_to: date | None = None


class MemberIn(BaseModel):
    email: str = Field(max_length=254)
    role: str = Field(max_length=20, description=", ".join(ROLES))


class MemberTokenIn(BaseModel):
    email: str = Field(max_length=254, description="the member the token acts for")
    role: str | None = Field(None, max_length=20, description="one of the member's roles (needed if several)")
    name: str = Field("", max_length=100, description="a label to tell tokens apart")
    expires: str = Field("30d", max_length=10, description="lifetime: 90m, 12h, 30d, 2w (at most 366d)")


def _audit(request: Request, slug: str, before: int | None, limit: int) -> dict[str, Any]:
    with _store(request).engine.connect() as conn, auth.http_errors():
        org = acc.need_org(conn, slug)
        entries = acc.audit_entries(conn, org=slug, before_seq=before, limit=limit)
    nxt = entries[-1]["seq"] if len(entries) == limit else None
    return {"page": "org-audit", "org": org.slug, "name": org.name(page_lang(request)), "entries": entries,
            "next_before": nxt, "url": f"/orgs/{slug}"}


@api.get("/orgs", summary="Organisations (public fields)")
def orgs_list(request: Request) -> Response:
    with _store(request).engine.connect() as conn:
        return json_response({"organisations": [{**o.to_dict(), "url": f"/api/v1/orgs/{o.slug}"}
                                                for o in acc.list_orgs(conn)]}, cacheable=False)


@api.post("/orgs", status_code=201, summary="Create an organisation (platform superusers)")
def orgs_create(request: Request, body: OrgIn, p: Annotated[Principal, auth.require("org.create")]) -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        org = acc.create_org(tx, body.slug, body.kind, body.names, accreditation_number=body.accreditation_number,
                             valid_from=body.accreditation_valid_from, valid_to=body.accreditation_valid_to)
    return json_response(org.to_dict(), 201, cacheable=False)


@api.get("/orgs/{slug}", summary="An organisation: public fields; members and tokens for its admins")
def org_get(request: Request, slug: SlugP) -> Response:
    data = org_data(request, slug, auth.principal(request))
    data.pop("page", None)
    data["url"] = data.pop("api_url")
    if "audit_url" in data:
        data["audit_url"] = f"/api/v1/orgs/{slug}/audit"
    return json_response(data, cacheable=False)


@api.patch("/orgs/{slug}", summary="Change an organisation's names or accreditation (its admins)")
def org_patch(request: Request, slug: SlugP, body: OrgPatch,
              p: Annotated[Principal, auth.require("org.update", org_from="slug")]) -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        org = acc.update_org(tx, slug, names=body.names, accreditation_number=body.accreditation_number,
                             valid_from=body.accreditation_valid_from, valid_to=body.accreditation_valid_to)
    return json_response(org.to_dict(), cacheable=False)


@api.get("/orgs/{slug}/members", summary="Members and their roles (its admins)")
def org_members(request: Request, slug: SlugP,
                p: Annotated[Principal, auth.require("org.members.read", org_from="slug")]) -> Response:
    with _store(request).engine.connect() as conn, auth.http_errors():
        org = acc.need_org(conn, slug)
        return json_response({"org": slug, "members": [m.to_dict() for m in acc.members(conn, org)]},
                             cacheable=False)


@api.post("/orgs/{slug}/members", status_code=201, summary="Give a user a role in the organisation (its admins)")
def org_members_add(request: Request, slug: SlugP, body: MemberIn,
                    p: Annotated[Principal, auth.require("org.members.manage", org_from="slug")]) -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        m = acc.add_member(tx, slug, body.email, body.role)
    return json_response({"org": slug, **m.to_dict()}, 201, cacheable=False)


@api.delete("/orgs/{slug}/members/{user_id}/roles/{role}", summary="Take a role away (its admins)")
def org_members_remove(request: Request, slug: SlugP, user_id: Annotated[int, Path(ge=1)],
                       role: Annotated[str, Path(max_length=20)],
                       p: Annotated[Principal, auth.require("org.members.manage", org_from="slug")]) -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        acc.remove_member(tx, slug, user_id, role)
    return json_response({"org": slug, "user_id": user_id, "removed_role": role}, cacheable=False)


@api.get("/orgs/{slug}/tokens", summary="The organisation's API tokens (its admins; never the tokens themselves)")
def org_tokens(request: Request, slug: SlugP,
               p: Annotated[Principal, auth.require("org.tokens.manage", org_from="slug")]) -> Response:
    with _store(request).engine.connect() as conn, auth.http_errors():
        org = acc.need_org(conn, slug)
        return json_response({"org": slug, "tokens": [t.to_dict() for t in acc.list_tokens(conn, org=org)]},
                             cacheable=False)


@api.post("/orgs/{slug}/tokens", status_code=201, summary="Create an API token for a member (shown once)")
def org_tokens_create(request: Request, slug: SlugP, body: MemberTokenIn,
                      p: Annotated[Principal, auth.require("org.tokens.manage", org_from="slug")]) -> Response:
    with auth.http_errors():
        lifetime = values.duration(body.expires)
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            secret, rec = acc.create_token(tx, body.email, slug, role=body.role, name=body.name, lifetime=lifetime)
    return json_response({**rec.to_dict(), "token": secret}, 201, cacheable=False)


@api.delete("/orgs/{slug}/tokens/{token_id}", summary="Revoke an API token of the organisation (its admins)")
def org_tokens_revoke(request: Request, slug: SlugP, token_id: Annotated[int, Path(ge=1)],
                      p: Annotated[Principal, auth.require("org.tokens.manage", org_from="slug")]) -> Response:
    with auth.http_errors():
        _org_token(request, slug, token_id)
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            rec = acc.revoke_token(tx, token_id)
    return json_response(rec.to_dict(), cacheable=False)


@api.get("/orgs/{slug}/audit", summary="The organisation's audit trail, newest first (its admins)")
def org_audit(request: Request, slug: SlugP,
              p: Annotated[Principal, auth.require("org.audit.read", org_from="slug")],
              before: Annotated[int | None, Query(ge=1, description=(
                  "page on: the seq of the last entry of the previous page"))] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = AUDIT_PAGE) -> Response:
    data = _audit(request, slug, before, limit)
    data.pop("page")
    data["url"] = f"/api/v1/orgs/{slug}"
    if data["next_before"]:
        data["next"] = f"/api/v1/orgs/{slug}/audit?before={data['next_before']}&limit={limit}"
    return json_response(data, cacheable=False)
