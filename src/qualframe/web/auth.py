"""Who is asking, and may they: the request side of accounts, in one place.

* `principal(request)`: the user behind `Authorization: Bearer <token>` or the session cookie (or None).
  Looking at credentials marks the response private: never kept by the response cache, sent with
  `Cache-Control: private, no-store` and `Vary: Cookie, Authorization`.
* `require(action, org_from="slug")`: the dependency every state-changing route declares. Deny by
  default: 401 without credentials, 403 with a wrong role (decided by `qualframe.accounts.policy.allowed`,
  the single policy table), 403 without a valid CSRF token when the credentials are a session cookie.
* `csrf_protect`: the CSRF check for the few public forms (`PUBLIC_WRITES`), with a signed double-submit
  cookie for visitors without a session. `csrf_field()` in templates writes the hidden input.
* `check_routes(app)`: at start-up, every POST/PUT/PATCH/DELETE route must declare `require(...)` or be
  listed in `PUBLIC_WRITES` (form routes among them also `csrf_protect`); otherwise the app refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPBearer
from markupsafe import Markup
from starlette.exceptions import HTTPException

from qualframe.accounts import policy, tokens
from qualframe.accounts.policy import Principal
from qualframe.store import accounts as acc
from qualframe.web.cache import mark_private
from qualframe.web.errors import ApiError
from qualframe.web.middleware import SESSION_COOKIE
from qualframe.web.schemas import ErrorResponse

__all__ = ["SESSION_COOKIE", "actor", "check_routes", "csrf_field", "csrf_protect", "current", "principal",
           "require"]
CSRF_COOKIE = "qf_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_COOKIE_MAX_AGE = 7 * 24 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_PRINCIPAL_KEY = "qualframe.principal"
_BAD_TOKEN_KEY = "qualframe.bad_token"
_NEW_NONCE_KEY = "qualframe.csrf_nonce"
_REQUEST_ID_KEY = "qualframe.request_id"
_UNSET = object()
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _store(request: Request) -> Any:
    return request.app.state.qf.store


def _trust_proxy(request: Request) -> bool:
    return bool(getattr(request.app.state.qf.settings, "trust_proxy_headers", False))


# --- who is asking -----------------------------------------------------------------------------------------

def principal(request: Request) -> Principal | None:
    """The signed-in user (session cookie) or token holder (Bearer), resolved once per request."""
    cached = request.scope.get(_PRINCIPAL_KEY, _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    p: Principal | None = None
    header = request.headers.get("authorization")
    if header is not None:
        mark_private(request)
        scheme, _, credential = header.partition(" ")
        if scheme.lower() == "bearer":
            p = acc.token_principal(_store(request), credential.strip())
        request.scope[_BAD_TOKEN_KEY] = p is None
    else:
        sid = request.cookies.get(SESSION_COOKIE)
        if sid:
            mark_private(request)
            p = acc.session_principal(_store(request), sid)
    request.scope[_PRINCIPAL_KEY] = p
    return p


def client_address(request: Request) -> str | None:
    """The client's address; the first X-Forwarded-For hop only when the proxy is trusted (settings)."""
    if _trust_proxy(request):
        fwd = request.headers.get("x-forwarded-for")
        if fwd:
            return fwd.split(",")[0].strip()[:64] or None
    return request.client.host[:64] if request.client else None


def client_digest(request: Request, purpose: str) -> str | None:
    """A keyed digest of the client's address for per-client limits on public forms: the address itself is
    never stored, and the key (one per `purpose`) stays in the database, so digests cannot be reversed by
    hashing the address space."""
    addr = client_address(request)
    if not addr:
        return None
    return hmac.new(acc.app_secret(_store(request), purpose), addr.encode(), hashlib.sha256).hexdigest()


def request_id(request: Request) -> str:
    """The caller's X-Request-ID when well-formed, else a fresh one (kept in the audit trail)."""
    rid = request.scope.get(_REQUEST_ID_KEY)
    if rid is None:
        given = request.headers.get("x-request-id", "")
        rid = given if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        request.scope[_REQUEST_ID_KEY] = rid
    return rid


