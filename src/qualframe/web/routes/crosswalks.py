"""Indicative crosswalks of the levels to EQF, e-CF and SFIA: GET /api/v1/frameworks/{fid}/crosswalks.

With their sources, confidence and caveats; `area` and `level` narrow the table. Cacheable like the
exports (the answer depends only on the store's content).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from qualframe.interop import crosswalk as cx
from qualframe.model.messages import N_, Text
from qualframe.web.cache import mark_cacheable
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, snapshot

router = APIRouter(prefix="/api/v1", tags=["exports"], responses=ERRORS)


@router.get("/frameworks/{fid}/crosswalks", summary="Indicative crosswalks of the levels to EQF, e-CF and SFIA")
def crosswalks(request: Request, fid: Annotated[str, Path(max_length=100)],
               area: Annotated[str | None, Query(max_length=40)] = None,
               level: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    fw = snapshot(request, fid)[0].fw
    if area is not None and area not in {a.code for a in fw.areas}:
        raise ApiError(404, Text(N_("no area %(area)s in framework %(framework)s"), area=repr(area),
                                 framework=repr(fid)))
    data = cx.crosswalk_table(fw, area, level)
    if level is not None and not data["rows"]:
        raise ApiError(404, Text(N_("no level row matches %(level)s"), level=repr(level)))
    mark_cacheable(request)
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), media_type="application/json",
                    headers={"cache-control": "public, max-age=300"})
