"""CASE v1.1 provider: the REST endpoints of 1EdTech CASE under /ims/case/v1p1, plus service discovery.

Every framework in the store is served: the shipped one built from the domain model, CASE imports as
they were imported. Answers are computed once per store state (`CaseIndex`), then kept by the app's
response cache (`mark_cacheable`), which serves them precompressed with a strong ETag, Last-Modified
and 304 on a matching If-None-Match / If-Modified-Since, without reaching this router.

Behaviour per the REST binding:
- errors are imsx_StatusInfo bodies; an unknown or malformed UUID answers 404 (codeMinor
  "unknownobject" / "invalid_uuid"), bad query parameters 400 ("invalid_selection_field",
  "invalid_sort_field");
- GET /CFDocuments takes limit, offset, sort, orderBy, filter and fields, answers X-Total-Count and a
  Link header (first/prev/next/last). `fields` always keeps the fields CASE requires, so the answer
  still validates; a selection that matches nothing is a 404 (a CFDocumentSet must not be empty);
- the discovery document (OpenAPI 3.0) is generated from these routes and qualframe's own schema table.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from qualframe import __version__
from qualframe.interop.case import API_PREFIX
from qualframe.interop.case_spec import CLASSES, dtype, openapi_components
from qualframe.interop.common import base_url
from qualframe.web.cache import mark_cacheable, raw_query
from qualframe.web.caseindex import INDEX, CaseIndex, compact
from qualframe.web.http import heavy
from qualframe.web.imsx import status_info

router = APIRouter(prefix=API_PREFIX, include_in_schema=False)

JSON_TYPE = "application/json"
DISCOVERY_FILE = "imscasev1p1_openapi3_v1p0.json"
_INT_RE = re.compile(r"-?[0-9]{1,9}")
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


_dumps = compact


async def _index(request: Request) -> CaseIndex:
    """The CASE index of the store's current state; (re)built in a worker thread under admission control."""
    web = getattr(request.app.state, "qf", None)
    idx = INDEX.current(web)
    if idx is not None:
        return idx
    if web is None:
        return await anyio.to_thread.run_sync(INDEX.get, web)
    return await heavy(request, INDEX.get, web)


# --- responses --------------------------------------------------------------------------------------


def _error(status: int, description: str, minor: str, field_name: str = "sourcedId",
           headers: dict[str, str] | None = None) -> Response:
    h = {"cache-control": "no-store", **(headers or {})}
    return Response(_dumps(status_info(description, minor, field_name)), status_code=status, media_type=JSON_TYPE,
                    headers=h)


def _ok(request: Request, body: bytes, headers: dict[str, str] | None = None) -> Response:
    mark_cacheable(request)
    return Response(body, media_type=JSON_TYPE, headers={"cache-control": "public, max-age=300", **(headers or {})})


async def _lookup(request: Request, sourced_id: str, kinds: tuple[str, ...], what: str) -> Any:
    """(kind, object, doc id) for an identifier of one of `kinds`, or an error Response."""
    if not _UUID_RE.fullmatch(sourced_id):
        return _error(404, f"Invalid UUID: {sourced_id[:80]!r} is not a lower-case RFC 4122 UUID", "invalid_uuid")
    hit = (await _index(request)).objects.get(sourced_id)
    if hit is None or hit[0] not in kinds:
        return _error(404, f"Unknown Object: no {what} with identifier {sourced_id}", "unknownobject")
    return hit


# --- the endpoints ------------------------------------------------------------------------------------

DOC_SORT_FIELDS = tuple(f for f, t in CLASSES["CFDocument"][0].items()
                        if t in ("string", "uri", "uuid", "date", "date-time", "caseVersion"))
DOC_FIELDS = tuple(CLASSES["CFDocument"][0])
DOC_REQUIRED = CLASSES["CFDocument"][1]
_FILTER_RE = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*")


def _parse_filter(expr: str) -> tuple[str, list[tuple[str, str, str]]] | str:
    """1EdTech filter syntax: field op 'value' joined by AND or by OR; a string is an error message."""
    has_and, has_or = " AND " in expr, " OR " in expr
    if has_and and has_or:
        return "a filter may use AND or OR, not both"
    logic = "OR" if has_or else "AND"
    clauses = []
    for part in expr.split(f" {logic} "):
        m = _FILTER_RE.fullmatch(part)
        if not m:
            return f"cannot read filter clause {part.strip()[:80]!r} (expected field op 'value')"
        if m.group(1) not in DOC_FIELDS:
            return f"unknown filter field {m.group(1)!r}"
        clauses.append((m.group(1), m.group(2), m.group(3).replace("''", "'")))
    return logic, clauses


