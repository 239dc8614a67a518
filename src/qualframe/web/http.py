"""Request helpers every route module uses: the app's state, JSON and HTML answers, errors.

Routes import this module, never `qualframe.web.app`; the app factory imports the routes. So the
imports run one way (app → routes → http → catalog/views/i18n/...), which import-linter checks.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment

from qualframe import __version__
from qualframe.store import Store
from qualframe.web import auth, views
from qualframe.web.cache import ResponseCache, mark_cacheable
from qualframe.web.catalog import Catalog
from qualframe.web.errors import TITLES, error_json, minimal_error_html
from qualframe.web.i18n import LANG_NAMES, LANGS, fmt_date, resolve_lang, t
from qualframe.web.middleware import JSON_SCOPE_KEY, LANG_SCOPE_KEY
from qualframe.web.schemas import ErrorResponse
from qualframe.web.settings import Settings
from qualframe.web.views import Urls

log = logging.getLogger("qualframe.web")

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
        (503, "A component (search or match engine) is not available"),
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

    @property
    def default_id(self) -> str:
        return self.settings.default_framework


def qf(request: Request) -> Web:
    """The app's state (settings, store, catalog, cache, templates)."""
    return request.app.state.qf


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


def _path_without_lang(request: Request) -> str:
    q = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
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
    if request and request.url.query:
        json_path += f"?{request.url.query}"

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
    """An error as JSON (API paths, JSON requests) or as the HTML error page; never cached."""
    if wants_json(request) or request.url.path.startswith("/api/"):
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
