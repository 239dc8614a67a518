"""Request helpers every route module uses: the app's state, JSON and HTML answers, errors.

Routes import this module, never `qualframe.web.app`; the app factory imports the routes. So the
imports run one way (app → routes → http → catalog/views/i18n/...), which import-linter checks.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment
from pydantic import BeforeValidator

from qualframe import __version__
from qualframe.interop.catalogue_io import MAX_BYTES as CATALOGUE_FILE_BYTES
from qualframe.store import Store
from qualframe.web import auth, views
from qualframe.web.admission import Admission
from qualframe.web.cache import ResponseCache, declared_query_names, keep_query, mark_cacheable
from qualframe.web.catalog import Catalog
from qualframe.web.errors import TITLES, error_json, minimal_error_html
from qualframe.web.i18n import LANG_NAMES, LANGS, fmt_date, resolve_lang, t
from qualframe.web.imsx import imsx_json, is_case_path
from qualframe.web.middleware import JSON_SCOPE_KEY, LANG_SCOPE_KEY
from qualframe.web.schemas import ErrorResponse
from qualframe.web.settings import Settings
from qualframe.web.views import Urls

log = logging.getLogger("qualframe.web")
T = TypeVar("T")

_ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")


def _ascii_int(value: Any) -> Any:
    """Integers in the query string are ASCII digits only: int() would also take "1_0" and "１０"."""
    if isinstance(value, str) and not _ASCII_INT.fullmatch(value):
        raise ValueError("must be an integer written with the digits 0-9")
    return value


# An integer query parameter written in ASCII digits (use it instead of `int` in Query parameters).
AsciiInt = Annotated[int, BeforeValidator(_ascii_int)]

# JSON overhead of a request body around its text field(s)
BODY_OVERHEAD = 4096
# Bytes one character may take in a query string or body: 3 in UTF-8, 6 as a JSON backslash-u escape,
# 9 as percent-encoded UTF-8 (%E4%B8%AD) in a query string or form field
BYTES_PER_CHAR = 9


def text_body_limit(max_chars: int) -> int:
    """The body limit of a route whose body is a text of at most `max_chars` characters (in any
    script, as UTF-8 JSON, ASCII-escaped JSON or a form): the character limit decides, not the bytes."""
    return BYTES_PER_CHAR * max_chars + BODY_OVERHEAD


# path -> query-string limit, for routes whose text parameter may exceed Settings.max_query_bytes once
# percent-encoded (500 Chinese characters are 4,500 bytes); other parameters fit in the 512 bytes added
QUERY_LIMITS: dict[str, int] = {
    "/api/v1/search": BYTES_PER_CHAR * views.MAX_QUERY_CHARS + 512,
    "/search": BYTES_PER_CHAR * views.MAX_QUERY_CHARS + 512,
    "/api/v1/match": BYTES_PER_CHAR * views.MAX_MATCH_GET_CHARS + 512,
    "/match": BYTES_PER_CHAR * views.MAX_MATCH_GET_CHARS + 512,
}

# path -> body limit, for routes whose bodies may exceed Settings.max_body_bytes (capped by max_body_hard_bytes)
# Declared here, not by the route modules: routers are imported lazily, after the middleware has read this.
UPLOAD_BODY = CATALOGUE_FILE_BYTES + 64 * 1024  # a catalogue file plus the multipart envelope
BODY_LIMITS: dict[str, int] = {
    "/api/v1/match": text_body_limit(views.MAX_MATCH_CHARS),
    "/match": text_body_limit(views.MAX_MATCH_CHARS),
    "/orgs/{slug}/catalogue": UPLOAD_BODY,  # the middleware matches {slug} templates
    "/api/v1/orgs/{slug}/catalogue": UPLOAD_BODY,
}

# The standard error answers (as ErrorResponse), so /api/v1/openapi.json documents them on every route.
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": desc}
    for code, desc in (
        (400, "Bad request"),
        (404, "Not found"),
        (405, "Method not allowed"),
        (413, "Request body too large"),
        (414, "Query string or path too long"),
        (422, "Invalid parameters"),
        (500, "Internal error (never with a traceback)"),
        (503, "Busy (too much CPU-heavy work in flight; see Retry-After) or a component is not available"),
    )
}


@dataclass
class Web:
    """Everything a handler needs, at `request.app.state.qf`."""

    settings: Settings
    store: Store
    catalog: Catalog
    cache: ResponseCache
    env: Environment
    static_versions: dict[str, str]
    admission: Admission = field(default=None)  # type: ignore[assignment]  # from settings when not given

    def __post_init__(self) -> None:
        if self.admission is None:
            self.admission = Admission.from_settings(self.settings)

    @property
    def default_id(self) -> str:
        return self.settings.default_framework

    @property
    def compute(self) -> Callable[..., Any] | None:
        """How match and search run their engine: ``compute(fn, *args, **kw)`` in a worker process, or None
        for in this (heavy-work) thread (settings.heavy_processes = 0)."""
        if not self.settings.heavy_processes:
            return None
        from qualframe.web.heavy_processes import engine_pool

        s = self.settings
        return engine_pool(s.heavy_in_flight, s.heavy_nice, s.retry_after_seconds).call


def qf(request: Request) -> Web:
    """The app's state (settings, store, catalog, cache, templates)."""
    return request.app.state.qf