def _match(doc: dict[str, Any], clause: tuple[str, str, str]) -> bool:
    name, op, value = clause
    v = doc.get(name)
    if v is None:
        return op == "!="
    if isinstance(v, list):
        vals = [x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in v]
    elif isinstance(v, dict):
        vals = [json.dumps(v, ensure_ascii=False)]
    else:
        vals = [str(v)]
    if op == "~":
        return any(value.lower() in x.lower() for x in vals)
    if op == "=":
        return any(x.lower() == value.lower() for x in vals)
    if op == "!=":
        return all(x.lower() != value.lower() for x in vals)
    cmp = {">": lambda a: a > value, ">=": lambda a: a >= value, "<": lambda a: a < value,
           "<=": lambda a: a <= value}[op]
    return any(cmp(x) for x in vals)


@router.get("/CFDocuments")
@raw_query  # validates its query itself (unknown parameters are a 400): the whole query keys the cache
async def get_all_cf_documents(request: Request) -> Response:
    """getAllCFDocuments: the frameworks this provider serves."""
    q = request.query_params
    known = {"limit", "offset", "sort", "orderBy", "filter", "fields"}
    unknown = sorted(set(q) - known)
    if unknown:
        return _error(400, f"unknown query parameter {unknown[0]!r}; known: {', '.join(sorted(known))}",
                      "invalid_selection_field", unknown[0])
    for name in ("limit", "offset"):  # ASCII digits only: int() also reads "1_0" and "１０"
        if name in q and not _INT_RE.fullmatch(q[name]):
            return _error(400, f"{name} must be an integer", "invalid_selection_field", name)
    limit = int(q.get("limit", DEFAULT_LIMIT))
    offset = int(q.get("offset", 0))
    if limit < 1 or limit > MAX_LIMIT:
        return _error(400, f"limit must be between 1 and {MAX_LIMIT}", "invalid_selection_field", "limit")
    if offset < 0:
        return _error(400, "offset must be 0 or more", "invalid_selection_field", "offset")
    docs = list((await _index(request)).documents)
    if "filter" in q:
        parsed = _parse_filter(q["filter"])
        if isinstance(parsed, str):
            return _error(400, parsed, "invalid_selection_field", "filter")
        logic, clauses = parsed
        combine = any if logic == "OR" else all
        docs = [d for d in docs if combine(_match(d, c) for c in clauses)]
    order_by = q.get("orderBy")
    if order_by is not None and order_by not in ("asc", "desc"):
        return _error(400, "orderBy must be 'asc' or 'desc'", "invalid_selection_field", "orderBy")
    if "sort" in q:
        key = q["sort"]
        if key not in DOC_SORT_FIELDS:
            return _error(400, f"cannot sort by {key!r}; sortable fields: {', '.join(DOC_SORT_FIELDS)}",
                          "invalid_sort_field", "sort")
        docs.sort(key=lambda d: (key not in d, str(d.get(key, "")).lower()), reverse=order_by == "desc")
    fields = None
    if "fields" in q:
        fields = [f.strip() for f in ",".join(q.getlist("fields")).split(",") if f.strip()]
        bad = [f for f in fields if f not in DOC_FIELDS]
        if bad or not fields:
            return _error(400, f"unknown field {bad[0]!r}" if bad else "fields is empty",
                          "invalid_selection_field", "fields")
    total = len(docs)
    page = docs[offset:offset + limit]
    links = _page_links(request, total, limit, offset)
    headers = {"x-total-count": str(total), **({"link": links} if links else {})}
    if not page:
        return _error(404, f"Unknown Object: no CFDocuments match (total {total}, offset {offset})",
                      "unknownobject", "filter" if "filter" in q else "offset", headers)
    if fields is not None:
        keep = set(fields) | set(DOC_REQUIRED)
        page = [{k: v for k, v in d.items() if k in keep} for d in page]
    return _ok(request, _dumps({"CFDocuments": page}), headers)


