"""One pure-ASGI middleware in front of the app (no BaseHTTPMiddleware: it is slow).

In order, for each HTTP request it:
1. rejects over-long paths and query strings (414) and over-size bodies (413); a route with a text
   parameter or body has its own limit, 9 bytes per allowed character (any script, percent-encoded or
   JSON-escaped), else the default applies; streamed bodies are counted as they arrive;
2. turns `/x.json` into `/x` with a JSON flag, and `Accept: application/json` into the same flag;
3. looks at most every few seconds whether another process (re)loaded a framework;
4. answers GETs from the response cache (with 304 on If-None-Match, also after the body was evicted,
   and a gzip variant when Accept-Encoding allows it by its q-values); the key holds only the query
   parameters the route declares;
5. otherwise calls the app, keeps cacheable 200 responses (compressing large ones off the event loop),
   answers 304 when the fresh body matches If-None-Match, and adds the security headers;
6. turns any exception into a 500 without a traceback.
Errors it answers itself are JSON for the API, imsx_StatusInfo under /ims/case/, else an HTML page.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

from qualframe.web.cache import (
    CACHEABLE_SCOPE_KEY,
    PRIVATE_SCOPE_KEY,
    Entry,
    ResponseCache,
    Validators,
    declared_query_names,
    keep_query,
)
from qualframe.web.errors import BodyTooLarge, error_json, minimal_error_html
from qualframe.web.imsx import imsx_json, is_case_path

log = logging.getLogger("qualframe.web")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_SCOPE_KEY = "qualframe.json"
LANG_SCOPE_KEY = "qualframe.cookie_lang"
LANG_COOKIE = "qf_lang"
SESSION_COOKIE = "qf_session"  # pages for a signed-in user show who it is: never from the cache

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_SECURITY_NAMES = {k for k, _ in SECURITY_HEADERS}
_JSON_TYPE = (b"content-type", b"application/json")
_HTML_TYPE = (b"content-type", b"text/html; charset=utf-8")


OFF_LOOP_BYTES = 256 * 1024  # hash and compress bodies larger than this in a worker thread
MAX_ROUTE_MEMO = 8192


def cookies(header: bytes) -> dict[bytes, bytes]:
    """The cookies of a Cookie header by exact name (the first of a repeated name wins, as in browsers)."""
    out: dict[bytes, bytes] = {}
    for part in header.split(b";"):
        name, eq, value = part.partition(b"=")
        name = name.strip()
        if eq and name and name not in out:
            out[name] = value.strip().strip(b'"')
    return out


def _cookie_lang(jar: dict[bytes, bytes]) -> str:
    v = jar.get(LANG_COOKIE.encode(), b"").decode("latin-1")
    return v if v in ("kk", "ru", "en") else ""


def accepts_gzip(header: bytes) -> bool:
    """Accept-Encoding allows gzip: listed (or `*`) with a q-value above 0 (RFC 9110 12.5.3)."""
    gzip_q: float | None = None
    star_q: float | None = None
    for part in header.lower().split(b","):
        coding, _, params = part.partition(b";")
        coding = coding.strip()
        q = 1.0
        for param in params.split(b";"):
            k, _, v = param.partition(b"=")
            if k.strip() == b"q":
                try:
                    q = float(v.strip() or b"x")
                except ValueError:
                    q = 0.0
        if coding in (b"gzip", b"x-gzip"):
            gzip_q = q if gzip_q is None else max(gzip_q, q)
        elif coding == b"*":
            star_q = q
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def _etag_matches(header: bytes, etag: bytes) -> bool:
    if header.strip() == b"*":
        return True
    return any(part.strip().removeprefix(b"W/") == etag for part in header.split(b","))


class QualframeMiddleware:
    """See the module docstring. `body_limits` maps a path to its own body limit (capped at `max_body_hard`)."""

    def __init__(self, app: ASGIApp, *, cache: ResponseCache, max_query: int, max_path: int, max_body: int,
                 refresh: Callable[[], None] | None = None, refresh_seconds: float = 2.0,
                 html_error: Callable[[int, str, Scope], bytes] | None = None,
                 body_limits: Mapping[str, int] | None = None,
                 max_body_hard: int | None = None, query_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.cache = cache
        self.max_query = max_query
        # routes whose text parameter may need more (9 bytes per allowed character), never above 16 KiB
        self.query_limits = {p: min(n, 16 * 1024) for p, n in (query_limits or {}).items()}
        self.max_path = max_path
        self.max_body = max_body
        self.max_body_hard = max(max_body_hard or max_body, max_body)
        self.body_limits = {p: min(n, self.max_body_hard) for p, n in (body_limits or {}).items()}
        # keys with {parameters} (e.g. /orgs/{slug}/catalogue) match one path segment per parameter
        self.body_limit_patterns = [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p)) + "$"), n)
                                    for p, n in self.body_limits.items() if "{" in p]
        self.refresh = refresh
        self.refresh_seconds = refresh_seconds
        self.html_error = html_error
        self._route_names: dict[str, frozenset[str] | None] = {}
        self._next_refresh = 0.0

    def _query_names(self, path: str) -> frozenset[str] | None:
        """The query parameters the GET route at `path` declares, as learnt from the last routed request
        (None: not known yet, or the route reads its raw query: the whole query string keys)."""
        if path in self.cache.resources:
            return frozenset()  # a registered resource takes no parameters
        return self._route_names.get(path)

    def _learn(self, path: str, scope: Scope) -> frozenset[str] | None:
        """Remember which parameters the route that answered `path` declares (the router set scope["route"])."""
        names = declared_query_names(scope.get("route"))
        if len(self._route_names) >= MAX_ROUTE_MEMO:
            self._route_names.clear()
        self._route_names[path] = names
        return names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        orig_path = path
        method: str = scope["method"]
        accept = accept_encoding = cookie = inm = ims = b""
        content_length = -1
        for k, v in scope["headers"]:
            if k == b"accept":
                accept = v
            elif k == b"accept-encoding":
                accept_encoding = v
            elif k == b"cookie":
                cookie = v
            elif k == b"if-none-match":
                inm = v
            elif k == b"if-modified-since":
                ims = v
            elif k == b"content-length":
                content_length = int(v) if v.isdigit() and len(v) < 19 else -2
        is_api = path.startswith("/api/")
        want_json = is_api
        if not is_api and path.endswith(".json") and not path.startswith("/static/"):
            path = path[:-5]
            if path in ("/index", ""):
                path = "/"
            scope = {**scope, "path": path, "raw_path": path.encode("utf-8")}
            want_json = True
        elif not is_api and b"application/json" in accept and b"text/html" not in accept:
            want_json = True
        jar = cookies(cookie) if cookie else {}
        lang = _cookie_lang(jar) if not is_api else ""
        scope[JSON_SCOPE_KEY] = want_json
        scope[LANG_SCOPE_KEY] = lang

        # limits
        max_query = self.query_limits.get(path, self.max_query)
        if len(scope["query_string"]) > max_query:
            await self._error(send, scope, 414, f"query string longer than {max_query} bytes")
            return
        if len(scope.get("raw_path") or path.encode()) > self.max_path:
            await self._error(send, scope, 414, f"path longer than {self.max_path} bytes")
            return
        if content_length == -2:
            await self._error(send, scope, 400, "invalid Content-Length header")
            return
        max_body = self.body_limits.get(path) or next(
            (n for rx, n in self.body_limit_patterns if rx.match(path)), self.max_body)
        if content_length > max_body:
            await self._error(send, scope, 413, f"request body larger than {max_body} bytes")
            return

        if self.refresh is not None:
            now = time.monotonic()
            if now >= self._next_refresh:
                self._next_refresh = now + self.refresh_seconds
                try:
                    await anyio.to_thread.run_sync(self.refresh)
                except Exception:  # the database may be briefly unavailable; keep serving what we have
                    log.exception("refreshing the framework catalog failed")

        head = method == "HEAD"
        # (static resources are the same for everyone: served from the cache even with a session cookie)
        signed_in_page = not is_api and SESSION_COOKIE.encode() in jar and orig_path not in self.cache.resources
        gz = accepts_gzip(accept_encoding) if accept_encoding else False
        if (method == "GET" or head) and not signed_in_page:
            names = self._query_names(orig_path if orig_path in self.cache.resources else path)
            key = (path, keep_query(scope["query_string"], names), lang, want_json)
            entry = self.cache.get(key)
            if entry is None and inm:
                known = self.cache.validators(key)
                if known is not None and _validators_match(inm, known):
                    await _send_304(send, known, inm)  # the body was evicted, its validators were not
                    return
            if entry is None:
                res = self.cache.resources.get(orig_path)
                if res is not None:
                    entry = await self._produce(key, res)
            if entry is not None:
                if ims and not inm and _unmodified_since(entry, ims):
                    inm = b"*"  # If-Modified-Since applies only without If-None-Match (RFC 9110 13.1.3)
                await self._send_entry(send, entry, gz, inm, head)
                return
            if head:
                scope = {**scope, "method": "GET"}
            await self._call_caching(scope, receive, send, key, head, gz, inm)
            return
        over: dict[str, bool] = {"over": False}
        await self._call(scope, self._limited(receive, over, max_body), send, over, max_body)

    # --- cache ------------------------------------------------------------------------------------
    async def _produce(self, key: Any, res: Any) -> Entry:
        generation = self.cache.generation
        body: bytes = await anyio.to_thread.run_sync(res.producer)
        headers = [(b"content-type", res.media_type.encode()), (b"cache-control", res.cache_control.encode())]
        return await anyio.to_thread.run_sync(self.cache.put, key, 200, headers, body, generation)

    async def _send_entry(self, send: Send, entry: Entry, gz: bool, inm: bytes, head: bool) -> None:
        if gz and entry.gzip_body is not None:
            headers, body, etag = entry.gzip_headers, entry.gzip_body, entry.gzip_etag
        else:
            headers, body, etag = entry.headers, entry.body, entry.etag
        if inm and etag and _etag_matches(inm, etag):
            keep = [(k, v) for k, v in headers if k not in (b"content-length", b"content-type", b"content-encoding")]
            await send({"type": "http.response.start", "status": 304, "headers": keep})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})

    async def _call_caching(self, scope: Scope, receive: Receive, send: Send, key: Any, head: bool,
                            gz: bool, inm: bytes = b"") -> None:
        """Run the app; keep a 200 answer the handler marked cacheable, then send it from the cache
        (a 304 when the client already holds this very body)."""
        generation = self.cache.generation
        state: dict[str, Any] = {"start": None, "chunks": [], "buffer": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                if scope.get(CACHEABLE_SCOPE_KEY) and not scope.get(PRIVATE_SCOPE_KEY) and message["status"] == 200:
                    state["buffer"] = True
                    state["start"] = message
                    return
                await send(_with_security(message))
                return
            if message["type"] == "http.response.body" and state["buffer"]:
                state["chunks"].append(message.get("body", b""))
                if not message.get("more_body"):
                    start = state["start"]
                    body = b"".join(state["chunks"])
                    names = self._learn(key[0], scope)
                    keyed = (key[0], keep_query(scope["query_string"], names), *key[2:])
                    args = (keyed, start["status"], list(start["headers"]), body, generation)
                    if len(body) > OFF_LOOP_BYTES:  # hashing and gzip of megabytes would stall the loop
                        entry = await anyio.to_thread.run_sync(self.cache.put, *args)
                    else:
                        entry = self.cache.put(*args)
                    await self._send_entry(send, entry, gz, inm, head)
                return
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self._call(scope, receive, capture)

    # --- plumbing ---------------------------------------------------------------------------------
    def _limited(self, receive: Receive, over: dict[str, bool], max_body: int) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    over["over"] = True
                    raise BodyTooLarge(f"request body larger than {max_body} bytes")
            return message

        return wrapped

    async def _call(self, scope: Scope, receive: Receive, send: Send, over: dict[str, bool] | None = None,
                    max_body: int | None = None) -> None:
        started = False
        replaced = False

        async def tracking(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return  # the app's own answer to an over-size body is replaced by a 413
            if message["type"] == "http.response.start":
                started = True
                if over and over["over"]:
                    replaced = True
                    await self._error(send, scope, 413, f"request body larger than {max_body} bytes")
                    return
                message = _with_security(message)
                if scope.get(PRIVATE_SCOPE_KEY):
                    message = _private(message)
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except BodyTooLarge as exc:
            if not started:
                await self._error(send, scope, 413, str(exc))
        except Exception:
            log.exception("unhandled error for %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await self._error(send, scope, 500, "internal error; it has been logged")

    async def _error(self, send: Send, scope: Scope, status: int, message: str) -> None:
        if is_case_path(scope.get("path", "")):
            body, ctype = imsx_json(status, message), _JSON_TYPE
        elif scope.get(JSON_SCOPE_KEY) or self.html_error is None:
            body, ctype = error_json(status, message), _JSON_TYPE
        else:
            try:
                body = self.html_error(status, message, scope)
            except Exception:
                log.exception("rendering the error page failed")
                body = minimal_error_html(status, message)
            ctype = _HTML_TYPE
        headers = [ctype, (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
                   *SECURITY_HEADERS]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def _with_security(message: Message) -> Message:
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _SECURITY_NAMES]
    return {**message, "headers": [*headers, *SECURITY_HEADERS]}


def _private(message: Message) -> Message:
    """An answer that depends on the caller's credentials: no shared or browser-history copies."""
    drop = {b"cache-control", b"vary", b"etag", b"last-modified"}
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
    return {**message, "headers": [*headers, (b"cache-control", b"private, no-store"),
                                   (b"vary", b"Cookie, Authorization")]}


def _validators_match(inm: bytes, v: Validators) -> bool:
    return _etag_matches(inm, v.etag) or (v.gzip_etag is not None and _etag_matches(inm, v.gzip_etag))


async def _send_304(send: Send, v: Validators, inm: bytes) -> None:
    etag = v.etag if _etag_matches(inm, v.etag) or v.gzip_etag is None else v.gzip_etag  # the one the client has
    headers = [*v.headers, (b"etag", etag), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _unmodified_since(entry: Entry, ims: bytes) -> bool:
    """True if the entry's Last-Modified is not later than the If-Modified-Since date."""
    from email.utils import parsedate_to_datetime

    lm = next((v for k, v in entry.headers if k == b"last-modified"), None)
    try:
        return lm is not None and parsedate_to_datetime(lm.decode()) <= parsedate_to_datetime(ims.decode())
    except (TypeError, ValueError, UnicodeDecodeError):
        return False
