"""An employer's job catalogue: upload, placement jobs, review and decisions, pay bands, exports, careers, and
the public self-assessment. Pages under /orgs/{slug}/catalogue and /orgs/{slug}/positions, /careers/{row} and
/self-assessment; the API under /api/v1 (tag "catalogue").

Catalogue reads are private to the organisation's admin and hr members ("catalogue.read") and never cached
(`auth.principal` marks them private); every write requires "catalogue.write" in the organisation. Uploads are
parsed completely before anything is written (interop.catalogue_io), then the positions and the job are written
in one audited transaction, and the job is put on the queue (store.catalogue_jobs).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from qualframe.accounts.policy import Principal
from qualframe.catalogue import careers, selfassess
from qualframe.catalogue.placement import LOW_CONFIDENCE
from qualframe.interop import catalogue_io as cio
from qualframe.interop.common import UNOFFICIAL_NOTE
from qualframe.model.messages import N_, Text, labelled
from qualframe.store import accounts as acc
from qualframe.store import assessment_requests as areq
from qualframe.store import catalogue as cat
from qualframe.store import catalogue_jobs as jobs
from qualframe.web import auth, views
from qualframe.web.compare import compare_rows
from qualframe.web.errors import ApiError
from qualframe.web.http import ERRORS, json_response, page_lang, qf, render, snapshot, template_context
from qualframe.web.schemas import ErrorResponse

log = logging.getLogger("qualframe.web")

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["catalogue"], responses={**ERRORS, **auth.AUTH_RESPONSES})

SlugP = Annotated[str, Path(max_length=64, description="organisation slug")]
KeyP = Annotated[str, Path(max_length=100, description="the position's key")]
JobP = Annotated[int, Path(ge=1, description="placement job id")]
PER_PAGE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SELF_RATE = (20, timedelta(hours=1))  # self-assessments per client address and window
Read = Annotated[Principal, auth.require("catalogue.read", org_from="slug")]
Write = Annotated[Principal, auth.require("catalogue.write", org_from="slug")]


def _store(request: Request) -> Any:
    return qf(request).store


def _fw(request: Request) -> tuple[Any, views.Urls]:
    return snapshot(request, qf(request).default_id)


def _private(resp: Response) -> Response:
    resp.headers["cache-control"] = "private, no-store"
    return resp


def _no_level_row(row_id: str, framework: str) -> Text:
    return Text(N_("no level row %(row)s in %(framework)s"), row=repr(row_id), framework=framework)


def _unknown_filter(name: str) -> Text:
    return Text(N_("unknown filter %(filter)s; one of %(filters)s"), filter=repr(name), filters=", ".join(cat.FILTERS))


def _row_info(snap: Any, row_id: str) -> dict[str, Any]:
    hit = snap.rows.get(row_id)
    if hit is None:
        raise ApiError(422, _no_level_row(row_id, snap.fw.id))
    area, row = hit
    return {"row_id": row.id, "area": area.code, "nqf_level": row.nqf_level, "sqf_level": row.sqf_level}


def job_urls(slug: str, job_id: int) -> dict[str, str]:
    return {"url": f"/orgs/{slug}/catalogue/jobs/{job_id}", "api_url": f"/api/v1/orgs/{slug}/catalogue/jobs/{job_id}"}


def _job_data(slug: str, job: cat.Job) -> dict[str, Any]:
    return {**job.to_dict(), **job_urls(slug, job.id), "active": job.active, "upload": _public_upload(job.upload)}


_REASON_KEY = "reason_text"  # the stored {msgid, params} of a bad row's reason, never shown as such


def _stored_upload(summary: dict[str, Any]) -> dict[str, Any]:
    """The upload summary as kept with the job: each bad row's reason also as msgid and parameters."""
    errors = [{**e, _REASON_KEY: cio.reason_to_json(e["reason"])} for e in summary.get("errors", [])]
    return {**summary, "errors": errors}