async def heavy(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run CPU-heavy `fn(*args)` in a worker thread under the app's admission control (503 when busy)."""
    return await qf(request).admission.run(fn, *args)


def snapshot(request: Request, fid: str) -> tuple[views.Snapshot, Urls]:
    """The framework `fid` as the catalog holds it (404 if unknown), with its URL builder."""
    web = qf(request)
    return views.get_snapshot(web.catalog, fid), Urls(fid, web.default_id)


def wants_json(request: Request) -> bool:
    return bool(request.scope.get(JSON_SCOPE_KEY))


def page_lang(request: Request) -> str:
    """The interface language: ?lang=, else the cookie, else the default."""
    return resolve_lang(request.query_params.get("lang"), request.scope.get(LANG_SCOPE_KEY))


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status: int = 200, cacheable: bool = True, request: Request | None = None) -> Response:
    """A compact JSON answer; a successful GET is marked for the response cache."""
    if cacheable and request is not None and status == 200 and request.method in ("GET", "HEAD"):
        mark_cacheable(request)
    return Response(dumps(data), status_code=status, media_type="application/json")


def declared_query(request: Request) -> str:
    """The query string with only the parameters the route declares: what the response cache keys on,
    so a cached page never echoes another client's extra parameters."""
    qs = request.scope.get("query_string", b"")
    return keep_query(qs, declared_query_names(request.scope.get("route"))).decode("latin-1")


def _path_without_lang(request: Request) -> str:
    q = [(k, v) for k, v in parse_qsl(declared_query(request), keep_blank_values=True) if k != "lang"]
    return request.url.path + (f"?{urlencode(q)}" if q else "")


def render(request: Request, template: str, data: dict[str, Any], status: int = 200,
           cacheable: bool = True) -> Response:
    """The page as HTML, or its JSON twin when the request asked for JSON."""
    if wants_json(request):
        return json_response(data, status, cacheable, request)
    web = qf(request)
    lang = page_lang(request)
    html = web.env.get_template(template).render(**template_context(web, request, lang), d=data)
    if cacheable and status == 200 and request.method in ("GET", "HEAD"):
        mark_cacheable(request)
    return auth.finish(request, Response(html.encode("utf-8"), status_code=status,
                                         media_type="text/html; charset=utf-8"))


def template_context(web: Web, request: Request | None, lang: str) -> dict[str, Any]:
    """What every template sees besides its page data `d`."""
    path = request.url.path if request else "/"
    here = _path_without_lang(request) if request else "/"
    json_path = "/index.json" if path == "/" else f"{path}.json"
    query = declared_query(request) if request else ""
    if query:
        json_path += f"?{query}"

    def tt(key: str) -> str:
        return t(key, lang)

    def static(name: str) -> str:
        return f"/static/{name}?v={web.static_versions.get(name, '0')}"

    return {
        "lang": lang,
        "langs": LANGS,
        "lang_names": LANG_NAMES,
        "t": tt,
        "fmt_date": lambda iso: fmt_date(iso, lang),
        "static": static,
        "path": path,
        "here": here,
        "lang_url": lambda to: "/lang?" + urlencode({"to": to, "next": here}),
        "json_url": json_path,
        "version": __version__,
        # who is signed in (header) and the hidden CSRF input for forms; both mark the page private
        "current_user": (lambda: auth.principal(request)) if request else (lambda: None),
        "csrf_field": (lambda: auth.csrf_field(request)) if request else (lambda: ""),
    }


def error_response(request: Request, status: int, message: str, code: str | None = None, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    """An error as JSON (API paths, JSON requests), imsx_StatusInfo (CASE paths) or the HTML error page;
    never cached."""
    if is_case_path(request.url.path):
        resp = Response(imsx_json(status, message), status_code=status, media_type="application/json",
                        headers=headers)
    elif wants_json(request) or request.url.path.startswith("/api/"):
        resp = Response(error_json(status, message, code, details), status_code=status,
                        media_type="application/json", headers=headers)
    else:
        body = html_error_page(qf(request), status, message, page_lang(request))
        resp = Response(body, status_code=status, media_type="text/html; charset=utf-8", headers=headers)
    resp.headers["cache-control"] = "no-store"
    return resp


def html_error_page(web: Web, status: int, message: str, lang: str) -> bytes:
    try:
        ctx = template_context(web, None, lang)
        return web.env.get_template("error.html").render(
            **ctx, status=status, title=TITLES.get(status, "Error"), message=message, d={}).encode("utf-8")
    except Exception:
        log.exception("error page template failed")
        return minimal_error_html(status, message)
