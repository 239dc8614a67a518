"""The REST API under /api/v1: an index (GET /api/v1), frameworks, areas, levels, descriptors, errata,
OKED, source, search, match.

Every answer is JSON; every error is {"error": {"status", "code", "message"}}. `lang` selects the
unofficial translation attached to each text (`translation`); the `text` fields are always the
official Kazakh.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response

from qualframe.interop.case import API_PREFIX as CASE_PREFIX
from qualframe.model.messages import N_, Text
from qualframe.web import schemas as s
from qualframe.web import views
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, AsciiInt, heavy, json_response, qf, snapshot
from qualframe.web.views import Urls

API_PREFIX = "/api/v1"
router = APIRouter(prefix=API_PREFIX, responses=ERRORS)

LangQ = Annotated[s.Lang, Query(description="language of the attached unofficial translations")]
FidP = Annotated[str, Path(max_length=100, description="framework id, e.g. kz-ict-sqf-2013")]
# Area codes and row ids as in the answers' `url`s: the code itself, or "~" + a hash when the code is not URL-safe
AreaQ = Annotated[str | None, Query(max_length=views.MAX_URL_ID)]
NqfQ = Annotated[AsciiInt | None, Query(ge=1, le=8)]


def _ok(request: Request, data: Any, cacheable: bool = True) -> Response:
    return json_response(data, 200, cacheable, request)


@router.get("", response_model=s.ApiIndex, summary="Index: the API's resources with links, OpenAPI and docs URLs")
@router.get("/", response_model=s.ApiIndex, include_in_schema=False)
def index(request: Request) -> Response:
    web = qf(request)
    fid = web.default_id
    resources = []
    # Read from the OpenAPI description (built once per app), so a new route is listed without editing this;
    # it also documents the machine interfaces outside /api/v1 (the W3C VC API under /credentials).
    for path, ops in request.app.openapi().get("paths", {}).items():
        href = path.replace("{fid}", fid)
        required = sorted({p["name"] for op in ops.values() for p in op.get("parameters", ())
                           if p.get("in") == "query" and p.get("required")})
        resources.append({"path": path, "href": href, "templated": "{" in href, "required_query": required,
                          "auth": any("security" in op for op in ops.values()),
                          "methods": sorted(m.upper() for m in ops),
                          "summary": " / ".join(dict.fromkeys(op.get("summary", "") for op in ops.values()))})
    return _ok(request, {
        "name": request.app.title, "version": request.app.version, "default_framework": fid,
        "openapi": request.app.openapi_url, "docs": "/api", "case": f"{CASE_PREFIX}/CFDocuments",
        "case_discovery": f"{CASE_PREFIX}/discovery", "resources": resources,
    })


@router.get("/health", response_model=s.Health, summary="Liveness and store status")
def health(request: Request) -> Response:
    web = qf(request)
    data = {"status": "ok", "database": web.store.dialect, "frameworks": len(web.catalog.infos()),
            "cache": web.cache.stats()}
    return _ok(request, data, cacheable=False)


@router.get("/frameworks", response_model=s.FrameworkList, summary="Frameworks in the store")
def list_frameworks(request: Request) -> Response:
    web = qf(request)
    return _ok(request, {"frameworks": [{**i.to_dict(), "url": f"/api/v1/frameworks/{i.id}"}
                                        for i in web.catalog.infos()]})


@router.get("/frameworks/{fid}", response_model=s.FrameworkOut, summary="One framework: legal status, areas, counts")
def get_framework(request: Request, fid: FidP, lang: LangQ = "kk") -> Response:
    snap, urls = snapshot(request, fid)
    brief = views.framework_brief(snap, lang, urls)
    fw = snap.fw
    data = {
        "id": fw.id, "kind": snap.info.kind, "origin": snap.info.origin, "title": brief["title"],
        "title_translation": brief["title_translation"], "status": fw.legal.status, "legal": brief["legal"],
        "counts": {"areas": len(fw.areas), "rows": sum(len(a.levels) for a in fw.areas),
                   "descriptors": len(snap.descriptors), "errata": len(fw.errata)},
        "areas": [views.area_brief(snap, a, lang, urls) for a in fw.areas],
        "content_hash": snap.info.content_hash, "loaded_at": snap.info.loaded_at.isoformat(),
    }
    return _ok(request, data)


@router.get("/frameworks/{fid}/document", summary="The canonical grid JSON (qualframe-grid/1) as loaded",
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}})
def get_document(request: Request, fid: FidP) -> Response:
    web = qf(request)
    views.get_snapshot(web.catalog, fid)
    doc = web.store.framework_document(fid)
    request.scope["qualframe.cacheable"] = True
    return Response(doc.encode("utf-8"), media_type="application/json")


@router.get("/frameworks/{fid}/areas", response_model=s.AreaList, summary="Areas of professional activity")
def list_areas(request: Request, fid: FidP, lang: LangQ = "kk") -> Response:
    snap, urls = snapshot(request, fid)
    return _ok(request, {"framework": fid, "areas": [views.area_brief(snap, a, lang, urls) for a in snap.fw.areas]})


@router.get("/frameworks/{fid}/areas/{code}", response_model=s.AreaFull,
            summary="One area: OKED codes and the level matrix (rows × three columns)")
def get_area(request: Request, fid: FidP, code: Annotated[str, Path(max_length=views.MAX_URL_ID)],
             lang: LangQ = "kk") -> Response:
    snap, urls = snapshot(request, fid)
    m = views.matrix(snap, code, lang, urls)
    return _ok(request, {"framework": fid, "area": m["area"], "oked": m["oked"], "rows": m["rows"],
                         "errata": m["errata"]})


@router.get("/frameworks/{fid}/levels", response_model=s.RowList, summary="Level rows, optionally filtered")
def list_levels(request: Request, fid: FidP, area: AreaQ = None, nqf_level: NqfQ = None) -> Response:
    snap, urls = snapshot(request, fid)
    if area is not None:
        area = views._area(snap, area).code
    rows = [views.row_brief(a, r, urls) for a, r in snap.fw.rows()
            if (area is None or a.code == area) and (nqf_level is None or r.nqf_level == nqf_level)]
    return _ok(request, {"framework": fid, "count": len(rows), "levels": rows})


@router.get("/frameworks/{fid}/levels/{row_id}", response_model=s.RowFull,
            summary="One level row with its descriptors and their source lines")
def get_level(request: Request, fid: FidP, row_id: Annotated[str, Path(max_length=views.MAX_URL_ID)],
              lang: LangQ = "kk") -> Response:
    snap, urls = snapshot(request, fid)
    a, r = views._row(snap, row_id)
    return _ok(request, views.row_full(snap, a, r, lang, urls))


def _descriptor_with_row(snap: views.Snapshot, a: Any, r: Any, d: Any, lang: str, urls: Urls) -> dict[str, Any]:
    out = views.descriptor_dict(snap, d, lang, urls)
    out.update({"area": a.code, "row_id": r.id, "nqf_level": r.nqf_level, "sqf_level": r.sqf_level,
                "level_url": urls.level(r.id)})
    return out


@router.get("/frameworks/{fid}/descriptors", response_model=s.DescriptorList, summary="Descriptors, filtered")
def list_descriptors(request: Request, fid: FidP, area: AreaQ = None,
                     column: Annotated[s.ColumnName | None, Query()] = None,
                     nqf_level: NqfQ = None, lang: LangQ = "kk") -> Response:
    snap, urls = snapshot(request, fid)
    if area is not None:
        area = views._area(snap, area).code
    out = [_descriptor_with_row(snap, a, r, d, lang, urls) for a, r, d in snap.descriptors.values()
           if (area is None or a.code == area) and (column is None or d.column == column)
           and (nqf_level is None or r.nqf_level == nqf_level)]
    return _ok(request, {"framework": fid, "count": len(out), "descriptors": out})


@router.get("/frameworks/{fid}/descriptors/{descriptor_id}", response_model=s.DescriptorWithRow,
            summary="One descriptor, citable by id")
def get_descriptor(request: Request, fid: FidP, descriptor_id: Annotated[str, Path(max_length=views.MAX_URL_ID)],
                   lang: LangQ = "kk") -> Response:
    snap, urls = snapshot(request, fid)
    hit = views.find_descriptor(snap, descriptor_id)
    if hit is None:
        raise ApiError(404, Text(N_("no descriptor %(id)s in framework %(framework)s (ids look like 3.1-07-c1)"),
                                 id=repr(descriptor_id), framework=repr(fid)))
    return _ok(request, _descriptor_with_row(snap, *hit, lang, urls))


@router.get("/frameworks/{fid}/compare", response_model=s.CompareOut,
            summary="Two level rows side by side: what changes from a to b")
async def compare(request: Request, fid: FidP,
                  a: Annotated[str, Query(max_length=views.MAX_URL_ID, description="row id, e.g. 3.1-06")],
                  b: Annotated[str, Query(max_length=views.MAX_URL_ID, description="row id, e.g. 3.1-07")],
                  lang: LangQ = "kk") -> Response:
    def run() -> Response:
        snap, urls = snapshot(request, fid)
        data = views.compare(snap, a, b, lang, urls)
        return _ok(request, {"framework": fid, "a": data["a"], "b": data["b"], "columns": data["columns"],
                             "summary": data["summary"]})

    return await heavy(request, run)


@router.get("/frameworks/{fid}/errata", response_model=s.ErrataList, summary="Anomalies of the source text")
def list_errata(request: Request, fid: FidP) -> Response:
    snap, urls = snapshot(request, fid)
    return _ok(request, {"framework": fid, "errata": views.errata(snap, "kk", urls)["errata"]})


@router.get("/frameworks/{fid}/oked", response_model=s.OkedList, summary="OKED codes printed in the annexes")
def list_oked(request: Request, fid: FidP, lang: LangQ = "kk") -> Response:
    snap, urls = snapshot(request, fid)
    return _ok(request, {"framework": fid, "codes": views.oked(snap, None, lang, urls)["codes"]})


@router.get("/frameworks/{fid}/oked/{code}", response_model=s.OkedLookupOut,
            summary="Which areas an OKED code belongs to (with errata that bear on the answer)")
def lookup_oked(request: Request, fid: FidP, code: Annotated[str, Path(max_length=40, description="e.g. 62.01")]
                ) -> Response:
    snap, urls = snapshot(request, fid)
    res = views.oked(snap, code, "kk", urls)["result"]
    return _ok(request, {"framework": fid, **res})


@router.get("/frameworks/{fid}/source", response_model=s.SourceOut,
            summary="Lines of the source text (all, or from..to)")
def get_source(request: Request, fid: FidP, from_: Annotated[AsciiInt | None, Query(alias="from", ge=1)] = None,
               to: Annotated[AsciiInt | None, Query(ge=1)] = None) -> Response:
    snap, urls = snapshot(request, fid)
    data = views.source(snap, from_, to, "kk", urls, all_lines=False)
    data.pop("page")
    fw = data.pop("framework")
    return _ok(request, {"framework": fw["id"], **data})


@router.get("/search", response_model=s.SearchOut, summary="Full-text search over the descriptors (kk, ru, en)")
async def search(request: Request, q: Annotated[str, Query(min_length=1, max_length=views.MAX_QUERY_CHARS)],
                 lang: Annotated[s.Lang | None, Query(description="query language; omitted: detected")] = None,
                 area: AreaQ = None,
                 column: Annotated[s.ColumnName | None, Query()] = None,
                 limit: Annotated[AsciiInt, Query(ge=1, le=50)] = 10) -> Response:
    def run() -> Response:
        web = qf(request)
        snap, urls = snapshot(request, web.default_id)
        data = views.search(snap, q, lang or "auto", area, column, limit, lang or "kk", urls, web.compute)
        data.pop("page")
        return _ok(request, data)

    return await heavy(request, run)


async def _match(request: Request, text: str, limit: int, cacheable: bool) -> Response:
    def run() -> Response:
        web = qf(request)
        snap, urls = snapshot(request, web.default_id)
        data = views.match(snap, text, limit, "kk", urls, web.compute)
        data.pop("page")
        return _ok(request, data, cacheable)

    return await heavy(request, run)


@router.get("/match", response_model=s.MatchOut, summary="Suggest levels for a job (short text in the URL)")
async def match_get(request: Request, text: Annotated[str, Query(min_length=1, max_length=views.MAX_MATCH_GET_CHARS)],
                    limit: Annotated[AsciiInt, Query(ge=1, le=20)] = 5) -> Response:
    return await _match(request, text, limit, True)


@router.post("/match", response_model=s.MatchOut,
             summary="Suggest levels for a job description, with the evidence behind each suggestion")
async def match_post(request: Request, body: Annotated[s.MatchIn, Body()]) -> Response:
    return await _match(request, body.text, body.limit, False)

