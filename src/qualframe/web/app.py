"""The app factory: `create_app(settings)` builds the FastAPI app for the pages, the API and extras.

Other engineers plug in through:
* `Settings.router_modules`: each module that imports is asked for `router` (an APIRouter), included
  as is (default: qualframe.interop.case_routes);
* `app.state.qf.cache` (`ResponseCache.register`) and `qualframe.web.cache.mark_cacheable(request)`
  for precomputed, compressed answers (see qualframe.web.cache).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from qualframe import __version__
from qualframe.store import Store, prepare
from qualframe.web.cache import ResponseCache, mark_cacheable
from qualframe.web.catalog import Catalog
from qualframe.web.errors import TITLES, ApiError, error_json, minimal_error_html
from qualframe.web.i18n import LANG_NAMES, LANGS, fmt_date, resolve_lang, t
from qualframe.web.middleware import JSON_SCOPE_KEY, LANG_SCOPE_KEY, SECURITY_HEADERS, QualframeMiddleware
from qualframe.web.settings import Settings

log = logging.getLogger("qualframe.web")
HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain"}


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
    return request.app.state.qf


def wants_json(request: Request) -> bool:
    return bool(request.scope.get(JSON_SCOPE_KEY))


def page_lang(request: Request) -> str:
    return resolve_lang(request.query_params.get("lang"), request.scope.get(LANG_SCOPE_KEY))


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status: int = 200, cacheable: bool = True, request: Request | None = None) -> Response:
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
    return Response(html.encode("utf-8"), status_code=status, media_type="text/html; charset=utf-8")


def template_context(web: Web, request: Request | None, lang: str) -> dict[str, Any]:
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
    }


def error_response(request: Request, status: int, message: str, code: str | None = None, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
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


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors()[:20]:
        out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))[:300],
                    "type": str(e.get("type", ""))})
    return out


def _validation_message(details: list[dict[str, Any]]) -> str:
    if not details:
        return "invalid request"
    first = details[0]
    where = ".".join(x for x in first["loc"] if x not in ("query", "path", "body")) or "request"
    return f"{where}: {first['msg']}" + (f" (and {len(details) - 1} more)" if len(details) > 1 else "")


def _static_versions() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in STATIC_DIR.iterdir() if p.is_file()}


def _register_static(cache: ResponseCache) -> None:
    for p in STATIC_DIR.iterdir():
        if p.is_file() and p.suffix in STATIC_TYPES:
            cache.register(f"/static/{p.name}", (lambda path=p: path.read_bytes()), STATIC_TYPES[p.suffix],
                           cache_control="public, max-age=86400")


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app. With `settings.prepare`, the database is migrated and the shipped framework loaded."""
    settings = settings or Settings.from_env()
    store = store or Store(settings.database_url)
    if settings.prepare:
        prepare(store)
    cache = ResponseCache(settings.cache_entries, settings.cache_bytes, extra_headers=SECURITY_HEADERS)
    catalog = Catalog(store, settings.default_framework, on_invalidate=cache.clear)
    store.on_change(lambda _fid: catalog.refresh())
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    web = Web(settings, store, catalog, cache, env, _static_versions())

    app = FastAPI(
        title="qualframe API",
        version=__version__,
        description=(
            "Kazakhstan's ICT Sectoral Qualification Framework (order No. 769 of 30 September 2013, repealed "
            "by order No. 629 of 28 May 2015) as citable data. Only the Kazakh text is official; Russian and "
            "English texts are unofficial translations and are labelled so. Errors are JSON: "
            '{"error": {"status", "code", "message"}}.'
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.qf = web

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.message, exc.code, exc.details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page or resource at {request.url.path[:200]}"
        elif exc.status_code == 405:
            message = f"method {request.method} not allowed on {request.url.path[:200]}"
        return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = _validation_details(exc)
        return error_response(request, 422, _validation_message(details), "invalid_request", details)

    from qualframe.web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    for name in settings.router_modules:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        router = getattr(mod, "router", None)
        if router is not None:
            # every error goes through the handlers above, so the standard error answers apply here too
            app.include_router(router, responses=api.ERRORS)
    _register_static(cache)

    def refresh() -> None:
        catalog.refresh()

    app.add_middleware(
        QualframeMiddleware, cache=cache, max_query=settings.max_query_bytes, max_path=settings.max_path_bytes,
        max_body=settings.max_body_bytes, refresh=refresh, refresh_seconds=settings.refresh_seconds,
        html_error=lambda status, message, scope: html_error_page(
            web, status, message, resolve_lang(None, scope.get(LANG_SCOPE_KEY))),
    )
    catalog.refresh()
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory qualframe.web.app:app_from_env` (used by `qualframe serve`)."""
    app = create_app(Settings.from_env())
    _warm_engines()
    return app


def _warm_engines() -> None:
    """Load the embedding model and build the search/match indexes in the background.

    The first search or match then does not pay for it, and the server still answers its first request
    at once (the engines' own locks make a request that arrives meanwhile wait for the warm-up).
    """
    import threading

    def run() -> None:
        try:
            from qualframe.match.engine import warm

            warm()
        except Exception:  # a missing or broken engine shows as 503 on its routes, not here
            log.exception("search/match warm-up failed")

    threading.Thread(target=run, name="qualframe-warm", daemon=True).start()