def _page_links(request: Request, total: int, limit: int, offset: int) -> str:
    base = f"{base_url()}{request.url.path}"
    other = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]

    def url(off: int) -> str:
        return f"{base}?{urlencode([*other, ('limit', limit), ('offset', off)])}"

    rels = [("first", 0)]
    if offset > 0:
        rels.append(("prev", max(0, offset - limit)))
    if offset + limit < total:
        rels.append(("next", offset + limit))
    rels.append(("last", max(0, (total - 1) // limit * limit)))
    return ", ".join(f'<{url(o)}>; rel="{r}"' for r, o in rels)


@router.get("/CFDocuments/{sourcedId}")
async def get_cf_document(request: Request, sourcedId: str) -> Response:
    hit = await _lookup(request, sourcedId, ("CFDocument",), "CFDocument")
    if isinstance(hit, Response):
        return hit
    return _ok(request, _dumps(hit[1]))


@router.get("/CFPackages/{sourcedId}")
async def get_cf_package(request: Request, sourcedId: str) -> Response:
    hit = await _lookup(request, sourcedId, ("CFDocument",), "CFDocument (package)")
    if isinstance(hit, Response):
        return hit
    return _ok(request, (await _index(request)).packages[sourcedId])


@router.get("/CFItems/{sourcedId}")
async def get_cf_item(request: Request, sourcedId: str) -> Response:
    hit = await _lookup(request, sourcedId, ("CFItem",), "CFItem")
    if isinstance(hit, Response):
        return hit
    return _ok(request, _dumps(hit[1]))


@router.get("/CFAssociations/{sourcedId}")
async def get_cf_association(request: Request, sourcedId: str) -> Response:
    hit = await _lookup(request, sourcedId, ("CFAssociation",), "CFAssociation")
    if isinstance(hit, Response):
        return hit
    return _ok(request, _dumps(hit[1]))


@router.get("/CFItemAssociations/{sourcedId}")
async def get_cf_item_associations(request: Request, sourcedId: str) -> Response:
    hit = await _lookup(request, sourcedId, ("CFItem",), "CFItem")
    if isinstance(hit, Response):
        return hit
    assocs = (await _index(request)).item_assocs.get(sourcedId, [])
    if not assocs:
        return _error(404, f"Unknown Object: CFItem {sourcedId} has no associations", "unknownobject")
    return _ok(request, _dumps({"CFItem": hit[1], "CFAssociations": assocs}))


def _set_endpoint(kind: str, set_key: str) -> Any:
    async def endpoint(request: Request, sourcedId: str) -> Response:
        hit = await _lookup(request, sourcedId, (kind,), kind)
        if isinstance(hit, Response):
            return hit
        return _ok(request, _dumps({set_key: [hit[1]]}))
    return endpoint


def _single_endpoint(kind: str) -> Any:
    async def endpoint(request: Request, sourcedId: str) -> Response:
        hit = await _lookup(request, sourcedId, (kind,), kind)
        if isinstance(hit, Response):
            return hit
        return _ok(request, _dumps(hit[1]))
    return endpoint


# path → (operationId, response class); the order is the discovery document's.
OPERATIONS: dict[str, tuple[str, str]] = {
    "/CFDocuments": ("getAllCFDocuments", "CFDocumentSet"),
    "/CFDocuments/{sourcedId}": ("getCFDocument", "CFDocument"),
    "/CFPackages/{sourcedId}": ("getCFPackage", "CFPackage"),
    "/CFItems/{sourcedId}": ("getCFItem", "CFItem"),
    "/CFAssociations/{sourcedId}": ("getCFAssociation", "CFAssociation"),
    "/CFItemAssociations/{sourcedId}": ("getCFItemAssociations", "CFAssociationSet"),
    "/CFItemTypes/{sourcedId}": ("getCFItemType", "CFItemTypeSet"),
    "/CFSubjects/{sourcedId}": ("getCFSubject", "CFSubjectSet"),
    "/CFConcepts/{sourcedId}": ("getCFConcept", "CFConceptSet"),
    "/CFLicenses/{sourcedId}": ("getCFLicense", "CFLicense"),
    "/CFAssociationGroupings/{sourcedId}": ("getCFAssociationGrouping", "CFAssociationGrouping"),
    "/CFRubrics/{sourcedId}": ("getCFRubric", "CFRubric"),
}

for _path, _kind, _key in (("/CFItemTypes/{sourcedId}", "CFItemType", "CFItemTypes"),
                           ("/CFSubjects/{sourcedId}", "CFSubject", "CFSubjects"),
                           ("/CFConcepts/{sourcedId}", "CFConcept", "CFConcepts")):
    router.add_api_route(_path, _set_endpoint(_kind, _key), methods=["GET"], name=OPERATIONS[_path][0])
for _path, _kind in (("/CFLicenses/{sourcedId}", "CFLicense"),
                     ("/CFAssociationGroupings/{sourcedId}", "CFAssociationGrouping"),
                     ("/CFRubrics/{sourcedId}", "CFRubric")):
    router.add_api_route(_path, _single_endpoint(_kind), methods=["GET"], name=OPERATIONS[_path][0])


# --- service discovery ----------------------------------------------------------------------------------


def _imsx_responses() -> dict[str, Any]:
    ref = {"content": {JSON_TYPE: {"schema": {"$ref": f"#/components/schemas/{dtype('imsx_StatusInfo')}"}}}}
    return {
        "400": {"description": "Bad query parameter (invalid_selection_field, invalid_sort_field).", **ref},
        "404": {"description": "Unknown Object (unknownobject) or Invalid UUID (invalid_uuid).", **ref},
        "default": {"description": "Any other failure, as imsx_StatusInfo.", **ref},
    }


def discovery_document(base: str | None = None) -> dict[str, Any]:
    """OpenAPI 3.0 description of the endpoints this router serves, from its routes and the schema table."""
    served = {getattr(r, "path", "").removeprefix(API_PREFIX) for r in router.routes}
    paths: dict[str, Any] = {}
    for path, (op_id, cls) in OPERATIONS.items():
        if path not in served:
            continue
        params: list[dict[str, Any]] = []
        if "{sourcedId}" in path:
            params.append({"name": "sourcedId", "in": "path", "required": True, "schema": {"type": "string"},
                           "description": "The UUID of the object."})
        else:
            params += [
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
                {"name": "offset", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 0, "default": 0}},
                {"name": "sort", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(DOC_SORT_FIELDS)}},
                {"name": "orderBy", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["asc", "desc"]}},
                {"name": "filter", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "field op 'value' [AND|OR ...]; op is one of = != > >= < <= ~"},
                {"name": "fields", "in": "query", "required": False, "style": "form", "explode": False,
                 "schema": {"type": "array", "items": {"type": "string", "enum": list(DOC_FIELDS)}}},
            ]
        ok: dict[str, Any] = {"description": "Success.",
                              "content": {JSON_TYPE: {"schema": {"$ref": f"#/components/schemas/{dtype(cls)}"}}}}
        if path == "/CFDocuments":
            ok["headers"] = {"X-Total-Count": {"schema": {"type": "integer"},
                                               "description": "Number of documents matching the selection."}}
        paths[path] = {"get": {"operationId": op_id, "parameters": params,
                               "responses": {"200": ok, **_imsx_responses()}}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "qualframe CASE v1.1 provider",
            "version": "1.1",
            "description": "The Competencies and Academic Standards Exchange (CASE) v1.1 endpoints served by "
                           f"qualframe {__version__}; generated by qualframe from its routes and schemas. "
                           "Read-only and unauthenticated.",
        },
        "servers": [{"url": f"{base or base_url()}{API_PREFIX}"}],
        "paths": paths,
        "components": {"schemas": openapi_components()},
    }


@router.get("/discovery/" + DISCOVERY_FILE)
@router.get("/discovery/" + DISCOVERY_FILE.removesuffix(".json"))  # the app strips ".json" from paths
@router.get("/discovery")
async def discovery(request: Request) -> Response:
    return _ok(request, _dumps(discovery_document()))


@router.get("/{rest:path}")
async def not_a_case_endpoint(request: Request, rest: str) -> Response:
    """Any other path under the prefix: a CASE-style 404 rather than an HTML page."""
    return _error(404, f"Unknown Object: no CASE endpoint {API_PREFIX}/{rest[:100]}", "unknownobject", "path")
