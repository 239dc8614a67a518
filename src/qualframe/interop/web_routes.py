"""Web routes for the exports and crosswalks: downloads and a crosswalk API next to the app's /api/v1.

Included by the app factory like case_routes (Settings.router_modules). Answers depend only on the
store's content, so they are marked cacheable: the app keeps them precomputed and gzip-compressed,
with ETag/Last-Modified and 304.

- GET /api/v1/frameworks/{fid}/exports/{fmt}: fmt is csv, xlsx, skos (JSON-LD), case (CFPackage) or
  grid (the canonical grid JSON); served as a download (Content-Disposition: attachment);
- GET /api/v1/frameworks/{fid}/crosswalks[?area=&level=]: the indicative crosswalks to EQF, e-CF and
  SFIA with their sources, confidence and caveats.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from qualframe.interop import crosswalk as cx
from qualframe.web.api import ERRORS

# The app's error responses (404, 422, 500... as ErrorResponse), so /api/v1/openapi.json documents them.
router = APIRouter(prefix="/api/v1", tags=["exports"], responses=ERRORS)

FORMATS: dict[str, tuple[str, str]] = {  # fmt → (media type, file suffix)
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "skos": ("application/ld+json", ".skos.jsonld"),
    "case": ("application/json", ".case.json"),
    "grid": ("application/json", ".grid.json"),
}


def _web(request: Request) -> Any:
    return request.app.state.qf


def _snapshot(request: Request, fid: str) -> Any:
    from qualframe.web.views import get_snapshot

    return get_snapshot(_web(request).catalog, fid)


def export_bytes(request: Request, fid: str, fmt: str) -> bytes:
    """The export of framework `fid` in `fmt`, from the framework as the store holds it."""
    from qualframe.interop.case import build_package, dumps
    from qualframe.interop.common import base_url
    from qualframe.interop.skos import dumps_skos
    from qualframe.interop.tables import to_csv, to_xlsx

    snap = _snapshot(request, fid)
    fw = snap.fw
    if fmt == "csv":
        return to_csv(fw).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(fw)
    if fmt == "skos":
        return dumps_skos(fw).encode("utf-8")
    if fmt == "grid":
        return _web(request).store.framework_document(fid).encode("utf-8")
    from qualframe.interop.case_store import KIND, stored_packages

    if snap.info.kind == KIND:
        return dumps(stored_packages(_web(request).store)[fid]).encode("utf-8")
    return dumps(build_package(fw, base_url())).encode("utf-8")


@router.get("/frameworks/{fid}/exports/{fmt}", summary="Download the framework: csv, xlsx, skos, case or grid",
            response_class=Response)
def download(request: Request, fid: Annotated[str, Path(max_length=100)],
             fmt: Annotated[str, Path(max_length=10, description="csv, xlsx, skos, case or grid")]) -> Response:
    from qualframe.web.cache import mark_cacheable
    from qualframe.web.errors import ApiError

    if fmt not in FORMATS:
        raise ApiError(404, f"no export format {fmt!r}; formats: {', '.join(FORMATS)}")
    media, suffix = FORMATS[fmt]
    body = export_bytes(request, fid, fmt)
    mark_cacheable(request)
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{fid}{suffix}"',
        "cache-control": "public, max-age=300",
    })


@router.get("/frameworks/{fid}/crosswalks", summary="Indicative crosswalks of the levels to EQF, e-CF and SFIA")
def crosswalks(request: Request, fid: Annotated[str, Path(max_length=100)],
               area: Annotated[str | None, Query(max_length=40)] = None,
               level: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    import json

    from qualframe.web.cache import mark_cacheable
    from qualframe.web.errors import ApiError

    fw = _snapshot(request, fid).fw
    if area is not None and area not in {a.code for a in fw.areas}:
        raise ApiError(404, f"no area {area!r} in framework {fid!r}")
    data = cx.crosswalk_table(fw, area, level)
    if level is not None and not data["rows"]:
        raise ApiError(404, f"no level row matches {level!r}")
    mark_cacheable(request)
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), media_type="application/json",
                    headers={"cache-control": "public, max-age=300"})
