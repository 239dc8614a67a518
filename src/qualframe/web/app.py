"""The app factory: `create_app(settings)` builds the FastAPI app from the route modules in `web/routes`.

Each route module exposes `router` and is included here explicitly (a new resource: add
`web/routes/<resource>.py` and one line in `ROUTERS`). Handlers get what they need through
`qualframe.web.http` (`qf(request)`: settings, store, catalog, response cache, templates); they never
import this module. Precomputed, compressed answers: `qf(request).cache.register` and
`qualframe.web.cache.mark_cacheable(request)` (see qualframe.web.cache).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, select_autoescape
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, get_route_path
from starlette.types import Receive, Scope, Send

from qualframe import __version__
from qualframe.store import Store, prepare
from qualframe.web import auth, i18n
from qualframe.web.cache import ResponseCache
from qualframe.web.catalog import Catalog
from qualframe.web.errors import TITLES, ApiError
from qualframe.web.http import BODY_LIMITS, ERRORS, QUERY_LIMITS, Web, error_response, html_error_page
from qualframe.web.i18n import resolve_lang
from qualframe.web.middleware import LANG_SCOPE_KEY, SECURITY_HEADERS, QualframeMiddleware
from qualframe.web.settings import Settings
from qualframe.web.startup import FirstResponse, after_first_response

log = logging.getLogger("qualframe.web")
HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain"}


Responses = dict[int | str, dict[str, Any]]


class Include(NamedTuple):
    """A `ROUTERS` entry: the router ("module.attribute" in web/routes), the standard error answers (`ERRORS`)
    for a router that does not declare them itself, and the router's prefix if it has one (`under`: requests
    for other paths pass it by without building it; tests/test_startup_imports.py checks it)."""

    router: str | APIRouter
    responses: Responses | None = None
    under: str = ""


# Every router of web/routes, included in this order. A router is imported and built when a request first
# reaches its place in the order (routes are tried in order), for the OpenAPI document, and in `qualframe
# serve` right after the first answer: building all of them at start-up (FastAPI's signature analysis and
# pydantic adapters for ~190 routes) cost ~1 s of CPU before the first answer (issue 8). (An APIRouter object
# in place of a name is included with the app.)
ROUTERS: tuple[Include, ...] = (
    Include("api.router", under="/api/v1"),
    Include("pages.router"),
    Include("case.router", ERRORS, under="/ims/case/v1p1"),
    Include("exports.router", under="/api/v1"),
    Include("crosswalks.router", under="/api/v1"),
    Include("accounts.router"),
    Include("accounts.api", under="/api/v1"),
    Include("orgs.router"),
    Include("orgs.api", under="/api/v1"),
    Include("standards.router"),
    Include("standards.api", under="/api/v1/standards"),
    Include("catalogue.router"),
    Include("catalogue.api", under="/api/v1"),
    Include("assessment_requests.router"),  # a self-assessment handed to a recognition centre
    Include("assessment_requests.api", under="/api/v1"),
    # before credentials: its /register/certificates/{number} would take "{number}.pdf" as a number
    Include("certificate_documents.router"),
    Include("certificate_documents.api", under="/api/v1"),
    Include("assessments.router"),  # the centre's pages under /orgs/{slug}/assessments and /certificates
    Include("credentials.router"),
    Include("credentials.api", under="/api/v1"),
    Include("credentials.vcapi"),
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


def _template_cache(env: Environment) -> FileSystemBytecodeCache | None:
    """Compiled templates kept between starts, in Jinja's per-user cache directory: the first page of a new
    process then loads its templates instead of compiling them (~0.06 s). Jinja checks each against its source
    and the Python version; the file names carry the options and extensions that shape the compiled code."""
    shape = repr((jinja2.__version__, sorted(env.extensions), env.trim_blocks, env.lstrip_blocks,
                  env.keep_trailing_newline, env.newline_sequence, env.block_start_string, env.variable_start_string,
                  env.comment_start_string, env.line_statement_prefix, env.line_comment_prefix, env.optimized,
                  getattr(env, "newstyle_gettext", None), env.autoescape("page.html")
                  if callable(env.autoescape) else env.autoescape))
    directory = i18n.cache_dir()  # the per-user cache the compiled catalogs use too
    if directory is None:  # no private temporary directory to keep it in: compile on each start
        return None
    return FileSystemBytecodeCache(str(directory), f"qualframe-{hashlib.sha256(shape.encode()).hexdigest()[:16]}-%s")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Server shutdown stops the engine worker processes (web/heavy_processes.py), if any were started."""
    yield
    if "qualframe.web.heavy_processes" in sys.modules:
        from qualframe.web.heavy_processes import shutdown_all

        shutdown_all()


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
    env.bytecode_cache = _template_cache(env)
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
        lifespan=_lifespan,
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

    lock = threading.RLock()
    for entry in ROUTERS:
        router, extra, under = Include(*entry)
        if isinstance(router, str):
            app.router.routes.append(LazyRouter(app, router, extra, under, lock))
        else:
            app.include_router(router, responses=extra)
            _prefilter(app.router.routes[-1], router)
    auth.check_routes(app)  # deny by default: every write is guarded or listed as public (lazy ones when built)
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        build_routes(app)  # the document lists every route
        return default_openapi()

    app.openapi = openapi  # type: ignore[method-assign]
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
    _build_routes_later(app)
    _warm_engines()
    if settings.heavy_processes:  # the engine workers start (and warm up) after the first answer too
        from qualframe.web.heavy_processes import engine_pool

        pool = engine_pool(settings.heavy_in_flight, settings.heavy_nice, settings.retry_after_seconds)
        after_first_response(pool.prestart, "qualframe-engine-workers")
    return app


