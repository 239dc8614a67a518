"""The app factory: `create_app(settings)` builds the FastAPI app from the route modules in `web/routes`.

Each route module exposes `router` and is included here explicitly (a new resource: add
`web/routes/<resource>.py` and one line in `ROUTERS`). Handlers get what they need through
`qualframe.web.http` (`qf(request)`: settings, store, catalog, response cache, templates); they never
import this module. Precomputed, compressed answers: `qf(request).cache.register` and
`qualframe.web.cache.mark_cacheable(request)` (see qualframe.web.cache).
"""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from qualframe import __version__
from qualframe.store import Store, prepare
from qualframe.web import auth, i18n
from qualframe.web.cache import ResponseCache
from qualframe.web.catalog import Catalog
from qualframe.web.errors import TITLES, ApiError
from qualframe.web.http import BODY_LIMITS, ERRORS, QUERY_LIMITS, Web, error_response, html_error_page
from qualframe.web.i18n import resolve_lang
from qualframe.web.middleware import LANG_SCOPE_KEY, SECURITY_HEADERS, QualframeMiddleware
from qualframe.web.routes import (
    accounts,
    api,
    case,
    catalogue,
    certificate_documents,
    credentials,
    crosswalks,
    exports,
    orgs,
    pages,
    standards,
)
from qualframe.web.settings import Settings
from qualframe.web.startup import FirstResponse, after_first_response

log = logging.getLogger("qualframe.web")
HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain"}


# Every route module, included in this order. `ERRORS` adds the standard error answers to a router that
# does not declare them itself.
ROUTERS: tuple[tuple[APIRouter, dict[int | str, dict[str, Any]] | None], ...] = (
    (api.router, None),
    (pages.router, None),
    (case.router, ERRORS),
    (exports.router, None),
    (crosswalks.router, None),
    (accounts.router, None),
    (accounts.api, None),
    (orgs.router, None),
    (orgs.api, None),
    (standards.router, None),
    (standards.api, None),
    (catalogue.router, None),
    (catalogue.api, None),
    # before credentials: its /register/certificates/{number} would take "{number}.pdf" as a number
    (certificate_documents.router, None),
    (certificate_documents.api, None),
    (credentials.router, None),
    (credentials.api, None),
    (credentials.vcapi, None),
)


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
    cache = ResponseCache(settings.cache_entries, settings.cache_bytes, extra_headers=SECURITY_HEADERS,
                          max_large_bytes=settings.cache_large_bytes)
    catalog = Catalog(store, settings.default_framework, on_invalidate=cache.clear)
    store.on_change(lambda _fid: catalog.refresh())
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    i18n.install(env)  # _(), ngettext(), pgettext() in templates, in each page's language
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
        return error_response(request, exc.status, exc.message, exc.code, exc.details,
                              headers=getattr(exc, "headers", None))  # Retry-After of a 503

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

    for router, extra in ROUTERS:
        app.include_router(router, responses=extra)
    auth.check_routes(app)  # deny by default: every write is guarded or listed as public
    _register_static(cache)

    def refresh() -> None:
        catalog.refresh()

    app.add_middleware(
        QualframeMiddleware, cache=cache, max_query=settings.max_query_bytes, max_path=settings.max_path_bytes,
        max_body=settings.max_body_bytes, refresh=refresh, refresh_seconds=settings.refresh_seconds,
        body_limits=BODY_LIMITS, max_body_hard=settings.max_body_hard_bytes, query_limits=QUERY_LIMITS,
        html_error=lambda status, message, scope: html_error_page(
            web, status, message, resolve_lang(None, scope.get(LANG_SCOPE_KEY))),
    )
    catalog.refresh()
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory qualframe.web.app:app_from_env` (used by `qualframe serve`)."""
    settings = Settings.from_env()
    app = create_app(settings)
    # CPU-heavy work runs in worker threads; a short GIL switch interval lets the event loop (cached
    # reads) take the GIL back within about a millisecond instead of 5 ms per hand-over
    sys.setswitchinterval(settings.gil_switch_seconds)
    app.add_middleware(FirstResponse)  # outermost: deferred start-up work waits for the first answer
    _warm_engines()
    return app


def _warm_engines() -> None:
    """Load the embedding model and build the search/match indexes in the background, after the first answer.

    The first search or match then does not pay for it, and the server answers its first request without
    sharing the CPU with the warm-up (a search that comes before or during the warm-up builds or waits for the
    engines under their own locks).
    """

    def run() -> None:
        try:
            from qualframe.match.engine import warm

            warm()
        except Exception:  # a missing or broken engine shows as 503 on its routes, not here
            log.exception("search/match warm-up failed")

    after_first_response(run, "qualframe-warm")
