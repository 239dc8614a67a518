"""Signing in and one's own account: /login, /logout, /account (language, password, my API tokens) and
their API twins /api/v1/me and /api/v1/me/tokens.

Every answer here depends on who asks, so none is cacheable (`qualframe.web.auth` marks them private).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from qualframe.accounts import values
from qualframe.accounts.policy import ROLES, Principal
from qualframe.model.messages import N_, Text
from qualframe.store import accounts as acc
from qualframe.web import auth
from qualframe.web.http import ERRORS, json_response, qf, render, wants_json
from qualframe.web.i18n import LANGS

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["accounts"], responses={**ERRORS, **auth.AUTH_RESPONSES})

DEFAULT_NEXT = "/account"


def safe_next(target: str | None) -> str:
    """Only a local path may follow a log-in (no open redirect): '/x?y' yes; '//evil', 'https://evil', '/\\evil' no."""
    t = (target or "").strip()
    if not t.startswith("/") or t.startswith(("//", "/\\")) or any(c in t for c in "\\\r\n\t") or len(t) > 1000:
        return DEFAULT_NEXT
    parts = urlsplit(t)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return t


def _store(request: Request) -> Any:
    return qf(request).store


def me_data(request: Request, p: Principal) -> dict[str, Any]:
    """Who the session or token is: user, organisations and roles, how they signed in."""
    store = _store(request)
    with store.engine.connect() as conn:
        user = acc.find_user(conn, p.user_id) if p.user_id is not None else None
        orgs = {o.slug: o for o in (acc.find_org(conn, s) for s in p.roles) if o is not None}
        token = acc.get_token(conn, p.token_id) if p.token_id is not None else None
    data: dict[str, Any] = {
        "user": user.to_dict() if user else None,
        "via": p.via,
        "organisations": [{"slug": s, "name": orgs[s].names if s in orgs else {},
                           "kind": orgs[s].kind if s in orgs else None, "roles": sorted(p.roles[s]),
                           "url": f"/api/v1/orgs/{s}"} for s in sorted(p.roles)],
    }
    if token is not None:
        data["token"] = {"id": token.id, "name": token.name, "org": token.org, "role": token.role,
                         "expires_at": token.to_dict()["expires_at"]}
        data["organisation"], data["role"] = token.org, token.role
    if p.session_digest:
        data["csrf_token"] = auth.csrf_token(request)  # for scripts that post with the session cookie
    return data


# --- log in / log out ----------------------------------------------------------------------------------------------

def _login_page(request: Request, next_: str, status: int = 200, error: str | None = None, email: str = "",
                retry_after: int | None = None) -> Response:
    p = auth.principal(request)
    data = {"page": "login", "next": next_, "error": error, "email": email, "retry_after": retry_after,
            "signed_in_as": p.email if p else None}
    resp = render(request, "login.html", data, status=status, cacheable=False)
    if retry_after:
        resp.headers["retry-after"] = str(retry_after)
    return resp


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: Annotated[str, Query(max_length=1000)] = DEFAULT_NEXT) -> Response:
    return _login_page(request, safe_next(next))


@router.post("/login", include_in_schema=False, dependencies=[Depends(auth.csrf_protect)])
def login_submit(request: Request, email: Annotated[str, Form(max_length=254)] = "",
                 password: Annotated[str, Form(max_length=1024)] = "",
                 next: Annotated[str, Form(max_length=1000)] = DEFAULT_NEXT) -> Response:
    """Check the password; on success a NEW session id (never the one the browser came with)."""
    store = _store(request)
    target = safe_next(next)
    with auth.http_errors():
        result = acc.login(store, email, password, auth.actor(request, None))
    if result.retry_after:
        return _login_page(request, target, 429, "rate_limited", email, result.retry_after)
    if result.session_id is None:
        # the same answer whether or not the account exists
        return _login_page(request, target, 401, "invalid", email)
    old = auth.principal(request)
    if old is not None and old.session_digest:
        acc.logout(store, old, auth.actor(request, old))  # the session the browser came with ends here
    assert result.user is not None
    if wants_json(request):
        resp: Response = json_response({"user": result.user.to_dict(), "next": target}, cacheable=False)
    else:
        resp = RedirectResponse(target, status_code=303)
    auth.set_session_cookie(resp, request, result.session_id)
    resp.set_cookie("qf_lang", result.user.lang, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True,
                    secure=auth.is_https(request))
    resp.headers["cache-control"] = "no-store"
    return resp


@router.post("/logout", include_in_schema=False)
def logout(request: Request, p: Annotated[Principal, auth.require("session.logout")]) -> Response:
    ended = acc.logout(_store(request), p, auth.actor(request, p))
    resp: Response = (json_response({"ended": ended}, cacheable=False) if wants_json(request)
                      else RedirectResponse("/", status_code=303))
    auth.clear_session_cookie(resp, request)
    return resp


# --- my account ----------------------------------------------------------------------------------------------------

def _account_data(request: Request, p: Principal, new_token: dict[str, Any] | None = None,
                  done: str | None = None) -> dict[str, Any]:
    store = _store(request)
    with store.engine.connect() as conn:
        tokens = [t.to_dict() for t in acc.list_tokens(conn, user_id=p.user_id)] if p.user_id else []
    data = me_data(request, p)
    data.update(page="account", tokens=tokens, new_token=new_token, done=done, langs=list(LANGS),
                lifetimes=list(values.TOKEN_LIFETIMES), roles=list(ROLES))
    return data


def _signed_in_or_login(request: Request) -> Principal | Response:
    p = auth.principal(request)
    if p is not None:
        return p
    if wants_json(request):
        auth.current(request)  # raises 401
    return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)


@router.get("/account", include_in_schema=False)
def account(request: Request) -> Response:
    p = _signed_in_or_login(request)
    if isinstance(p, Response):
        return p
    return render(request, "account.html", _account_data(request, p, done=request.query_params.get("done")),
                  cacheable=False)


@router.post("/account", include_in_schema=False)
def account_update(request: Request, p: Annotated[Principal, auth.require("account.update")],
                   lang: Annotated[str | None, Form(max_length=5)] = None,
                   display_name: Annotated[str | None, Form(max_length=200)] = None) -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        user = acc.update_user(tx, p.user_id, lang=lang or None, name=display_name or None)
    resp = RedirectResponse("/account?done=saved", status_code=303)
    resp.set_cookie("qf_lang", user.lang, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True,
                    secure=auth.is_https(request))
    return resp


@router.post("/account/password", include_in_schema=False)
def account_password(request: Request, p: Annotated[Principal, auth.require("account.update")],
                     current_password: Annotated[str, Form(max_length=1024)] = "",
                     new_password: Annotated[str, Form(max_length=1024)] = "") -> Response:
    store = _store(request)
    with auth.http_errors():
        if p.user_id is None or not acc.check_password(store, p.user_id, current_password):
            raise acc.AccountError("forbidden", Text(N_("the current password is not correct")))
        with acc.audited(store, auth.actor(request, p)) as tx:
            acc.set_password(tx, p.user_id, new_password, keep_session=p.session_digest)
    return RedirectResponse("/account?done=password", status_code=303)


def _lifetime(expires: str) -> Any:
    with auth.http_errors():
        return values.duration(expires)


@router.post("/account/tokens", include_in_schema=False)
def account_token_create(request: Request, p: Annotated[Principal, auth.require("account.tokens")],
                         org: Annotated[str, Form(max_length=64)] = "",
                         role: Annotated[str, Form(max_length=20)] = "",
                         name: Annotated[str, Form(max_length=100)] = "",
                         expires: Annotated[str, Form(max_length=10)] = "30d") -> Response:
    """Create one of my tokens; the page shows it this once."""
    lifetime = _lifetime(expires)
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        secret, rec = acc.create_token(tx, p.user_id, org, role=role or None, name=name, lifetime=lifetime)
    return render(request, "account.html", _account_data(request, p, {**rec.to_dict(), "token": secret}),
                  status=201, cacheable=False)


def _own_token(request: Request, p: Principal, token_id: int) -> acc.Token:
    with _store(request).engine.connect() as conn:
        t = acc.get_token(conn, token_id)
    if t is None or t.user_id != p.user_id:
        raise acc.AccountError("not_found", Text(N_("you have no API token %(id)s"), id=token_id))
    return t


@router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
def account_token_revoke(request: Request, token_id: Annotated[int, Path(ge=1)],
                         p: Annotated[Principal, auth.require("account.tokens")]) -> Response:
    with auth.http_errors():
        _own_token(request, p, token_id)
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            acc.revoke_token(tx, token_id)
    return RedirectResponse("/account?done=revoked", status_code=303)


# --- API -------------------------------------------------------------------------------------------------------------

class TokenIn(BaseModel):
    org: str = Field(max_length=64, description="organisation slug")
    role: str | None = Field(None, max_length=20, description="one of your roles there (needed if several)")
    name: str = Field("", max_length=100, description="a label to tell tokens apart")
    expires: str = Field("30d", max_length=10, description="lifetime: 90m, 12h, 30d, 2w (at most 366d)")


@api.get("/me", summary="Who the session or the API token is: user, organisations, roles")
def me(request: Request, p: Annotated[Principal, auth.require("account.read")]) -> Response:
    return json_response(me_data(request, p), cacheable=False)


@api.get("/me/tokens", summary="My API tokens (never the tokens themselves)")
def my_tokens(request: Request, p: Annotated[Principal, auth.require("account.tokens")]) -> Response:
    with _store(request).engine.connect() as conn:
        return json_response({"tokens": [t.to_dict() for t in acc.list_tokens(conn, user_id=p.user_id)]},
                             cacheable=False)


@api.post("/me/tokens", status_code=201, summary="Create an API token for one of my roles (shown once)")
def my_token_create(request: Request, body: TokenIn,
                    p: Annotated[Principal, auth.require("account.tokens")]) -> Response:
    lifetime = _lifetime(body.expires)
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        secret, rec = acc.create_token(tx, p.user_id, body.org, role=body.role, name=body.name, lifetime=lifetime)
    return json_response({**rec.to_dict(), "token": secret}, 201, cacheable=False)


@api.delete("/me/tokens/{token_id}", summary="Revoke one of my API tokens")
def my_token_revoke(request: Request, token_id: Annotated[int, Path(ge=1)],
                    p: Annotated[Principal, auth.require("account.tokens")]) -> Response:
    with auth.http_errors():
        _own_token(request, p, token_id)
        with acc.audited(_store(request), auth.actor(request, p)) as tx:
            rec = acc.revoke_token(tx, token_id)
    return json_response(rec.to_dict(), cacheable=False)
