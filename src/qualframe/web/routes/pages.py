"""Server-rendered pages. Each returns its data dict as JSON when asked (`.json` or Accept: JSON).

The default framework lives at the site root (/areas/3.1); any framework in the store is reachable
under /frameworks/{id}/... with the same pages.
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from qualframe.model.messages import N_, Text
from qualframe.store.standards import cards_on_row
from qualframe.web import auth, views
from qualframe.web.errors import ApiError
from qualframe.web.http import AsciiInt, heavy, page_lang, qf, render
from qualframe.web.i18n import LANGS
from qualframe.web.views import Urls

router = APIRouter(include_in_schema=False)

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def _ctx(request: Request, fid: str | None) -> tuple[views.Snapshot, Urls, str]:
    web = qf(request)
    framework_id = fid or web.default_id
    snap = views.get_snapshot(web.catalog, framework_id)
    return snap, Urls(framework_id, web.default_id), page_lang(request)


def _both(path: str):
    """Register a GET page at `path` (default framework) and at /frameworks/{fid}`path`."""
    def deco(fn):
        router.add_api_route(path, fn, methods=["GET"])
        router.add_api_route("/frameworks/{fid}" + (path if path != "/" else ""), fn, methods=["GET"])
        return fn
    return deco


@_both("/")
def home(request: Request, fid: str | None = None,
         offset: Annotated[AsciiInt, Query(ge=0, le=10_000_000)] = 0) -> Response:
    snap, urls, lang = _ctx(request, fid)
    return render(request, "home.html", views.home(snap, qf(request).catalog, lang, urls, offset))


@router.get("/frameworks")
def frameworks(request: Request) -> Response:
    web = qf(request)
    data = {"page": "frameworks", "frameworks": [
        {**i.to_dict(), "url": Urls(i.id, web.default_id).home()} for i in web.catalog.infos()]}
    return render(request, "frameworks.html", data)


@_both("/areas/{code}")
def area(request: Request, code: str, fid: str | None = None) -> Response:
    snap, urls, lang = _ctx(request, fid)
    return render(request, "matrix.html", views.matrix(snap, code, lang, urls))


@_both("/areas")
def areas(request: Request, fid: str | None = None) -> Response:
    snap, urls, lang = _ctx(request, fid)
    if not snap.fw.areas:
        raise ApiError(404, Text(N_("framework %(id)s has no areas"), id=repr(snap.fw.id)))
    return render(request, "matrix.html", views.matrix(snap, snap.fw.areas[0].code, lang, urls))


@_both("/levels/{row_id}")
def level(request: Request, row_id: str, fid: str | None = None) -> Response:
    snap, urls, lang = _ctx(request, fid)
    data = views.level(snap, row_id, lang, urls)
    if snap.info.id == qf(request).default_id:  # professional standards are built on the default framework
        data["standard_cards"] = cards_on_row(qf(request).store, row_id)
    return render(request, "level.html", data)


@_both("/compare")
async def compare(request: Request, a: Annotated[str | None, Query(max_length=views.MAX_URL_ID)] = None,
                  b: Annotated[str | None, Query(max_length=views.MAX_URL_ID)] = None,
                  fid: str | None = None) -> Response:
    def run() -> Response:
        snap, urls, lang = _ctx(request, fid)
        return render(request, "compare.html", views.compare(snap, a or None, b or None, lang, urls))

    return await heavy(request, run)


@_both("/errata")
def errata(request: Request, fid: str | None = None) -> Response:
    snap, urls, lang = _ctx(request, fid)
    return render(request, "errata.html", views.errata(snap, lang, urls))


@_both("/source")
def source(request: Request, from_: Annotated[AsciiInt | None, Query(alias="from")] = None,
           to: Annotated[AsciiInt | None, Query()] = None, fid: str | None = None) -> Response:
    snap, urls, lang = _ctx(request, fid)
    return render(request, "source.html", views.source(snap, from_, to, lang, urls))


@router.get("/oked")
def oked(request: Request, code: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    snap, urls, lang = _ctx(request, None)
    return render(request, "oked.html", views.oked(snap, code or None, lang, urls))


@router.get("/search")
async def search(request: Request, q: Annotated[str | None, Query(max_length=views.MAX_QUERY_CHARS)] = None,
                 area: Annotated[str | None, Query(max_length=views.MAX_URL_ID)] = None,
                 column: Annotated[str | None, Query(max_length=20)] = None,
                 limit: Annotated[AsciiInt, Query(ge=1, le=50)] = 20) -> Response:
    if q and q.strip():
        return await heavy(request, _search_page, request, q, area, column, limit)
    return await anyio.to_thread.run_sync(_search_page, request, q, area, column, limit)  # the empty form


def _search_page(request: Request, q: str | None, area: str | None, column: str | None, limit: int) -> Response:
    snap, urls, lang = _ctx(request, None)
    data = {"page": "search", "query": q or "", "area": area or None, "column": column or None, "limit": limit,
            "results": None, "error": None, "areas": [a.code for a in snap.fw.areas],
            "framework": views.framework_brief(snap, lang, urls)}
    if q and q.strip():
        try:
            data.update(views.search(snap, q, "auto", area or None, column or None, limit, lang, urls,
                                     qf(request).compute))
        except ApiError as exc:
            if request.scope.get("qualframe.json") or exc.status == 503:
                raise
            data["error"] = exc.message
            return render(request, "search.html", data, status=exc.status)
    data["areas"] = [a.code for a in snap.fw.areas]
    return render(request, "search.html", data)


def _match_page(request: Request, text: str | None, limit: int) -> Response:
    snap, urls, lang = _ctx(request, None)
    data = {"page": "match", "text": text or "", "limit": limit, "suggestions": None, "error": None,
            "framework": views.framework_brief(snap, lang, urls)}
    if text and text.strip():
        try:
            data.update(views.match(snap, text, limit, lang, urls, qf(request).compute))
        except ApiError as exc:
            if request.scope.get("qualframe.json") or exc.status == 503:
                raise
            data["error"] = exc.message
            return render(request, "match.html", data, status=exc.status, cacheable=False)
    return render(request, "match.html", data, cacheable=request.method == "GET")


@router.get("/match")
async def match_get(request: Request, text: Annotated[str | None, Query(max_length=views.MAX_MATCH_GET_CHARS)] = None,
                    limit: Annotated[AsciiInt, Query(ge=1, le=20)] = 5) -> Response:
    if text and text.strip():
        return await heavy(request, _match_page, request, text, limit)
    return await anyio.to_thread.run_sync(_match_page, request, text, limit)  # the empty form


@router.post("/match", dependencies=[Depends(auth.csrf_protect)])  # public (see PUBLIC_WRITES), CSRF-checked
async def match_post(request: Request, text: Annotated[str, Form(max_length=views.MAX_MATCH_CHARS)] = "",
                     limit: Annotated[AsciiInt, Form(ge=1, le=20)] = 5) -> Response:
    if text and text.strip():
        return await heavy(request, _match_page, request, text, limit)
    return await anyio.to_thread.run_sync(_match_page, request, text, limit)  # the empty form


@router.get("/lang")
def set_lang(to: Annotated[str, Query(max_length=5)], next: Annotated[str, Query(max_length=1000)] = "/") -> Response:
    """Remember the interface language in a cookie and go back where the user was (a local path only)."""
    if to not in LANGS:
        raise ApiError(422, Text(N_("unknown language %(lang)s; choose one of %(langs)s"), lang=repr(to),
                                 langs=", ".join(LANGS)))
    target = next or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target or "\r" in target or "\n" in target:
        target = "/"
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie("qf_lang", to, max_age=LANG_COOKIE_MAX_AGE, path="/", samesite="lax", httponly=True)
    resp.headers["cache-control"] = "no-store"
    return resp


@router.get("/api")
def api_docs(request: Request) -> Response:
    from qualframe.web.apidocs import api_docs_data

    return render(request, "api.html", api_docs_data(request.app, qf(request)))