def resolve_router(name: str) -> APIRouter:
    """The router of a `ROUTERS` name ("module.attribute" in qualframe.web.routes), importing its module."""
    module, _, attr = name.rpartition(".")
    router = getattr(importlib.import_module(f"qualframe.web.routes.{module}"), attr, None)
    if not isinstance(router, APIRouter):
        raise LookupError(f"ROUTERS names {name!r}, but qualframe.web.routes.{module} has no APIRouter {attr!r}")
    return router


class LazyRouter(BaseRoute):
    """A `ROUTERS` entry not built yet. It holds the router's place in the app's routes; the first request that
    reaches it (or `build_routes`) imports the router, includes it at this place once its write routes pass
    `auth.check_routes`, and hands the request on."""

    def __init__(self, app: FastAPI, name: str, responses: Responses | None, under: str,
                 lock: threading.RLock) -> None:
        self.app = app
        self.name = name
        self.responses = responses
        self.under = under
        self._lock = lock  # one per app: builds take turns, and a request waits for one in progress
        self._built: BaseRoute | None = None

    def __repr__(self) -> str:
        return f"LazyRouter({self.name!r}, built={self._built is not None})"

    def build(self) -> BaseRoute:
        """Include the router in the app in place of this placeholder (once) and return its route."""
        built = self._built
        if built is not None:
            return built
        with self._lock:
            if self._built is None:
                self._built = _include_in_place(self.app, self, resolve_router(self.name), self.responses)
            return self._built

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.under and not get_route_path(scope).startswith(self.under):
            return Match.NONE, {}
        return self.build().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.build().handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return self.build().url_path_for(name, **path_params)


def _include_in_place(app: FastAPI, placeholder: LazyRouter, router: APIRouter,
                      responses: Responses | None) -> BaseRoute:
    """`app.include_router(router)`, with the result moved to the placeholder's position (routes are tried in
    order). Requests iterating the old list of routes meanwhile reach the placeholder, which waits for this."""
    routes = app.router.routes
    app.router.routes = list(routes)  # include_router appends: to a copy, so nothing is served out of order
    app.include_router(router, responses=responses)
    included = app.router.routes[-1]
    try:
        auth.check_routes(app)  # deny by default, as for the routers included with the app
    except Exception:
        app.router.routes = routes  # not served: the requests that reach the placeholder fail with 500
        raise
    app.router.routes = [included if r is placeholder else r for r in routes]
    _prefilter(included, router)
    return included


def _literal_prefix(path: str) -> str:
    return path.split("{", 1)[0]


def _prefilter(included: BaseRoute, router: APIRouter) -> None:
    """Let an included router refuse, with one `str.startswith`, a path that none of its routes can match.

    FastAPI tries each route's regular expression in turn, and requests reach the last routers only after
    the earlier ones have tried all of theirs: with ~190 routes that was most of a register look-up's CPU
    (issue 11). A route's path up to its first parameter is a literal prefix of every path it matches, so a
    path starting with none of them cannot match (not even partially, for a 405) any of the router's routes.
    """
    prefixes = tuple({_literal_prefix(getattr(r, "path", "")) for r in router.routes})  # paths carry the prefix
    if not prefixes or any(not getattr(r, "path", "") for r in router.routes):
        return  # a route without a path (a mount): try the router as FastAPI does
    full = included.matches

    def matches(scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not get_route_path(scope).startswith(prefixes):
            return Match.NONE, {}
        return full(scope)

    included.matches = matches  # type: ignore[method-assign]


def build_routes(app: FastAPI) -> None:
    """Build every router of the app that is not built yet (the OpenAPI document and route walks need all)."""
    for route in list(app.router.routes):
        if isinstance(route, LazyRouter):
            route.build()


def _build_routes_later(app: FastAPI) -> None:
    """Build the routers that the first requests did not need right after the first answer, so that later
    requests do not wait for it; then freeze the heap (`freeze_heap`: the collector's full passes skip the
    start-up objects: framework, snapshot, app and all its routes). Before the first answer, its full
    collection cost ~0.1 s."""

    def run() -> None:
        from qualframe.web.admission import freeze_heap

        try:
            build_routes(app)
        except Exception:  # its requests answer 500 with the same error until fixed
            log.exception("building the routes failed")
        freeze_heap()

    after_first_response(run, "qualframe-routes")


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
