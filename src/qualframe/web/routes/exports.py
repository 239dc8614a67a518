"""Downloads of a framework: GET /api/v1/frameworks/{fid}/exports/{fmt}.

fmt is csv, xlsx, skos (JSON-LD), case (CFPackage) or grid (the canonical grid JSON), served as a
download (Content-Disposition: attachment). Answers depend only on the store's content, so they are
marked cacheable: the app keeps them precomputed and gzip-compressed, with ETag/Last-Modified and 304.
Building one is CPU-heavy (a 20,000-item package is 17 MB): it runs in a worker thread under
admission control, and an imported package comes from the shared CASE index (parsed once per store
state) rather than from parsing every stored package.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from qualframe.interop.case import build_package, dumps
from qualframe.interop.common import base_url
from qualframe.interop.skos import dumps_skos
from qualframe.interop.tables import to_csv, to_xlsx
from qualframe.model.messages import N_, Text
from qualframe.store.case import KIND
from qualframe.web.cache import mark_cacheable
from qualframe.web.caseindex import INDEX
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, heavy, qf, snapshot

router = APIRouter(prefix="/api/v1", tags=["exports"], responses=ERRORS)

FORMATS: dict[str, tuple[str, str]] = {  # fmt → (media type, file suffix)
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "skos": ("application/ld+json", ".skos.jsonld"),
    "case": ("application/json", ".case.json"),
    "grid": ("application/json", ".grid.json"),
}


def export_bytes(request: Request, fid: str, fmt: str) -> bytes:
    """The export of framework `fid` in `fmt`, from the framework as the store holds it."""
    snap, _ = snapshot(request, fid)
    fw = snap.fw
    if fmt == "csv":
        return to_csv(fw).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(fw)
    if fmt == "skos":
        return dumps_skos(fw).encode("utf-8")
    if fmt == "grid":
        return qf(request).store.framework_document(fid).encode("utf-8")
    if snap.info.kind == KIND:
        pkg = INDEX.get(qf(request)).imported.get(fid)
        if pkg is None:
            raise ApiError(404, Text(N_("framework %(id)s has no stored CASE package"), id=repr(fid)))
        return dumps(pkg).encode("utf-8")
    return dumps(build_package(fw, base_url())).encode("utf-8")


@router.get("/frameworks/{fid}/exports/{fmt}", summary="Download the framework: csv, xlsx, skos, case or grid",
            response_class=Response)
async def download(request: Request, fid: Annotated[str, Path(max_length=100)],
                   fmt: Annotated[str, Path(max_length=10, description="csv, xlsx, skos, case or grid")]) -> Response:
    if fmt not in FORMATS:
        raise ApiError(404, Text(N_("no export format %(format)s; formats: %(formats)s"), format=repr(fmt),
                                 formats=", ".join(FORMATS)))
    media, suffix = FORMATS[fmt]
    body = await heavy(request, export_bytes, request, fid, fmt)
    mark_cacheable(request)
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{fid}{suffix}"',
        "cache-control": "public, max-age=300",
    })