def actor(request: Request, p: Principal | None = None) -> acc.Actor:
    """How the audit trail names this request's changes."""
    return acc.Actor.of(p if p is not None else principal(request), request_id(request), client_address(request))


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    return _trust_proxy(request) and request.headers.get("x-forwarded-proto", "").lower() == "https"


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, max_age=int(acc.SESSION_LIFETIME.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=is_https(request))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))


# --- CSRF ------------------------------------------------------------------------------------------------------

def _key(request: Request) -> bytes:
    return acc.app_secret(_store(request), "csrf")


def csrf_token(request: Request) -> str:
    """The token the forms of this page carry: bound to the session, or to a signed anonymous cookie."""
    p = principal(request)
    if p is not None and p.session_digest:
        return tokens.csrf_token(_key(request), "session", p.session_digest)
    mark_private(request)  # the page now differs per visitor
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if not _NONCE_RE.match(nonce):
        nonce = request.scope.get(_NEW_NONCE_KEY) or tokens.new_nonce()
        request.scope[_NEW_NONCE_KEY] = nonce
    return tokens.csrf_token(_key(request), "anon", nonce)


def csrf_field(request: Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_token(request))


def csrf_ok(request: Request, candidate: str | None) -> bool:
    if not candidate or len(candidate) > 128:
        return False
    key = _key(request)
    p = principal(request)
    if p is not None and p.session_digest and tokens.csrf_matches(key, "session", p.session_digest, candidate):
        return True
    nonce = request.cookies.get(CSRF_COOKIE, "")
    return bool(_NONCE_RE.match(nonce)) and tokens.csrf_matches(key, "anon", nonce, candidate)


async def _csrf_candidate(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _check_csrf(request: Request) -> None:
    candidate = await _csrf_candidate(request)
    if not await anyio.to_thread.run_sync(csrf_ok, request, candidate):
        raise HTTPException(403, "missing or invalid CSRF token: reload the page and submit the form again")


async def csrf_protect(request: Request) -> None:
    """CSRF check for public forms; requests carrying a Bearer token (no cookies involved) are exempt."""
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return
    await _check_csrf(request)


csrf_protect.__qualframe_csrf__ = True  # type: ignore[attr-defined]


def finish(request: Request, response: Response) -> Response:
    """Set the anonymous CSRF cookie a page's form needs (call on every response that rendered a form)."""
    nonce = request.scope.get(_NEW_NONCE_KEY)
    if nonce:
        response.set_cookie(CSRF_COOKIE, nonce, max_age=CSRF_COOKIE_MAX_AGE, path="/", httponly=True,
                            samesite="lax", secure=is_https(request))
    return response


# --- the one check -------------------------------------------------------------------------------------------

def _unauthenticated(request: Request) -> HTTPException:
    if request.scope.get(_BAD_TOKEN_KEY):
        msg = "the API token is invalid, expired or revoked"
    else:
        msg = "sign in first: log in at /login, or send Authorization: Bearer <API token>"
    return HTTPException(401, msg, headers={"WWW-Authenticate": 'Bearer realm="qualframe"'})


def _org_of(request: Request, org_from: str | None) -> str | None:
    if org_from is None:
        return None
    value = request.path_params.get(org_from)
    return str(value) if value is not None else None


_BEARER = HTTPBearer(auto_error=False, scheme_name="apiToken",
                     description="An API token (qf_...), created with `qualframe token create` or on /account.")
_SESSION = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="session",
                        description="The session cookie set by POST /login; writes also need X-CSRF-Token.")

# The answers `require` adds to a route, for the OpenAPI description.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": desc} for code, desc in (
        (401, "No credentials, or an invalid, expired or revoked API token"),
        (403, "The role does not allow this action here, or the CSRF token is missing or wrong"),
        (409, "Conflicts with the current state (e.g. the role is already held)"),
    )
}


