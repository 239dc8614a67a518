"""The data behind every page and API answer, as plain JSON-able dicts built from a Snapshot.

Pages render these dicts with templates and their `.json` twins return them as they are, so the HTML
and the JSON can never disagree. Kazakh text is official; where another language is asked for, each
text carries a `translation` labelled "unofficial" (or "missing", falling back to Kazakh).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from qualframe.model import COLUMNS, Area, Descriptor, LevelRow, SourceSpan, lookup_oked
from qualframe.search.inputs import MATCH_MAX_CHARS, SEARCH_MAX_CHARS
from qualframe.web.catalog import Catalog, Snapshot
from qualframe.web.compare import compare_rows
from qualframe.web.errors import ApiError
from qualframe.web.i18n import fmt_date, translations

MAX_QUERY_CHARS = SEARCH_MAX_CHARS
MAX_MATCH_CHARS = MATCH_MAX_CHARS
MAX_MATCH_GET_CHARS = 1500  # a job text in the URL (GET /match)
MAX_URL_ID = 100  # longest id accepted in a URL path or query (the store keeps ids of at most 100 characters)
URL_ID_PLAIN = 64  # codes up to this long (and URL-safe) appear as they are in URLs; others as url_id()
MAX_NAV_AREAS = 60  # areas listed in an area page's navigation (the home page pages through all of them)
HOME_AREAS_PAGE = 200  # areas per page on the home page
MAX_COMPARE_CHOICES = 500  # level rows offered in the compare page's pickers

# Codes that survive a URL as they are (percent-encoded): no "/" or "\" (a path separator to routers and
# proxies), not "." or "..", no trailing ".json" (the JSON-twin suffix), no control characters, not
# starting with "~" (reserved for hashed ids), and short enough for the route's limit.
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]|^~|^\.\.?$|\.json$", re.IGNORECASE)


def url_id(code: str) -> str:
    """The id of an area, row or descriptor as it appears in URLs: the code when safe, else "~" and a
    hash of it (resolved back by the views through the snapshot)."""
    if len(code) <= URL_ID_PLAIN and not _UNSAFE.search(code):
        return code
    return "~" + hashlib.blake2b(code.encode("utf-8"), digest_size=10).hexdigest()


def _unhash(snap: Snapshot, ident: str) -> str:
    """The code behind a hashed url_id() in this snapshot (areas, rows and descriptors), or `ident`."""
    if not ident.startswith("~"):
        return ident
    table: dict[str, str] | None = getattr(snap, "_url_ids", None)  # built once per snapshot
    if table is None:
        table = {}
        for code in (*(a.code for a in snap.fw.areas), *snap.rows, *snap.descriptors):
            h = url_id(code)
            if h != code:
                table[h] = code
        snap._url_ids = table  # type: ignore[attr-defined]
    return table.get(ident, ident)


def find_descriptor(snap: Snapshot, ident: str) -> tuple[Area, LevelRow, Descriptor] | None:
    return snap.descriptors.get(ident) or snap.descriptors.get(_unhash(snap, ident))


class Urls:
    """Links inside one framework; the default framework lives at the site root."""

    def __init__(self, framework_id: str, default_id: str) -> None:
        self.fid = framework_id
        self.prefix = "" if framework_id == default_id else f"/frameworks/{quote(framework_id, safe='')}"

    def home(self) -> str:
        return self.prefix or "/"

    def area(self, code: str) -> str:
        return f"{self.prefix}/areas/{quote(url_id(code), safe='')}"

    def level(self, row_id: str) -> str:
        return f"{self.prefix}/levels/{quote(url_id(row_id), safe='')}"

    def compare(self, a: str | None = None, b: str | None = None) -> str:
        q = {k: url_id(v) for k, v in (("a", a), ("b", b)) if v}
        return f"{self.prefix}/compare" + (f"?{urlencode(q)}" if q else "")

    def errata(self) -> str:
        return f"{self.prefix}/errata"

    def oked(self, code: str | None = None) -> str:
        return "/oked" + (f"?{urlencode({'code': code})}" if code else "")

    def source(self, span: SourceSpan | None = None) -> str:
        if span is None or span.line_start < 1:
            return f"{self.prefix}/source"
        return f"{self.prefix}/source?from={span.line_start}&to={span.line_end}#L{span.line_start}"


def span_dict(span: SourceSpan | None, urls: Urls) -> dict[str, Any] | None:
    """Where a text stands in the source, with a link; None when it has no source lines (imports)."""
    if span is None or span.line_start < 1 or span.line_end < span.line_start:
        return None
    return {"line_start": span.line_start, "line_end": span.line_end, "url": urls.source(span)}


def primary(texts: dict[str, str], default: str = "") -> str:
    """The source-language text: Kazakh for the order; an imported CASE package may use another language."""
    return texts.get("kk") or next(iter(texts.values()), default)


def translated(snap: Snapshot, key: str, kk: str, lang: str) -> dict[str, Any] | None:
    """None for Kazakh; else {"lang", "text", "status": "unofficial"|"missing"} (missing → Kazakh text)."""
    if lang == "kk":
        return None
    tr = snap.tr(key, lang)
    if tr is None:
        return {"lang": lang, "text": kk, "status": "missing"}
    return {"lang": lang, "text": tr, "status": "unofficial"}


# --- framework ------------------------------------------------------------------------------------

def legal_summary(snap: Snapshot, lang: str) -> dict[str, Any]:
    lg = snap.fw.legal
    out: dict[str, Any] = {
        "status": lg.status,
        "approved": {"order_number": lg.order_number, "order_date": lg.order_date,
                     "order_date_text": fmt_date(lg.order_date, lang),
                     "issuing_body": lg.issuing_body.get("kk", ""),
                     "issuing_body_translation": translated(snap, "legal.issuing_body",
                                                            lg.issuing_body.get("kk", ""), lang)},
        "registered": None,
        "repealed": None,
        "adilet_id": lg.adilet_id,
        "legal_basis": lg.legal_basis,
        "source_language": lg.source_language,
    }
    if lg.registration_number:
        out["registered"] = {"number": lg.registration_number, "date": lg.registration_date,
                             "date_text": fmt_date(lg.registration_date, lang)}
    if lg.repealed_by:
        rb = lg.repealed_by
        out["repealed"] = {"order_number": rb.get("order_number"), "order_date": rb.get("order_date"),
                           "order_date_text": fmt_date(rb.get("order_date"), lang),
                           "issuing_body": rb.get("issuing_body", ""),
                           "issuing_body_translation": translated(snap, "legal.repealed_by.issuing_body",
                                                                  rb.get("issuing_body", ""), lang)}
    return out


def framework_brief(snap: Snapshot, lang: str, urls: Urls) -> dict[str, Any]:
    fw = snap.fw
    return {
        "id": fw.id,
        "title": primary(fw.title, fw.id),
        "title_translation": translated(snap, "framework.title", primary(fw.title), lang),
        "status": fw.legal.status,
        "kind": snap.info.kind,
        "origin": snap.info.origin,
        "url": urls.home(),
        "legal": legal_summary(snap, lang),
    }


def area_brief(snap: Snapshot, area: Area, lang: str, urls: Urls) -> dict[str, Any]:
    return {
        "code": area.code,
        "title": primary(area.title),
        "title_translation": translated(snap, f"area.{area.code}.title", primary(area.title), lang),
        "header_printed": area.header_printed,
        "annex": area.annex,
        "rows": len(area.levels),
        "source": span_dict(area.source, urls),
        "url": urls.area(area.code),
    }


def descriptor_dict(snap: Snapshot, d: Descriptor, lang: str, urls: Urls) -> dict[str, Any]:
    out: dict[str, Any] = {"id": d.id, "column": d.column, "order": d.order, "text": d.text,
                           "source": span_dict(d.source, urls),
                           "errata": snap.errata_by_target.get(f"descriptor:{d.id}", [])}
    tr = translated(snap, d.id, d.text, lang)
    if tr is not None:
        out["translation"] = tr
    return out


def row_brief(area: Area, r: LevelRow, urls: Urls) -> dict[str, Any]:
    return {
        "id": r.id,
        "area": area.code,
        "position": r.position,
        "label": r.label,
        "nqf_level": r.nqf_level,
        "sqf_level": r.sqf_level,
        "sublevel": r.sublevel,
        "sublevel_kind": r.sublevel_kind,
        "level_source": r.level_source,
        "level_evidence": r.level_evidence,
        "level_candidates": list(r.level_candidates),
        "source": span_dict(r.source, urls),
        "url": urls.level(r.id),
    }


def row_full(snap: Snapshot, area: Area, r: LevelRow, lang: str, urls: Urls) -> dict[str, Any]:
    out = row_brief(area, r, urls)
    msg = r.level_evidence_message
    # the level explanation as a message (code, params) and rendered in ?lang=; None where only the text is known
    out["level_evidence_message"] = msg.to_dict() if msg else None
    out["level_evidence_localized"] = (
        {"lang": lang, "text": r.explain_level(translations(lang).gettext)} if msg else None)
    out["columns"] = {c: [descriptor_dict(snap, d, lang, urls) for d in r.column(c)] for c in COLUMNS}
    return out


def _area(snap: Snapshot, code: str) -> Area:
    try:
        return snap.fw.area(_unhash(snap, code))
    except KeyError:
        codes = ", ".join(a.code[:40] for a in snap.fw.areas[:20]) + (", …" if len(snap.fw.areas) > 20 else "")
        raise ApiError(404, f"no area {code[:100]!r} in framework {snap.fw.id!r}; areas are {codes}") from None


def _row(snap: Snapshot, row_id: str) -> tuple[Area, LevelRow]:
    hit = snap.rows.get(row_id) or snap.rows.get(_unhash(snap, row_id))
    if hit is None:
        raise ApiError(404, f"no level row {row_id[:100]!r} in framework {snap.fw.id!r} (row ids look like "
                            f"{next(iter(snap.rows), '3.1-07')!r})")
    return hit


def get_snapshot(catalog: Catalog, framework_id: str) -> Snapshot:
    try:
        return catalog.get(framework_id)
    except KeyError:
        ids = ", ".join(i.id for i in catalog.infos())
        raise ApiError(404, f"no framework {framework_id!r} in the store; available: {ids}") from None


# --- pages ----------------------------------------------------------------------------------------

def home(snap: Snapshot, catalog: Catalog, lang: str, urls: Urls, offset: int = 0) -> dict[str, Any]:
    fw = snap.fw
    offset = max(0, min(offset, len(fw.areas)))
    shown = fw.areas[offset:offset + HOME_AREAS_PAGE]
    statements = []
    for role in ("definition", "users", "purpose", "use"):
        for s in fw.statements_with_role(role):
            statements.append({"id": s.id, "role": role, "text": s.text,
                               "translation": translated(snap, s.id, s.text, lang),
                               "source": span_dict(s.source, urls)})
    goals = [{"id": s.id, "text": s.text, "translation": translated(snap, s.id, s.text, lang),
              "source": span_dict(s.source, urls)} for s in fw.statements_with_role("strategic_goal")]
    return {
        "page": "home",
        "framework": framework_brief(snap, lang, urls),
        "statements": statements,
        "strategic_goals": goals,
        "areas": [area_brief(snap, a, lang, urls) for a in shown],
        "areas_page": _page(len(fw.areas), offset, HOME_AREAS_PAGE, urls.home()),
        "counts": {"areas": len(fw.areas), "rows": sum(len(a.levels) for a in fw.areas),
                   "descriptors": len(snap.descriptors), "errata": len(fw.errata)},
        "frameworks": [{"id": i.id, "title": i.title, "status": i.status, "kind": i.kind, "origin": i.origin,
                        "url": Urls(i.id, catalog_default(catalog)).home()} for i in catalog.infos()],
    }


def catalog_default(catalog: Catalog) -> str:
    return catalog.default_id


def _page(total: int, offset: int, size: int, base: str) -> dict[str, Any]:
    """Where a paged list stands: counts and links to the previous and next pages (None at the ends)."""
    def at(off: int) -> str:
        return base + ("?" + urlencode({"offset": off}) if off else "")

    return {"total": total, "offset": offset, "size": size,
            "prev_url": at(max(0, offset - size)) if offset > 0 else None,
            "next_url": at(offset + size) if offset + size < total else None}


def _nav_areas(snap: Snapshot, area: Area, lang: str, urls: Urls) -> list[dict[str, Any]]:
    """The areas around `area` for an area page's navigation: all of them when few, else a window."""
    areas = snap.fw.areas
    if len(areas) <= MAX_NAV_AREAS:
        return [area_brief(snap, a, lang, urls) for a in areas]
    i = next(n for n, a in enumerate(areas) if a is area)
    lo = max(0, min(i - MAX_NAV_AREAS // 2, len(areas) - MAX_NAV_AREAS))
    return [area_brief(snap, a, lang, urls) for a in areas[lo:lo + MAX_NAV_AREAS]]


def matrix(snap: Snapshot, code: str, lang: str, urls: Urls) -> dict[str, Any]:
    area = _area(snap, code)
    notes = [{"id": n.id, "text": n.text, "translation": translated(snap, n.id, n.text, lang)}
             for n in snap.fw.notes if n.id.startswith(f"note.{area.code}.")]
    return {
        "page": "matrix",
        "framework": framework_brief(snap, lang, urls),
        "area": area_brief(snap, area, lang, urls),
        "areas": _nav_areas(snap, area, lang, urls),
        "areas_total": len(snap.fw.areas),
        "all_areas_url": urls.home(),
        "oked": [{"code": o.code, "name": o.name.get("kk", ""),
                  "name_translation": translated(snap, f"oked.{area.code}.{o.code}", o.name.get("kk", ""), lang),
                  "errata": list(o.errata), "source": span_dict(o.source, urls)} for o in area.oked],
        "rows": [row_full(snap, area, r, lang, urls) for r in area.levels],
        "notes": notes,
        "errata": [erratum_dict(e, urls) for e in snap.fw.errata
                   if e.target == f"area:{area.code}" or e.target.startswith(
                       (f"row:{area.code}-", f"descriptor:{area.code}-", f"oked:{area.code}"))],
    }


def erratum_dict(e: Any, urls: Urls) -> dict[str, Any]:
    return {"id": e.id, "kind": e.kind, "target": e.target, "evidence": e.evidence,
            "explanation": e.explanation, "suggestion": e.suggestion, "source": span_dict(e.source, urls)}


def level(snap: Snapshot, row_id: str, lang: str, urls: Urls) -> dict[str, Any]:
    area, r = _row(snap, row_id)
    i = area.levels.index(r)
    prev_r = area.levels[i - 1] if i > 0 else None
    next_r = area.levels[i + 1] if i + 1 < len(area.levels) else None
    related = [e for e in snap.fw.errata
               if e.target == f"row:{r.id}" or e.target.startswith(f"descriptor:{r.id}-")]
    return {
        "page": "level",
        "framework": framework_brief(snap, lang, urls),
        "area": area_brief(snap, area, lang, urls),
        "row": row_full(snap, area, r, lang, urls),
        "prev": row_brief(area, prev_r, urls) if prev_r else None,
        "next": row_brief(area, next_r, urls) if next_r else None,
        "compare_next_url": urls.compare(r.id, next_r.id) if next_r else None,
        "errata": [erratum_dict(e, urls) for e in related],
        "crosswalks": _crosswalks(r, lang, snap.fw.id),
    }


def _crosswalks(r: LevelRow, lang: str, fid: str) -> dict[str, Any] | None:
    """"In EQF terms…" for the level page (qualframe.interop.crosswalk; None if it is not installed)."""
    try:
        from qualframe.interop.crosswalk import level_view
    except ImportError:
        return None
    return level_view(r, lang, fid)


def compare(snap: Snapshot, a: str | None, b: str | None, lang: str, urls: Urls) -> dict[str, Any]:
    choices = _compare_choices(snap, a, b)
    out: dict[str, Any] = {"page": "compare", "framework": framework_brief(snap, lang, urls), "choices": choices,
                           "a": None, "b": None, "columns": None, "summary": None}
    if not a or not b:
        return out
    area_a, ra = _row(snap, a)
    area_b, rb = _row(snap, b)
    changes = compare_rows(ra, rb)
    out["a"] = row_brief(area_a, ra, urls)
    out["b"] = row_brief(area_b, rb, urls)
    out["columns"] = {
        c: [{"kind": ch.kind,
             "a": descriptor_dict(snap, ch.a, lang, urls) if ch.a else None,
             "b": descriptor_dict(snap, ch.b, lang, urls) if ch.b else None,
             "similarity": ch.similarity,
             "diff": [{"op": op, "text": text} for op, text in ch.diff]} for ch in lst]
        for c, lst in changes.items()
    }
    counts = {c: {k: sum(1 for ch in lst if ch.kind == k) for k in ("same", "changed", "added", "removed")}
              for c, lst in changes.items()}
    out["summary"] = {"same_area": area_a.code == area_b.code, "nqf_delta": rb.nqf_level - ra.nqf_level,
                      "counts": counts}
    return out


def _compare_choices(snap: Snapshot, a: str | None, b: str | None) -> list[dict[str, Any]]:
    """The pickers' rows: every row when there are few, else the areas of a and b and the first areas up
    to MAX_COMPARE_CHOICES rows (a 20,000-area import would give megabytes of options)."""
    picked = {snap.rows[x][0].code for x in (a and _unhash(snap, a), b and _unhash(snap, b)) if x in snap.rows}
    out, rows = [], 0
    for ar in snap.fw.areas:
        if rows >= MAX_COMPARE_CHOICES and ar.code not in picked:
            continue
        levels = ar.levels if ar.code in picked else ar.levels[:max(0, MAX_COMPARE_CHOICES - rows)]
        if not levels:
            continue
        rows += len(levels)
        out.append({"area": ar.code, "area_title": primary(ar.title),
                    "rows": [{"id": r.id, "value": url_id(r.id), "label": r.label, "nqf_level": r.nqf_level}
                             for r in levels]})
    return out


def errata(snap: Snapshot, lang: str, urls: Urls) -> dict[str, Any]:
    return {"page": "errata", "framework": framework_brief(snap, lang, urls),
            "errata": [erratum_dict(e, urls) for e in snap.fw.errata]}


def oked(snap: Snapshot, code: str | None, lang: str, urls: Urls) -> dict[str, Any]:
    all_codes = [{"area": a.code, "code": o.code, "name": o.name.get("kk", ""),
                  "name_translation": translated(snap, f"oked.{a.code}.{o.code}", o.name.get("kk", ""), lang),
                  "errata": list(o.errata), "source": span_dict(o.source, urls)}
                 for a in snap.fw.areas for o in a.oked]
    out: dict[str, Any] = {"page": "oked", "framework": framework_brief(snap, lang, urls), "query": code,
                           "result": None, "codes": all_codes}
    if code:
        if len(code) > 40:
            raise ApiError(422, "OKED code too long (at most 40 characters), e.g. 62.01")
        m = lookup_oked(snap.fw, code)
        out["result"] = {
            "query": m.query, "code": m.code, "valid_syntax": m.valid_syntax, "nace2_name": m.nace2_name,
            "areas": m.areas,
            "hits": [{"area": h.area, "area_url": urls.area(h.area), "printed": h.printed,
                      "name": h.name.get("kk", ""), "kind": h.kind, "via": h.via, "errata": list(h.errata)}
                     for h in m.hits],
            "errata": [erratum_dict(e, urls) for e in m.errata],
        }
    return out


def source(snap: Snapshot, start: int | None, end: int | None, lang: str, urls: Urls,
           all_lines: bool = True) -> dict[str, Any]:
    lines = snap.source_lines
    n = len(lines)
    if start is not None and (start < 1 or (n and start > n)):
        raise ApiError(422, f"'from' must be a line number between 1 and {n}")
    if end is not None and (end < 1 or (n and end > n)):
        raise ApiError(422, f"'to' must be a line number between 1 and {n}")
    if start is not None and end is not None and end < start:
        raise ApiError(422, "'to' must not be before 'from'")
    if start is not None and end is None:
        end = start
    if end is not None and start is None:
        start = end
    shown = range(1, n + 1) if all_lines or start is None else range(start, (end or start) + 1)
    return {
        "page": "source", "framework": framework_brief(snap, lang, urls),
        "name": snap.source.name if snap.source else None, "sha256": snap.source.sha256 if snap.source else None,
        "line_count": n, "from": start, "to": end,
        "lines": [{"n": i, "text": lines[i - 1]} for i in shown],
    }


# --- search and match (engines by another module; see the contract in the README) ----------------

def _engine(module: str, name: str) -> Any:
    """The engine function, or a 503 naming the missing module. Imported here, on first use, because
    loading the engines costs time the app's start should not pay."""
    try:
        if module == "qualframe.search.engine":
            from qualframe.search.engine import search as fn
        else:
            from qualframe.match.engine import match as fn
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise ApiError(503, f"{name} is not available: module {module} is not installed") from None
        raise
    return fn


def _here(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def search(snap: Snapshot, q: str, lang: str, area: str | None, column: str | None, limit: int,
           ui_lang: str, urls: Urls, compute: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Search results as the pages and the API show them. `compute(fn, *args, **kw)` runs the engine
    elsewhere (a worker process: ``Web.compute``); None runs it here."""
    if len(q) > MAX_QUERY_CHARS:
        raise ApiError(422, f"query too long: {len(q)} characters, at most {MAX_QUERY_CHARS}")
    if area is not None:
        area = _area(snap, area).code
    if column is not None and column not in COLUMNS:
        raise ApiError(422, f"unknown column {column!r}; columns are {', '.join(COLUMNS)}")
    fn = _engine("qualframe.search.engine", "search")
    try:
        res = (compute or _here)(fn, q, lang=lang, area=area, column=column, limit=limit)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    results = []
    for r in res.get("results", []):
        item = dict(r)
        item["level_url"] = urls.level(r["row_id"])
        src = r.get("source") or {}
        if "line_start" in src:
            item["source"] = span_dict(SourceSpan(int(src["line_start"]), int(src["line_end"])), urls)
        hit = snap.descriptors.get(r.get("descriptor_id", ""))
        if hit:
            item["label"] = hit[1].label
            tr = translated(snap, hit[2].id, hit[2].text, ui_lang)
            if tr is not None:
                item["translation"] = tr
        results.append(item)
    return {"page": "search", "query": res.get("query", q), "lang": res.get("lang", lang), "area": area,
            "column": column, "limit": limit, "truncated": bool(res.get("truncated", False)), "results": results}


def match(snap: Snapshot, text: str, limit: int, ui_lang: str, urls: Urls,
          compute: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Match suggestions as the pages and the API show them; `compute` as for :func:`search`."""
    if len(text) > MAX_MATCH_CHARS:
        raise ApiError(422, f"text too long: {len(text)} characters, at most {MAX_MATCH_CHARS}")
    fn = _engine("qualframe.match.engine", "match")
    try:
        res = (compute or _here)(fn, text, limit=limit)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    return {"page": "match", "text": text, "lang": res.get("lang"), "limit": limit,
            "truncated": bool(res.get("truncated", False)),
            "suggestions": suggestion_views(snap, res.get("suggestions", []), ui_lang, urls)}


def suggestion_views(snap: Snapshot, found: list[dict[str, Any]], ui_lang: str, urls: Urls) -> list[dict[str, Any]]:
    """Match suggestions as the pages show them (match page, catalogue review): level links, and each piece
    of evidence with the official Kazakh text, its source lines and the UI language's translation."""
    suggestions = []
    for s in found:
        item = dict(s)
        item["level_url"] = urls.level(s["row_id"])
        hit = snap.rows.get(s["row_id"])
        if hit:
            item["label"] = hit[1].label
        ev_out = []
        for ev in s.get("evidence", []):
            e = dict(ev)
            d = snap.descriptors.get(ev.get("descriptor_id", ""))
            if d:
                # the engine may quote the text in the query's language; `text` stays the official Kazakh
                if ev.get("text") and ev["text"] != d[2].text:
                    e["matched_text"] = ev["text"]
                e["text"] = d[2].text
                e["source"] = span_dict(d[2].source, urls)
                tr = translated(snap, d[2].id, d[2].text, ui_lang)
                if tr is not None:
                    e["translation"] = tr
            ev_out.append(e)
        item["evidence"] = ev_out
        suggestions.append(item)
    return suggestions