def _public_upload(upload: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored upload summary as the API has always given it; the reasons are :class:`Text` again, so a page
    shows them in its language and JSON keeps the English."""
    if not upload:
        return upload
    errors = [{k: v for k, v in e.items() if k != _REASON_KEY}
              | {"reason": cio.reason_from_json(str(e.get("reason", "")), e.get(_REASON_KEY))}
              for e in upload.get("errors") or [] if isinstance(e, dict)]
    return {**upload, "errors": errors} if "errors" in upload else upload


# --- upload ----------------------------------------------------------------------------------------------

async def _read_upload(file: UploadFile | None) -> tuple[bytes, str]:
    if file is None:
        raise ApiError(422, Text(N_("no file: send the catalogue as the multipart field 'file' (CSV or XLSX)")))
    data = await file.read(cio.MAX_BYTES + 1)
    if len(data) > cio.MAX_BYTES:
        raise ApiError(413, Text(N_("the file is larger than %(limit)s bytes (5 MB)"), limit=f"{cio.MAX_BYTES:,}"))
    return data, file.filename or ""


def _upload(request: Request, slug: str, p: Principal, data: bytes, filename: str) -> tuple[cat.Job, dict[str, Any]]:
    """Parse, then write positions and the job in one audited transaction, then enqueue the job."""
    # the file's name, then why: English in the API, the page's language on the error page
    named = filename or Text(N_("the file"))
    try:
        parsed = cio.read_catalogue(data, filename)
    except cio.CatalogueFileError as exc:
        raise ApiError(422, labelled(named, exc.args[0]), "bad_file") from None
    summary = parsed.summary()
    if not parsed.lines:
        raise ApiError(422, labelled(named, Text(N_("no usable row (%(n)s bad)"), n=parsed.error_count)),
                       "bad_file", summary["errors"])
    store = _store(request)
    with auth.http_errors(), acc.audited(store, auth.actor(request, p)) as tx:
        counts = cat.upsert_positions(tx, slug, parsed.lines, summary)
        job = cat.create_job(tx, slug, {**_stored_upload(summary), **counts, "filename": filename[:200]})
    if job.active:
        try:
            jobs.enqueue(store.url, job.id)
        except Exception:  # the workers' sweep enqueues it again
            log.exception("enqueueing placement job %s failed", job.id)
    return job, {**summary, **counts}


@router.post("/orgs/{slug}/catalogue")
async def catalogue_upload_form(request: Request, slug: SlugP, p: Write,
                                file: Annotated[UploadFile | None, File()] = None) -> Response:
    data, name = await _read_upload(file)
    job, _summary = await _run(_upload, request, slug, p, data, name)
    return RedirectResponse(f"/orgs/{slug}/catalogue?job={job.id}", status_code=303)


async def _run(fn: Any, *args: Any) -> Any:
    import anyio

    return await anyio.to_thread.run_sync(fn, *args)


@api.post("/orgs/{slug}/catalogue", status_code=202, summary="Upload a job catalogue (CSV or XLSX) and place it")
async def catalogue_upload(request: Request, slug: SlugP, p: Write,
                           file: Annotated[UploadFile | None, File(description="CSV or XLSX; columns key, title, "
                                                                   "description, department, grade, "
                                                                   "occupation_code, oked")] = None) -> Response:
    """Positions are created or updated by key; bad rows are reported with their line numbers and skipped.
    The answer points at the placement job: poll it for progress."""
    data, name = await _read_upload(file)
    job, summary = await _run(_upload, request, slug, p, data, name)
    return _private(json_response({"job": job_urls(slug, job.id)["api_url"], "state": job.state, "upload": summary},
                                  202, cacheable=False))


# --- jobs --------------------------------------------------------------------------------------------------

def _need_job(request: Request, slug: str, job_id: int) -> cat.Job:
    with _store(request).engine.connect() as conn:
        job = cat.get_job(conn, slug, job_id)
    if job is None:
        raise ApiError(404, Text(N_("%(org)s has no placement job %(id)s"), org=slug, id=job_id))
    return job


@api.get("/orgs/{slug}/catalogue/jobs/{job_id}", summary="A placement job's state and progress")
def job_api(request: Request, slug: SlugP, job_id: JobP, p: Read) -> Response:
    job = _need_job(request, slug, job_id)
    return _private(json_response({"state": job.state, "done": job.done, "total": job.total, "failed": job.failed,
                                   "cancel_requested": job.cancel_requested, "upload": _public_upload(job.upload),
                                   "positions": f"/api/v1/orgs/{slug}/positions"}, cacheable=False))


@router.get("/orgs/{slug}/catalogue/jobs/{job_id}")
def job_page(request: Request, slug: SlugP, job_id: JobP, p: Read) -> Response:
    """The progress bar (htmx polls this page every second and takes #job-progress from it)."""
    job = _need_job(request, slug, job_id)
    return render(request, "catalogue_job.html", {"page": "catalogue-job", "slug": slug, "job": _job_data(slug, job),
                                                  "can_write": True}, cacheable=False)


def _cancel(request: Request, slug: str, job_id: int, p: Principal) -> cat.Job:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        return cat.cancel_job(tx, slug, job_id)


@api.post("/orgs/{slug}/catalogue/jobs/{job_id}/cancel", summary="Cancel a placement job")
def job_cancel_api(request: Request, slug: SlugP, job_id: JobP, p: Write) -> Response:
    job = _cancel(request, slug, job_id, p)
    return _private(json_response({"state": job.state, "done": job.done, "total": job.total, "failed": job.failed,
                                   "cancel_requested": job.cancel_requested}, cacheable=False))


@router.post("/orgs/{slug}/catalogue/jobs/{job_id}/cancel")
def job_cancel_form(request: Request, slug: SlugP, job_id: JobP, p: Write) -> Response:
    _cancel(request, slug, job_id, p)
    return RedirectResponse(f"/orgs/{slug}/catalogue?job={job_id}", status_code=303)


# --- the catalogue page and its overview ------------------------------------------------------------------------

CHART = {"cell_w": 56, "cell_h": 34, "left": 60, "top": 28}


def chart(cells: list[dict[str, Any]], areas: list[str]) -> dict[str, Any]:
    """Geometry of the server-side SVG: one row per area, one column per NQF level, bars by count."""
    levels = list(range(1, 9))
    peak = max((c["count"] for c in cells if c["area"]), default=0) or 1
    cw, ch, left, top = CHART["cell_w"], CHART["cell_h"], CHART["left"], CHART["top"]
    out = []
    for i, a in enumerate(areas):
        for j, lv in enumerate(levels):
            n = sum(c["count"] for c in cells if c["area"] == a and c["nqf_level"] == lv)
            bar = round((cw - 8) * n / peak, 1)
            out.append({"area": a, "level": lv, "count": n, "x": left + j * cw + 4, "y": top + i * ch + 6,
                        "w": bar, "h": ch - 12, "tx": left + j * cw + cw / 2, "ty": top + i * ch + ch / 2 + 4})
    return {"width": left + len(levels) * cw + 10, "height": top + len(areas) * ch + 10, "cells": out,
            "areas": [{"code": a, "y": top + i * ch + ch / 2 + 4} for i, a in enumerate(areas)],
            "levels": [{"level": lv, "x": left + j * cw + cw / 2} for j, lv in enumerate(levels)],
            "unplaced": sum(c["count"] for c in cells if not c["area"])}


def _grade_rule(order: list[str]) -> str:
    return "list" if order else "number"


def catalogue_data(request: Request, slug: str, job_id: int | None) -> dict[str, Any]:
    snap, _urls = _fw(request)
    with _store(request).engine.connect() as conn, auth.http_errors():
        org = acc.need_org(conn, slug)
        ov = cat.overview(conn, slug)
        job = cat.get_job(conn, slug, job_id) if job_id else cat.latest_job(conn, slug)
        order = cat.grade_order(conn, slug)
    areas = [a.code for a in snap.fw.areas]
    return {"page": "catalogue", "slug": slug, "org": {"slug": org.slug, "name": org.name(page_lang(request)),
                                                        "kind": org.kind},
            "overview": ov, "chart": chart(ov["cells"], areas), "job": _job_data(slug, job) if job else None,
            "grade_order": order, "grade_rule": _grade_rule(order), "low_confidence": LOW_CONFIDENCE,
            "limits": {"bytes": cio.MAX_BYTES, "rows": cio.MAX_ROWS}, "columns": list(cio.COLUMNS),
            "links": {"review": f"/orgs/{slug}/positions", "xlsx": f"/orgs/{slug}/catalogue.xlsx",
                      "csv": f"/orgs/{slug}/catalogue.csv", "template_xlsx": f"/orgs/{slug}/catalogue/template.xlsx",
                      "template_csv": f"/orgs/{slug}/catalogue/template.csv",
                      "pay_bands": f"/orgs/{slug}/catalogue/pay-bands"}}


@router.get("/orgs/{slug}/catalogue")
def catalogue_page(request: Request, slug: SlugP, p: Read,
                   job: Annotated[int | None, Query(ge=1)] = None) -> Response:
    return render(request, "catalogue.html", catalogue_data(request, slug, job), cacheable=False)


@api.get("/orgs/{slug}/catalogue", summary="The catalogue's overview: positions per area and level, flags, last job")
def catalogue_api(request: Request, slug: SlugP, p: Read) -> Response:
    return _private(json_response(catalogue_data(request, slug, None), cacheable=False))


@router.get("/orgs/{slug}/catalogue/template.{fmt}")
def template(request: Request, slug: SlugP, fmt: Annotated[str, Path(max_length=5)]) -> Response:
    """The blank catalogue (the same for every organisation)."""
    if fmt == "csv":
        body, media = cio.template_csv(), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, media = cio.template_xlsx(), XLSX
    else:
        raise ApiError(404, Text(N_("no template format %(format)s; csv or xlsx"), format=repr(fmt)))
    return Response(body, media_type=media,
                    headers={"content-disposition": f'attachment; filename="catalogue-template.{fmt}"'})


# --- review ----------------------------------------------------------------------------------------------------

def positions_data(request: Request, slug: str, filter: str, page: int) -> dict[str, Any]:
    if filter not in cat.FILTERS:
        raise ApiError(422, _unknown_filter(filter))
    snap, urls = _fw(request)
    lang = page_lang(request)
    with _store(request).engine.connect() as conn, auth.http_errors():
        items, count = cat.list_positions(conn, slug, filter=filter, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    pages = max(1, -(-count // PER_PAGE))
    for it in items:
        it["url"] = f"/orgs/{slug}/positions/{it['key']}"
        it["suggestions"] = views.suggestion_views(snap, it["suggestions"], lang, urls)

    def link(**kw: Any) -> str:
        q = {"filter": filter, "page": page, **kw}
        return f"/orgs/{slug}/positions?" + urlencode({k: v for k, v in q.items() if v not in (None, "all", 1)})

    return {"page": "positions", "slug": slug, "filter": filter, "filters": list(cat.FILTERS), "count": count,
            "page_no": page, "pages": pages, "per_page": PER_PAGE, "positions": items,
            "prev": link(page=page - 1) if page > 1 else None, "next": link(page=page + 1) if page < pages else None,
            "filter_links": {f: f"/orgs/{slug}/positions" + (f"?filter={f}" if f != "all" else "")
                             for f in cat.FILTERS}}


@router.get("/orgs/{slug}/positions")
def positions_page(request: Request, slug: SlugP, p: Read,
                   filter: Annotated[str, Query(max_length=20)] = "all",
                   page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    return render(request, "catalogue_positions.html", positions_data(request, slug, filter, page), cacheable=False)


def _api_position(it: dict[str, Any]) -> dict[str, Any]:
    return {"key": it["key"], "title": it["title"], "department": it["department"], "grade": it["grade"],
            "placed": it["placed"], "error": it["error"],
            "suggestions": [{"row_id": s["row_id"], "area": s["area"], "nqf_level": s["nqf_level"],
                             "sqf_level": s["sqf_level"], "confidence": s["confidence"],
                             "evidence": s.get("evidence", [])} for s in it["suggestions"]],
            "decision": it["decision"], "placement": {"row_id": it["row_id"], "area": it["area"],
                                                      "nqf_level": it["nqf_level"], "sqf_level": it["sqf_level"]},
            "flags": it["flags"]}


@api.get("/orgs/{slug}/positions", summary="The catalogue's positions with suggestions and decisions (paginated)")
def positions_api(request: Request, slug: SlugP, p: Read,
                  filter: Annotated[str, Query(max_length=20, description=", ".join(cat.FILTERS))] = "all",
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    if filter not in cat.FILTERS:
        raise ApiError(422, _unknown_filter(filter))
    with _store(request).engine.connect() as conn, auth.http_errors():
        items, count = cat.list_positions(conn, slug, filter=filter, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    pages = max(1, -(-count // PER_PAGE))
    base = f"/api/v1/orgs/{slug}/positions?" + (f"filter={filter}&" if filter != "all" else "")
    return _private(json_response({"count": count, "page": page, "pages": pages,
                                   "next": f"{base}page={page + 1}" if page < pages else None,
                                   "positions": [_api_position(i) for i in items]}, cacheable=False))


def position_data(request: Request, slug: str, key: str) -> dict[str, Any]:
    snap, urls = _fw(request)
    lang = page_lang(request)
    with _store(request).engine.connect() as conn, auth.http_errors():
        it = cat.get_position(conn, slug, key)
        if it is None:
            raise ApiError(404, Text(N_("%(org)s has no position %(key)s"), org=slug, key=repr(key)))
        history = cat.decision_history(conn, slug, key)
        ladder = careers.ladder(cat.area_positions(conn, slug, it["area"]), it["area"]) if it["area"] else []
    it["suggestions"] = views.suggestion_views(snap, it["suggestions"], lang, urls)
    choices = [{"area": a.code, "rows": [{"id": r.id, "label": r.label, "nqf_level": r.nqf_level}
                                         for r in a.levels if r.descriptors]} for a in snap.fw.areas]
    steps = _steps(snap, it["row_id"], urls, lang) if it["row_id"] else []
    return {"page": "position", "slug": slug, "position": it, "choices": choices, "history": history,
            "ladder": ladder, "steps": steps, "careers_url": f"/careers/{it['row_id']}" if it["row_id"] else None,
            "action": f"/orgs/{slug}/positions/{key}/decision"}


@router.get("/orgs/{slug}/positions/{key}")
def position_page(request: Request, slug: SlugP, key: KeyP, p: Read) -> Response:
    return render(request, "catalogue_position.html", position_data(request, slug, key), cacheable=False)


@api.get("/orgs/{slug}/positions/{key}", summary="One position: suggestions with evidence, decision, career ladder")
def position_api(request: Request, slug: SlugP, key: KeyP, p: Read) -> Response:
    d = position_data(request, slug, key)
    return _private(json_response({**_api_position(d["position"]), "history": d["history"],
                                   "ladder": d["ladder"]}, cacheable=False))


class DecisionIn(BaseModel):
    row_id: str = Field(max_length=20, description="the chosen level row, e.g. 3.1-07")
    reason: str | None = Field(None, max_length=cat.MAX_REASON,
                               description="required when the row is not one of the suggestions")


def _decide(request: Request, slug: str, key: str, p: Principal, row_id: str, reason: str | None) -> dict[str, Any]:
    snap, _urls = _fw(request)
    row = _row_info(snap, row_id)
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        return cat.decide(tx, slug, key, row=row, reason=reason, reviewer=p.email)


@api.post("/orgs/{slug}/positions/{key}/decision", summary="Accept a suggestion, or choose another row with a reason")
def decision_api(request: Request, slug: SlugP, key: KeyP, body: DecisionIn, p: Write) -> Response:
    it = _decide(request, slug, key, p, body.row_id, body.reason)
    return _private(json_response(_api_position(it), cacheable=False))


@router.post("/orgs/{slug}/positions/{key}/decision")
def decision_form(request: Request, slug: SlugP, key: KeyP, p: Write,
                  choice: Annotated[str, Form(max_length=20)] = "",
                  other_row: Annotated[str, Form(max_length=20)] = "",
                  reason: Annotated[str, Form(max_length=cat.MAX_REASON)] = "",
                  back: Annotated[str, Form(max_length=300)] = "") -> Response:
    row_id = other_row if choice == "other" else choice
    if not row_id:
        raise ApiError(422, Text(N_("choose one of the suggestions, or another row with a reason")))
    _decide(request, slug, key, p, row_id, reason)
    target = back if back.startswith(f"/orgs/{slug}/") and "//" not in back else f"/orgs/{slug}/positions/{key}"
    return RedirectResponse(target, status_code=303)


# --- pay bands and grade order -----------------------------------------------------------------------------------

def bands_data(request: Request, slug: str) -> dict[str, Any]:
    snap, urls = _fw(request)
    with _store(request).engine.connect() as conn, auth.http_errors():
        bands = cat.pay_bands(conn, slug)
        order = cat.grade_order(conn, slug)
    rows = [{"row_id": r.id, "area": a.code, "label": r.label, "nqf_level": r.nqf_level, "url": urls.level(r.id),
             "band": bands.get(r.id, "")} for a, r in snap.fw.rows()]
    return {"page": "pay-bands", "slug": slug, "rows": rows, "bands": bands, "grade_order": order}


@router.get("/orgs/{slug}/catalogue/pay-bands")
def bands_page(request: Request, slug: SlugP, p: Read) -> Response:
    return render(request, "catalogue_bands.html", bands_data(request, slug), cacheable=False)


@router.post("/orgs/{slug}/catalogue/pay-bands")
async def bands_form(request: Request, slug: SlugP, p: Write) -> Response:
    form = await request.form()
    snap, _urls = _fw(request)
    bands = {rid: str(form.get(f"band_{rid}") or "") for rid in snap.rows if f"band_{rid}" in form}
    grades_text = form.get("grade_order")

    def write() -> None:
        with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
            cat.set_pay_bands(tx, slug, bands)
            if isinstance(grades_text, str):
                cat.set_grade_order(tx, slug, grades_text.splitlines())

    await _run(write)
    return RedirectResponse(f"/orgs/{slug}/catalogue/pay-bands", status_code=303)


class BandsIn(BaseModel):
    bands: dict[str, str] = Field(description="level row id → the organisation's pay band or grade ('' removes)",
                                  max_length=100)


class GradesIn(BaseModel):
    grades: list[str] = Field(max_length=200, description="the organisation's grades, lowest first")


@api.get("/orgs/{slug}/pay-bands", summary="The organisation's pay band per level row, and its grade order")
def bands_api(request: Request, slug: SlugP, p: Read) -> Response:
    d = bands_data(request, slug)
    return _private(json_response({"bands": d["bands"], "grade_order": d["grade_order"]}, cacheable=False))


@api.put("/orgs/{slug}/pay-bands", summary="Attach pay bands to level rows")
def bands_put(request: Request, slug: SlugP, body: BandsIn, p: Write) -> Response:
    snap, _urls = _fw(request)
    for rid in body.bands:
        _row_info(snap, rid)
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        bands = cat.set_pay_bands(tx, slug, body.bands)
    return _private(json_response({"bands": bands}, cacheable=False))


@api.put("/orgs/{slug}/grade-order", summary="Set the order of the organisation's grades (lowest first)")
def grades_put(request: Request, slug: SlugP, body: GradesIn, p: Write) -> Response:
    with auth.http_errors(), acc.audited(_store(request), auth.actor(request, p)) as tx:
        order = cat.set_grade_order(tx, slug, body.grades)
    return _private(json_response({"grade_order": order}, cacheable=False))


# --- exports -----------------------------------------------------------------------------------------------------

def _export(request: Request, slug: str, fmt: str) -> Response:
    snap, _urls = _fw(request)
    with _store(request).engine.connect() as conn, auth.http_errors():
        rows = cat.export_rows(conn, slug)
    if fmt == "csv":
        body, media = cio.export_csv(rows), "text/csv; charset=utf-8"
    else:
        areas = {a.code: views.primary(a.title) for a in snap.fw.areas}
        note = f"{snap.fw.id}: level rows of the official Kazakh text; {UNOFFICIAL_NOTE['en']}"
        body, media = cio.export_xlsx(rows, areas, note), XLSX
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return _private(Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{slug}-catalogue-{stamp}.{fmt}"'}))


@router.get("/orgs/{slug}/catalogue.{fmt}")
def export_page(request: Request, slug: SlugP, fmt: Annotated[str, Path(max_length=5)], p: Read) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise ApiError(404, Text(N_("no export format %(format)s; csv or xlsx"), format=repr(fmt)))
    return _export(request, slug, fmt)


@api.get("/orgs/{slug}/catalogue.xlsx", summary="The decided catalogue as XLSX", response_class=Response)
def export_xlsx(request: Request, slug: SlugP, p: Read) -> Response:
    return _export(request, slug, "xlsx")


@api.get("/orgs/{slug}/catalogue.csv", summary="The decided catalogue as CSV", response_class=Response)
def export_csv(request: Request, slug: SlugP, p: Read) -> Response:
    return _export(request, slug, "csv")


# --- careers -----------------------------------------------------------------------------------------------------

def _steps(snap: Any, row_id: str, urls: views.Urls, lang: str) -> list[dict[str, Any]]:
    hit = snap.rows.get(row_id)
    if hit is None:
        return []
    _area, row = hit
    out = []
    for st in careers.next_steps(snap.fw, row_id):
        changes = compare_rows(row, st.row)
        counts = {c: {k: sum(1 for ch in lst if ch.kind == k) for k in ("same", "changed", "added", "removed")}
                  for c, lst in changes.items()}
        area = snap.rows[st.row.id][0]
        out.append({"kind": st.kind, **views.row_brief(area, st.row, urls),
                    "compare_url": urls.compare(row_id, st.row.id), "counts": counts})
    return out


def careers_data(request: Request, row_id: str) -> dict[str, Any]:
    snap, urls = _fw(request)
    hit = snap.rows.get(row_id)
    if hit is None:
        raise ApiError(404, _no_level_row(row_id, snap.fw.id))
    area, row = hit
    return {"page": "careers", "row": views.row_brief(area, row, urls),
            "framework": views.framework_brief(snap, page_lang(request), urls),
            "steps": _steps(snap, row_id, urls, page_lang(request)), "kinds": list(careers.KINDS),
            "self_assessment_url": f"/self-assessment?row={row_id}"}


@router.get("/careers/{row_id}")
def careers_page(request: Request, row_id: Annotated[str, Path(max_length=20)]) -> Response:
    return render(request, "careers.html", careers_data(request, row_id))


@api.get("/careers/{row_id}", summary="Next steps from a level row, with what changes")
def careers_api(request: Request, row_id: Annotated[str, Path(max_length=20)]) -> Response:
    return json_response(careers_data(request, row_id), request=request)


# --- self-assessment --------------------------------------------------------------------------------------------------

def _rating_form(request: Request, row_id: str, lang: str, from_text: bool) -> dict[str, Any]:
    snap, urls = _fw(request)
    try:
        rows = selfassess.rows_to_rate(snap.fw, row_id)
    except selfassess.InvalidAssessment as exc:
        raise ApiError(422, str(exc)) from None
    out = []
    for r in rows:
        area = snap.rows[r.id][0]
        out.append({**views.row_brief(area, r, urls), "chosen": r.id == row_id,
                    "columns": {c: [views.descriptor_dict(snap, d, lang, urls) for d in r.column(c)]
                                for c in ("competences", "skills", "knowledge")}})
    return {"row_id": row_id, "rows": out, "from_text": from_text}


def _chooser(request: Request) -> list[dict[str, Any]]:
    snap, _urls = _fw(request)
    return [{"area": a.code, "area_title": views.primary(a.title),
             "rows": [{"id": r.id, "label": r.label, "nqf_level": r.nqf_level} for r in a.levels if r.descriptors]}
            for a in snap.fw.areas]


@router.get("/self-assessment")
def self_assessment_start(request: Request, row: Annotated[str | None, Query(max_length=20)] = None,
                          text: Annotated[str | None, Query(max_length=1500)] = None) -> Response:
    """Choose a row (or place a job text with match), then rate the descriptors."""
    lang = page_lang(request)
    data: dict[str, Any] = {"page": "self-assessment", "choices": _chooser(request), "form": None, "text": text or "",
                            "ratings": selfassess.RATINGS}
    if text and not row:
        snap, urls = _fw(request)
        placed = views.match(snap, text, 1, lang, urls)
        if placed["suggestions"]:
            row = placed["suggestions"][0]["row_id"]
    if row:
        data["form"] = _rating_form(request, row, lang, bool(text))
    return render(request, "selfassess.html", data, cacheable=False)


def _create_assessment(request: Request, row_id: str, ratings: dict[str, Any], lang: str) -> str:
    snap, _urls = _fw(request)
    try:
        row_ids = [r.id for r in selfassess.rows_to_rate(snap.fw, row_id)]
        clean = selfassess.check_ratings(snap.fw, row_ids, ratings)
    except selfassess.InvalidAssessment as exc:
        raise ApiError(422, str(exc)) from None
    store = _store(request)
    digest = auth.client_digest(request, "selfassess")  # the address is not kept, only its keyed digest
    limit, window = SELF_RATE
    if digest:
        with store.engine.connect() as conn:
            if cat.assessments_from(conn, digest, datetime.now(UTC) - window) >= limit:
                raise ApiError(429, Text(N_("at most %(n)s self-assessments per hour from one address; try later"),
                                         n=limit))
    with acc.audited(store, auth.actor(request)) as tx:
        return cat.create_assessment(tx, snap.fw.id, row_ids, clean, lang, digest)


@router.post("/self-assessment", dependencies=[Depends(auth.csrf_protect)])  # public (PUBLIC_WRITES), CSRF-checked
async def self_assessment_post(request: Request) -> Response:
    form = await request.form()
    if len(form) > 80:
        raise ApiError(413, Text(N_("too many fields in the form")))
    row_id = str(form.get("row") or "")[:20]
    ratings = {k[2:]: v for k, v in form.items() if k.startswith("r_") and isinstance(v, str) and v != ""}
    token = await _run(_create_assessment, request, row_id, ratings, page_lang(request))
    return RedirectResponse(f"/self-assessment/{token}", status_code=303)


class AssessmentIn(BaseModel):
    row_id: str = Field(max_length=20, description="the row chosen; its neighbours below and above are rated too")
    ratings: dict[str, int] = Field(max_length=60, description="descriptor id → 0 not yet, 1 partly, 2 fully")
    lang: str = Field("kk", pattern="^(kk|ru|en)$")


@api.post("/self-assessments", status_code=201, summary="Create a self-assessment (no account needed)",
          responses={429: {"model": ErrorResponse, "description": "Too many self-assessments from this address"}})
def self_assessment_api_post(request: Request, body: AssessmentIn) -> Response:
    token = _create_assessment(request, body.row_id, body.ratings, body.lang)
    data = assessment_data(request, token)
    return _private(json_response({**data, "token": token}, 201, cacheable=False))


def assessment_data(request: Request, token: str, lang: str | None = None) -> dict[str, Any]:
    snap, urls = _fw(request)
    lang = lang or page_lang(request)
    with _store(request).engine.connect() as conn:
        a = cat.get_assessment(conn, token)
        handoff = areq.public_view(conn, snap.fw, token, lang=lang)  # hand-off to a recognition centre
    if a is None:
        raise ApiError(404, Text(N_("no such self-assessment (the link is wrong or incomplete)")))
    result = selfassess.assess(snap.fw, a["row_ids"], a["ratings"])
    rows = []
    for fit in result["rows"]:
        area, r = snap.rows[fit["row_id"]]
        rows.append({**views.row_brief(area, r, urls), **fit, "best": fit["row_id"] == result["best_row_id"],
                     "descriptors": [{**views.descriptor_dict(snap, d, lang, urls), "column": d.column,
                                      "rating": a["ratings"].get(d.id)} for d in r.descriptors]})
    gap = result["gap"]
    if gap:
        area, r = snap.rows[gap["row_id"]]
        gap = {**gap, **views.row_brief(area, r, urls),
               "compare_url": urls.compare(result["best_row_id"], gap["row_id"]),
               "items": [{**it, **views.descriptor_dict(snap, snap.descriptors[it["descriptor_id"]][2], lang, urls)}
                         for it in gap["items"]]}
    return {"page": "self-assessment-result", "url": f"/self-assessment/{token}",
            "api_url": f"/api/v1/self-assessments/{token}", "pdf": {lg: f"/self-assessment/{token}/pdf?lang={lg}"
                                                                     for lg in ("kk", "ru", "en")},
            "created_at": a["created_at"], "rows": rows, "best_row_id": result["best_row_id"], "gap": gap,
            "threshold": result["threshold"], "ratings": selfassess.RATINGS, "framework_id": a["framework_id"],
            "handoff": handoff}


def _noindex(resp: Response) -> Response:
    resp.headers["x-robots-tag"] = "noindex"
    resp.headers["referrer-policy"] = "no-referrer"  # the link is the only key: never leak it
    return _private(resp)


@router.get("/self-assessment/{token}")
def self_assessment_page(request: Request, token: Annotated[str, Path(max_length=100)]) -> Response:
    return _noindex(render(request, "selfassess_result.html", assessment_data(request, token), cacheable=False))


@api.get("/self-assessments/{token}", summary="A self-assessment's result")
def self_assessment_api(request: Request, token: Annotated[str, Path(max_length=100)]) -> Response:
    return _noindex(json_response(assessment_data(request, token), cacheable=False))


@router.get("/self-assessment/{token}/pdf")
def self_assessment_pdf(request: Request, token: Annotated[str, Path(max_length=100)],
                        lang: Annotated[str, Query(pattern="^(kk|ru|en)$")] = "kk") -> Response:
    from qualframe.documents import pdf

    data = assessment_data(request, token, lang)
    web = qf(request)
    html = web.env.get_template("selfassess_pdf.html").render(**template_context(web, request, lang), d=data,
                                                              font_css=pdf.font_face_css())
    try:
        body = pdf.render_pdf(html, pdf_variant=None)
    except pdf.RenderingUnavailable as exc:
        raise ApiError(503, f"PDF rendering is not available here: {exc}") from None
    except pdf.DocumentError as exc:
        raise ApiError(422, str(exc)) from None
    return _noindex(Response(body, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="self-assessment-{lang}.pdf"'}))
