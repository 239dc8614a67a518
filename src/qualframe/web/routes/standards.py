"""Professional standards: the API under /api/v1/standards, the public register and pages under /standards.

A standard belongs to an organisation (`standards-body`) and is addressed as `{org slug}/{standard id}`.
Its members (developers, reviewers, admins: "standards.read") see every version; everyone else sees
published versions only. Every write declares its policy action (`auth.require`) and goes through one
audited transaction in `qualframe.store.standards`; element edits carry the element's version and an
edit based on an old version is refused with 409. Nothing here is kept by the response cache, so a
change made through any server process is seen through every other at once.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from qualframe.accounts import policy
from qualframe.accounts.policy import Principal
from qualframe.model.messages import N_, Text, labelled
from qualframe.standards import checks as C
from qualframe.standards import document as D
from qualframe.standards import exchange, suggest
from qualframe.standards import render as R
from qualframe.standards.case import build_standard_package
from qualframe.standards.diff import summary
from qualframe.standards.framework import isco_groups, row_info
from qualframe.standards.register import Register
from qualframe.store import standards as st
from qualframe.web import auth
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, heavy, json_response, page_lang, qf, render, snapshot
from qualframe.web.i18n import t

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/standards", tags=["standards"], responses={**ERRORS, **auth.AUTH_RESPONSES})

SlugP = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]{1,64}$", description="organisation slug")]
SidP = Annotated[str, Path(max_length=40, pattern=r"^ps-[0-9a-f]{8}$", description="standard id")]
EidP = Annotated[str, Path(max_length=40, description="element id")]
VersionQ = Annotated[int | None, Query(ge=1, le=100000, description="version number (default: the latest)")]
FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "pdf": "application/pdf", "json": "application/json", "case": "application/json"}
_KIND_STATUS = {"not_found": 404, "conflict": 409, "invalid": 422, "forbidden": 403}


# --- helpers ------------------------------------------------------------------------------------------------

class _Errors:
    def __enter__(self) -> None:
        return None

    def __exit__(self, et: Any, exc: Any, tb: Any) -> bool:
        if isinstance(exc, st.StandardError):
            raise ApiError(_KIND_STATUS.get(exc.kind, 400), exc.message, details=exc.detail or None) from exc
        if isinstance(exc, D.DocumentError):
            raise ApiError(404 if exc.kind == "not_found" else 422, str(exc), details={"path": exc.path}) from exc
        return False


errors = _Errors()


def _store(request: Request) -> Any:
    return qf(request).store


def _fw(request: Request) -> Any:
    snap, _ = snapshot(request, qf(request).default_id)
    return snap


def _row_ref(request: Request) -> Any:
    snap = _fw(request)
    return lambda rid: D.row_summary(row_info(snap.fw, rid))


def _full_row(request: Request, row_id: str) -> dict[str, Any]:
    snap = _fw(request)
    return row_info(snap.fw, row_id, lambda key, lang: snap.tr(key, lang))


def _member(request: Request, slug: str) -> bool:
    return policy.allowed(auth.principal(request), "standards.read", slug)


def _links(org: str, sid: str, number: int | None = None) -> dict[str, str]:
    """Where a standard (version) is: its page, its API resource and its exports."""
    base = f"/api/v1/standards/{org}/{sid}"
    q = f"?version={number}" if number else ""
    v = f"version={number}&" if number else ""
    return {"page": f"/standards/{org}/{sid}{q}", "api": f"{base}{q}",
            "docx": f"{base}/export/docx?{v}lang=kk", "docx_ru": f"{base}/export/docx?{v}lang=ru",
            "pdf": f"{base}/export/pdf?{v}lang=kk", "pdf_ru": f"{base}/export/pdf?{v}lang=ru",
            "json": f"{base}/export/json{q}", "case": f"{base}/export/case{q}"}


def _load(request: Request, slug: str, sid: str, version: int | None = None) -> tuple[dict, dict, bool]:
    member = _member(request, slug)
    with errors:
        doc, meta = st.load(_store(request), slug, sid, version, published_only=not member)
    return doc, meta, member


def _descriptor_texts(request: Request) -> dict[str, str]:
    return {d.id: d.text for _, _, d in _fw(request).fw.descriptors()}


def _gettext_for(lang: str) -> Any:
    return lambda s: t(s, lang)


def _findings(request: Request, doc: dict[str, Any], with_levels: bool = True) -> list[C.Finding]:
    return C.run_checks(doc, _fw(request).fw, suggest.closest if with_levels else None)


def _error_count(request: Request) -> Any:
    fw = _fw(request).fw
    return lambda doc: len(C.blocking(C.run_checks(doc, fw)))


def _area_of(doc: dict[str, Any]) -> str | None:
    areas = [c["row"]["area"] for c in doc["cards"] if c.get("row")]
    return areas[0] if areas else None


def _refresh(request: Request) -> None:
    """A publication changes public pages (register, level pages, CASE): drop this process's caches now
    (other processes see the store's state token change at their next refresh)."""
    qf(request).catalog.refresh()


def version_view(request: Request, doc: dict[str, Any], meta: dict[str, Any], member: bool,
                 with_checks: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"standard": {**{k: v for k, v in meta.items() if k != "editors"},
                                        "links": _links(meta["org"], meta["sid"], meta["number"])},
                           "document": doc}
    if member:
        with errors:
            out["versions"] = st.versions(_store(request), meta["org"], meta["sid"])
    if with_checks:
        out["checks"] = [f.to_dict(_gettext_for) for f in _findings(request, doc)]
    return out


# --- API: the register --------------------------------------------------------------------------------------

class _RegisterCache:
    """The register's BM25 index, rebuilt when the store's state token changes (a publication)."""

    def __init__(self) -> None:
        self.key: Any = None
        self.reg: Register | None = None

    def get(self, request: Request) -> Register:
        key = (id(qf(request)), _store(request).state_token())
        if self.reg is None or self.key != key:
            self.reg = Register.build(st.published(_store(request)))
            self.key = key
        return self.reg


_register = _RegisterCache()


def register_data(request: Request, q: str | None, area: str | None, level: int | None, isco: str | None,
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    reg = _register.get(request)
    try:
        total, hits = reg.search(q, area=area, level=level, isco=isco, limit=limit, offset=offset)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from exc
    return {"page": "standards", "query": q or "", "filters": {"area": area, "level": level, "isco": isco},
            "total": total, "limit": limit, "offset": offset,
            "standards": [{k: v for k, v in h.items() if k != "text"} | {"links": _links(h["org"], h["sid"])}
                          for h in hits],
            "isco_groups": list(isco_groups().values())}


@api.get("", summary="List published standards (search and filter)")
def list_published(request: Request, q: Annotated[str | None, Query(max_length=2000)] = None,
                   area: Annotated[str | None, Query(pattern=r"^\d\.\d$")] = None,
                   level: Annotated[int | None, Query(ge=1, le=8)] = None,
                   isco: Annotated[str | None, Query(pattern=r"^\d{1,4}$")] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   offset: Annotated[int, Query(ge=0, le=100000)] = 0) -> Response:
    """Published standards (the latest published version of each), each with links to its page and its
    DOCX, PDF, JSON and CASE exports. `q` searches their text (kk, ru, en)."""
    return json_response(register_data(request, q, area, level, isco, limit, offset), cacheable=False)


@api.get("/schema", summary="The JSON Schema of a standard's JSON export")
def json_schema(request: Request) -> Response:
    return json_response(exchange.schema(), request=request)


@api.get("/isco", summary="The ISCO-08 unit groups shipped with qualframe")
def isco(request: Request) -> Response:
    return json_response({"unit_groups": list(isco_groups().values())}, request=request)


@api.get("/rows/{row_id}", summary="A framework row as a card would stand on it, with its descriptors")
def framework_row(request: Request, row_id: Annotated[str, Path(pattern=r"^\d\.\d-\d{2}$")]) -> Response:
    with errors:
        return json_response(_full_row(request, row_id), request=request)


# --- API: an organisation's standards -------------------------------------------------------------------------

class TextIn(BaseModel):
    kk: str = Field("", max_length=4000)
    ru: str = Field("", max_length=4000)
    en: str | None = Field(None, max_length=4000)


class CreateIn(BaseModel):
    name: TextIn | None = None
    description: TextIn | None = None
    oked: list[str] = Field(default_factory=list, max_length=30)


def _text(v: TextIn | None) -> dict[str, str] | None:
    return None if v is None else v.model_dump(exclude_none=True)


@api.post("/{slug}", status_code=201, summary="Create a standard (an empty draft)")
def create_standard(request: Request, slug: SlugP, body: CreateIn,
                    p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    fields: dict[str, Any] = {"oked": body.oked}
    if body.name:
        fields["name"] = _text(body.name)
    if body.description:
        fields["description"] = _text(body.description)
    with errors:
        D.clean_fields("passport", fields, "passport")
        out = st.create(_store(request), auth.actor(request, p), slug, qf(request).default_id, fields)
    return json_response({**out, "links": _links(slug, out["sid"])}, 201)


@api.get("/{slug}", summary="An organisation's standards (unpublished ones for its members)")
def org_list(request: Request, slug: SlugP) -> Response:
    member = _member(request, slug)
    with errors:
        items = st.org_standards(_store(request), slug)
    if not member:
        items = [i for i in st.published(_store(request)) if i["org"] == slug]
        items = [{k: v for k, v in i.items() if k not in ("text", "cards")} for i in items]
    return json_response({"org": slug, "member": member, "standards": [
        {**i, "links": _links(slug, i["sid"])} for i in items]}, cacheable=False)


@api.post("/{slug}/import", status_code=201, summary="Import a standard from its JSON export as a new draft")
def import_standard(request: Request, slug: SlugP, body: Annotated[dict[str, Any], Body()],
                    p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    with errors:
        doc, refused = exchange.import_document(body, "pending", qf(request).default_id, _row_ref(request))
        src = body.get("standard") if isinstance(body.get("standard"), dict) else {}
        out = st.create(_store(request), auth.actor(request, p), slug, qf(request).default_id, doc=doc,
                        detail={"imported_from": {k: str(src.get(k))[:80] for k in ("org", "id", "code", "number")
                                                  if src.get(k) is not None}, "refused": len(refused)})
    return json_response({**out, "refused": refused, "links": _links(slug, out["sid"])}, 201)


@api.get("/{slug}/{sid}", summary="A standard version (members: any version and its checks; others: published)")
def get_standard(request: Request, slug: SlugP, sid: SidP, version: VersionQ = None,
                 checks: Annotated[bool, Query(description="include the checks (members)")] = False) -> Response:
    doc, meta, member = _load(request, slug, sid, version)
    return json_response(version_view(request, doc, meta, member, with_checks=checks and member), cacheable=False)


@api.get("/{slug}/{sid}/checks", summary="The checks of the latest version and the closest descriptors per item")
async def get_checks(request: Request, slug: SlugP, sid: SidP, version: VersionQ = None) -> Response:
    doc, _meta, member = _load(request, slug, sid, version)
    if not member:
        raise ApiError(403, Text(N_("the checks of a standard are shown to its organisation's members")))

    def run() -> dict[str, Any]:
        findings = _findings(request, doc)
        return {"errors": len(C.blocking(findings)), "findings": [f.to_dict(_gettext_for) for f in findings],
                "suggestions": suggest.suggestions(doc)}

    return json_response(await heavy(request, run), cacheable=False)


class CardIn(BaseModel):
    row_id: str = Field(pattern=r"^\d\.\d-\d{2}$", description="the framework row the card stands on")
    fields: dict[str, Any] = Field(default_factory=dict, description="other card fields (name, isco, ...)")


@api.post("/{slug}/{sid}/cards", status_code=201, summary="Add a profession card standing on a framework row")
def add_card(request: Request, slug: SlugP, sid: SidP, body: CardIn,
             p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    """Pre-fills the card's personal competences from the row's competences (each linked to its descriptor)
    and answers the row's skills and knowledge as `offers`: a starting point for abilities and knowledge."""
    with errors:
        row = _full_row(request, body.row_id)
        fields = {k: v for k, v in body.fields.items() if k != "row"}

        def fn(doc: dict[str, Any]) -> dict[str, Any]:
            card = D.card_from_row(doc, row, fields)
            for c, d in zip(card["competences"], row["competences"], strict=False):
                c["text"].update({k: d[k] for k in ("ru", "en") if d.get(k)})
            return card

        card = st.mutate(_store(request), auth.actor(request, p), slug, sid, "standard.add_card", fn,
                         detail={"row": body.row_id})
    return json_response({"element": card, "offers": D.offers(row)}, 201)


class ElementIn(BaseModel):
    parent: str | None = Field(None, max_length=40, description="the parent element id (none for a card)")
    kind: str = Field(max_length=20, description="card, competence, function, skill, ability, knowledge, link")
    fields: dict[str, Any] = Field(default_factory=dict)
    descriptor: str | None = Field(None, max_length=40, description="build the item on this framework descriptor: "
                                   "its text (kk, and the unofficial ru/en) is copied and the link kept")


@api.post("/{slug}/{sid}/elements", status_code=201, summary="Add an element under a parent")
def add_element(request: Request, slug: SlugP, sid: SidP, body: ElementIn,
                p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    fields = dict(body.fields)
    if body.descriptor:
        snap = _fw(request)
        hit = snap.descriptors.get(body.descriptor)
        if hit is None:
            raise ApiError(422, labelled("descriptor", Text(N_("no descriptor %(id)s in the framework"),
                                                                id=repr(body.descriptor))))
        d = hit[2]
        main = D.MAIN_TEXT.get(body.kind, "text")
        fields.setdefault(main, {"kk": d.text, **{lang: tr for lang in ("ru", "en") if (tr := snap.tr(d.id, lang))}})
        fields["descriptor"] = d.id
    with errors:
        el = st.mutate(_store(request), auth.actor(request, p), slug, sid, "standard.add_element",
                       lambda doc: D.add_element(doc, body.parent, body.kind, fields, _row_ref(request)),
                       detail={"kind": body.kind, "parent": body.parent})
    return json_response({"element": el}, 201)


class EditIn(BaseModel):
    version: int = Field(ge=1, description="the element's version this edit is based on (409 if it changed)")
    fields: dict[str, Any]


@api.patch("/{slug}/{sid}/elements/{eid}", summary="Edit an element (optimistic concurrency: 409 on an old version)")
def edit_element(request: Request, slug: SlugP, sid: SidP, eid: EidP, body: EditIn,
                 p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    with errors:
        el = st.mutate(_store(request), auth.actor(request, p), slug, sid, "standard.edit",
                       lambda doc: D.edit_element(doc, eid, body.version, body.fields, _row_ref(request)),
                       detail={"element": eid, "fields": sorted(body.fields)[:20]})
    return json_response({"element": el})


@api.delete("/{slug}/{sid}/elements/{eid}", summary="Remove an element and everything under it")
def remove_element(request: Request, slug: SlugP, sid: SidP, eid: EidP,
                   version: Annotated[int, Query(ge=1, description="the element's current version")],
                   p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    with errors:
        el = st.mutate(_store(request), auth.actor(request, p), slug, sid, "standard.remove",
                       lambda doc: D.remove_element(doc, eid, version), detail={"element": eid})
    return json_response({"removed": el["id"], "kind": el["kind"]})


def _transition(request: Request, slug: str, sid: str, name: str, p: Principal) -> Response:
    with errors:
        out = st.transition(_store(request), auth.actor(request, p), slug, sid, name, _error_count(request),
                            _area_of)
    if out["status"] == "published":
        _refresh(request)
    return json_response({**out, "links": _links(slug, sid, out["number"])})


@api.post("/{slug}/{sid}/submit", summary="Send the draft to review (refused while checks report errors)")
def submit(request: Request, slug: SlugP, sid: SidP,
           p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    return _transition(request, slug, sid, "submit", p)


@api.post("/{slug}/{sid}/return", summary="Send the version back to draft (reviewer)")
def send_back(request: Request, slug: SlugP, sid: SidP,
              p: Annotated[Principal, auth.require("standards.review", org_from="slug")]) -> Response:
    return _transition(request, slug, sid, "return", p)


@api.post("/{slug}/{sid}/approve", summary="Approve the version in review (not by one of its editors)")
def approve(request: Request, slug: SlugP, sid: SidP,
            p: Annotated[Principal, auth.require("standards.review", org_from="slug")]) -> Response:
    return _transition(request, slug, sid, "approve", p)


@api.post("/{slug}/{sid}/publish", summary="Publish the approved version: it gets its code and date")
def publish(request: Request, slug: SlugP, sid: SidP,
            p: Annotated[Principal, auth.require("standards.publish", org_from="slug")]) -> Response:
    return _transition(request, slug, sid, "publish", p)


@api.post("/{slug}/{sid}/versions", status_code=201, summary="Start a new version (a draft copying the published one)")
def new_version(request: Request, slug: SlugP, sid: SidP,
                p: Annotated[Principal, auth.require("standards.draft", org_from="slug")]) -> Response:
    with errors:
        out = st.new_version(_store(request), auth.actor(request, p), slug, sid)
    return json_response({**out, "links": _links(slug, sid, out["number"])}, 201)


class CommentIn(BaseModel):
    element: str = Field("", max_length=40, description="the element commented on (empty: the whole version)")
    text: str = Field(min_length=1, max_length=2000)


@api.post("/{slug}/{sid}/comments", status_code=201, summary="Comment on an element of the latest version")
def comment(request: Request, slug: SlugP, sid: SidP, body: CommentIn,
            p: Annotated[Principal, auth.require("standards.comment", org_from="slug")]) -> Response:
    with errors:
        out = st.add_comment(_store(request), auth.actor(request, p), slug, sid, body.element, body.text)
    return json_response(out, 201)


@api.get("/{slug}/{sid}/comments", summary="Comments on a version (members)")
def list_comments(request: Request, slug: SlugP, sid: SidP, version: VersionQ = None) -> Response:
    if not _member(request, slug):
        raise ApiError(403, Text(N_("comments are shown to the organisation's members")))
    with errors:
        return json_response({"comments": st.comments(_store(request), slug, sid, version)}, cacheable=False)


@api.get("/{slug}/{sid}/diff", summary="Elements added, removed and changed between two versions")
def version_diff(request: Request, slug: SlugP, sid: SidP,
                 a: Annotated[int, Query(alias="from", ge=1)], b: Annotated[int, Query(alias="to", ge=1)]) -> Response:
    with errors:
        d = st.version_diff(_store(request), slug, sid, a, b, published_only=not _member(request, slug))
    return json_response({**d, "summary": summary(d["changes"])}, cacheable=False)


def export_bytes(request: Request, doc: dict[str, Any], meta: dict[str, Any], fmt: str, lang: str) -> bytes:
    if fmt == "docx":
        return R.build_docx(doc, meta, lang)
    if fmt == "pdf":
        from qualframe.documents.pdf import render_pdf

        return render_pdf(R.build_html(doc, meta, lang), max_pages=400, pdf_variant=None)
    if fmt == "json":
        return json.dumps(exchange.export_json(doc, meta), ensure_ascii=False, indent=1).encode("utf-8")
    from qualframe.interop.common import base_url

    pkg = build_standard_package(doc, {**meta, "descriptor_texts": _descriptor_texts(request)}, base_url())
    return json.dumps(pkg, ensure_ascii=False).encode("utf-8")


@api.get("/{slug}/{sid}/export/{fmt}", summary="Export a version: DOCX or PDF (kk, ru), JSON, CASE v1.1 package")
async def export(request: Request, slug: SlugP, sid: SidP, fmt: Annotated[str, Path(pattern="^(docx|pdf|json|case)$")],
                 version: VersionQ = None, lang: Annotated[str, Query(pattern="^(kk|ru)$")] = "kk") -> Response:
    doc, meta, _ = _load(request, slug, sid, version)
    body = await heavy(request, export_bytes, request, doc, meta, fmt, lang)
    ext = {"case": "case.json"}.get(fmt, fmt)
    name = f"{meta.get('code') or sid}-v{meta['number']}" + (f"-{lang}" if fmt in ("docx", "pdf") else "")
    return Response(body, media_type=FORMATS[fmt], headers={
        "content-disposition": f'attachment; filename="{name}.{ext}"', "cache-control": "no-store"})


# --- pages ------------------------------------------------------------------------------------------------------

@router.get("/standards")
def register_page(request: Request, q: Annotated[str | None, Query(max_length=2000)] = None,
                  area: Annotated[str | None, Query(pattern=r"^(\d\.\d)?$")] = None,
                  level: Annotated[str | None, Query(pattern=r"^[1-8]?$")] = None,
                  isco: Annotated[str | None, Query(pattern=r"^\d{0,4}$")] = None) -> Response:
    data = register_data(request, q, area or None, int(level) if level else None, isco or None)
    p = auth.principal(request)
    data["my_orgs"] = sorted(o for o in (p.roles if p else {}) if policy.allowed(p, "standards.read", o))
    return render(request, "standards.html", data, cacheable=False)


@router.get("/standards/{slug}")
def org_page(request: Request, slug: SlugP) -> Response:
    member = _member(request, slug)
    with errors:
        items = st.org_standards(_store(request), slug) if member else [
            {k: v for k, v in i.items() if k not in ("text", "cards")}
            for i in st.published(_store(request)) if i["org"] == slug]
    p = auth.principal(request)
    return render(request, "standards_org.html", {
        "page": "standards_org", "org": slug, "member": member, "standards": items,
        "can_draft": policy.allowed(p, "standards.draft", slug)}, cacheable=False)


@router.get("/standards/{slug}/{sid}")
def standard_page(request: Request, slug: SlugP, sid: SidP, version: VersionQ = None) -> Response:
    doc, meta, member = _load(request, slug, sid, version)
    data = {"page": "standard", **version_view(request, doc, meta, member)}
    p = auth.principal(request)
    data["can_edit"] = policy.allowed(p, "standards.draft", slug)
    return render(request, "standard.html", data, cacheable=False)


@router.get("/standards/{slug}/{sid}/cards/{cid}")
def card_page(request: Request, slug: SlugP, sid: SidP, cid: EidP, version: VersionQ = None) -> Response:
    doc, meta, _ = _load(request, slug, sid, version)
    card = next((c for c in doc["cards"] if c["id"] == cid), None)
    if card is None:
        raise ApiError(404, Text(N_("no card %(card)s in version %(number)s of %(standard)s"), card=repr(cid),
                                 number=meta["number"], standard=sid))
    return render(request, "standard_card.html", {
        "page": "standard_card", "standard": {**{k: v for k, v in meta.items() if k != "editors"},
                                              "name": doc["passport"]["name"],
                                              "links": _links(slug, sid, meta["number"])},
        "card": card}, cacheable=False)


@router.get("/standards/{slug}/{sid}/edit")
async def editor_page(request: Request, slug: SlugP, sid: SidP) -> Response:
    p = auth.principal(request)
    if p is None:
        return RedirectResponse(f"/login?next=/standards/{slug}/{sid}/edit", status_code=303)
    if not _member(request, slug):
        raise ApiError(403, Text(N_("the editor is for the organisation's developers and reviewers")))
    doc, meta, _ = _load(request, slug, sid)

    def run() -> dict[str, Any]:
        findings = _findings(request, doc)
        return {"findings": findings, "suggestions": suggest.suggestions(doc)}

    res = await heavy(request, run)
    lang = page_lang(request)
    snap = _fw(request)
    with errors:
        comments = st.comments(_store(request), slug, sid)
    data = {"page": "standard_edit", **version_view(request, doc, meta, True),
            "checks": [f.to_dict(_gettext_for) for f in res["findings"]],
            "errors": len(C.blocking(res["findings"])), "suggestions": res["suggestions"],
            "comments": comments,
            "rows": [{"id": r.id, "area": a.code, "label": r.label, "nqf_level": r.nqf_level}
                     for a, r in snap.fw.rows()],
            "isco_groups": list(isco_groups().values()),
            "offers": {c["id"]: D.offers(_full_row(request, c["row"]["row_id"])) for c in doc["cards"]
                       if c.get("row")},
            "can_draft": policy.allowed(p, "standards.draft", slug),
            "can_review": policy.allowed(p, "standards.review", slug),
            "can_publish": policy.allowed(p, "standards.publish", slug), "lang": lang}
    return render(request, "standard_edit.html", data, cacheable=False)


@router.get("/standards/{slug}/{sid}/diff")
def diff_page(request: Request, slug: SlugP, sid: SidP, a: Annotated[int, Query(alias="from", ge=1)],
              b: Annotated[int, Query(alias="to", ge=1)]) -> Response:
    with errors:
        d = st.version_diff(_store(request), slug, sid, a, b, published_only=not _member(request, slug))
    return render(request, "standard_diff.html", {"page": "standard_diff", "org": slug, "sid": sid, **d,
                                                  "summary": summary(d["changes"])}, cacheable=False)