def require(action: str, *, org_from: str | Callable[[Request, Principal], str | None] | None = None) -> Any:
    """Dependency for a route: the principal, if it may perform `action` (in the org named by path
    parameter `org_from`, or returned by `org_from(request, principal)` for routes without one, such as the
    VC API); else 401 / 403. Use as `p: Principal = require("org.members.manage", org_from="slug")`.
    """
    rule = policy.rule(action)  # an unknown action fails at import time, not at request time
    if rule.scope == "org" and org_from is None:
        raise ValueError(f"action {action!r} is scoped to an organisation: pass org_from=")

    async def dependency(request: Request, _bearer: Any = Depends(_BEARER),  # noqa: B008
                         _cookie: Any = Depends(_SESSION)) -> Principal:  # noqa: B008
        # (_bearer and _cookie only document the two ways in, in the OpenAPI; `principal` reads them)
        p = await anyio.to_thread.run_sync(principal, request)
        if p is None:
            raise _unauthenticated(request)
        if request.method not in SAFE_METHODS and p.via == "session":
            await _check_csrf(request)
        org = org_from(request, p) if callable(org_from) else _org_of(request, org_from)
        if not policy.allowed(p, action, org):
            where = f" in {org}" if org else ""
            raise HTTPException(403, f"not allowed: {action} ({rule.description}) needs "
                                     f"{_needs(rule)}{where}")
        return p

    dependency.__qualframe_action__ = action  # type: ignore[attr-defined]
    return Depends(dependency)


def _needs(rule: policy.Rule) -> str:
    if rule.scope == "platform":
        return "a platform superuser"
    if rule.scope == "self":
        return "a signed-in user"
    return "the role " + " or ".join(sorted(rule.roles))


def current(request: Request) -> Principal:
    """The principal of a route that already passed `require` (or 401)."""
    p = principal(request)
    if p is None:
        raise _unauthenticated(request)
    return p


# --- deny by default, checked at start-up ------------------------------------------------------------------------

def _calls(dependant: Any) -> list[Callable[..., Any]]:
    out = [d.call for d in dependant.dependencies if d.call is not None]
    for d in dependant.dependencies:
        out.extend(_calls(d))
    return out


def route_action(route: APIRoute) -> str | None:
    """The policy action a route requires, if any."""
    for call in _calls(route.dependant):
        action = getattr(call, "__qualframe_action__", None)
        if action:
            return action
    return None


def _flat_routes(routes: Any, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # newer FastAPI includes routers lazily
            ctx = getattr(route, "include_context", None)
            yield from _flat_routes(route.original_router.routes, prefix + (getattr(ctx, "prefix", "") or ""))


def write_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) for every state-changing route of the app."""
    return [(m, path, route) for path, route in _flat_routes(app.routes)
            for m in sorted((route.methods or set()) & WRITE_METHODS)]


def check_routes(app: FastAPI) -> None:
    """Refuse to build an app with a state-changing route that is neither guarded nor listed as public."""
    problems = []
    for method, path, route in write_routes(app):
        guarded = route_action(route) is not None
        public = (method, path) in policy.PUBLIC_WRITES
        if guarded and public:
            problems.append(f"{method} {path} is listed in PUBLIC_WRITES but also requires a role")
        elif not guarded and not public:
            problems.append(f"{method} {path} changes state but declares no require(...) and is not in "
                            f"qualframe.accounts.policy.PUBLIC_WRITES")
        elif public and not path.startswith("/api/") and not any(
                getattr(c, "__qualframe_csrf__", False) for c in _calls(route.dependant)):
            problems.append(f"{method} {path} is a public form without the csrf_protect dependency")
    if problems:
        raise RuntimeError("deny by default: " + "; ".join(problems))


# --- accounts' expected failures as HTTP answers ---------------------------------------------------------------

_KIND_STATUS = {"not_found": 404, "conflict": 409, "invalid": 422, "forbidden": 403}


@contextmanager
def http_errors() -> Iterator[None]:
    """Turn the accounts operations' expected failures into 404/409/422/403/503 answers."""
    from qualframe.accounts.passwords import HashingBusy, PasswordError
    from qualframe.accounts.values import InvalidValue

    try:
        yield
    except acc.AccountError as exc:
        raise ApiError(_KIND_STATUS.get(exc.kind, 400), exc.message) from exc
    except InvalidValue as exc:
        raise ApiError(422, exc.text) from exc  # str(exc) in English; the error page translates it
    except PasswordError as exc:
        raise ApiError(422, exc.args[0]) from exc  # a Text: English in the API, translated on the error page
    except HashingBusy as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "2"}) from exc
