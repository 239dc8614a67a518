"""CASE packages in the store: import (all or nothing, one transaction) and export.

An imported package becomes a framework of kind "case" (id "case-<CFDocument UUID>"), so the web app
lists it next to the shipped one. Two representations are written in the same transaction:
- the display mapping in the usual tables (depth-1 items → areas, depth-2 → level rows, deeper items →
  descriptors; qualframe's own packages map back exactly through their `extensions.qualframe` data);
- the package itself (`case_documents`, `case_objects`), from which the CASE provider serves it and
  `qualframe export case --framework ID` writes it back unchanged (round trip).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from qualframe.interop.case import build_package, canonical
from qualframe.interop.case_import import ParsedPackage
from qualframe.model import (
    COLUMNS,
    Area,
    Descriptor,
    Framework,
    LegalMetadata,
    LevelRow,
    SourceSpan,
)

KIND = "case"
ORIGIN = "case-import"
NO_SOURCE = SourceSpan(0, 0)  # imported items have no lines in a source text


class CaseStoreError(Exception):
    """An import or export that could not be done; the message says why and nothing was written."""


@dataclass(frozen=True)
class ImportResult:
    framework_id: str
    document_identifier: str
    written: bool
    items: int
    associations: int

    def to_dict(self) -> dict[str, Any]:
        return {"framework_id": self.framework_id, "document_identifier": self.document_identifier,
                "written": self.written, "items": self.items, "associations": self.associations}


def framework_id_for(document_identifier: str) -> str:
    return f"case-{document_identifier}"


def package_json(pkg: dict[str, Any]) -> str:
    """The canonical text stored and exported (sorted keys, identified arrays sorted by identifier)."""
    return json.dumps(canonical(pkg), ensure_ascii=False, indent=1) + "\n"


# --- display mapping ------------------------------------------------------------------------------


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}#{n}"
    taken.add(name)
    return name


def _sort_key(seq: int | None, item: dict[str, Any], index: int) -> tuple[Any, ...]:
    return (seq if seq is not None else 1 << 30, index)


def package_to_framework(pkg: dict[str, Any], framework_id: str, source: dict[str, Any]) -> Framework:
    """A display model of a CASE package: areas, level rows and descriptors from its isChildOf tree."""
    doc = pkg["CFDocument"]
    lang = (doc.get("language") or "und")[:8]
    items = {i["identifier"]: i for i in pkg.get("CFItems", ())}
    order = {ident: n for n, ident in enumerate(items)}
    children: dict[str, list[tuple[tuple[Any, ...], str]]] = defaultdict(list)
    for a in pkg.get("CFAssociations", ()):
        if a["associationType"] == "isChildOf" and a["originNodeURI"]["identifier"] in items:
            child = a["originNodeURI"]["identifier"]
            children[a["destinationNodeURI"]["identifier"]].append(
                (_sort_key(a.get("sequenceNumber"), items[child], order[child]), child))
    for lst in children.values():
        lst.sort()

    def kids(ident: str) -> list[str]:
        return [c for _, c in children.get(ident, ())]

    def ext(item: dict[str, Any]) -> dict[str, Any]:
        e = item.get("extensions", {}).get("qualframe")
        return e if isinstance(e, dict) else {}

    def span(item: dict[str, Any]) -> SourceSpan:
        s = ext(item).get("source")
        if isinstance(s, dict) and isinstance(s.get("lineStart"), int) and isinstance(s.get("lineEnd"), int):
            return SourceSpan(s["lineStart"], s["lineEnd"])
        return NO_SOURCE

    def column_of(item: dict[str, Any]) -> str:
        c = ext(item).get("column")
        if c in COLUMNS:
            return c
        t = f"{item.get('CFItemType', '')} {item.get('CFItemTypeURI', {}).get('title', '')}".lower()
        if "knowledge" in t:
            return "knowledge"
        if "skill" in t or "abilit" in t:
            return "skills"
        return "competences"

    area_codes: set[str] = set()
    row_ids: set[str] = set()
    desc_ids: set[str] = set()
    areas = []
    seen: set[str] = set()
    for ai, a_id in enumerate(kids(doc["identifier"]), 1):
        if a_id in seen:
            continue
        seen.add(a_id)
        a_item = items[a_id]
        code = _unique(str(ext(a_item).get("id") or a_item.get("humanCodingScheme") or ai), area_codes)
        rows = []
        for ri, r_id in enumerate(kids(a_id), 1):
            r_item = items[r_id]
            e = ext(r_item)
            rid = _unique(str(e.get("id") or r_item.get("humanCodingScheme") or f"{code}-{ri:02d}"), row_ids)
            cols: dict[str, list[Descriptor]] = {c: [] for c in COLUMNS}
            stack = list(reversed(kids(r_id)))
            while stack:  # every deeper item, depth first, in sequence order
                d_id = stack.pop()
                if d_id in seen:
                    continue
                seen.add(d_id)
                d_item = items[d_id]
                col = column_of(d_item)
                did = _unique(str(ext(d_item).get("id") or d_item.get("humanCodingScheme")
                                  or f"{rid}-{sum(map(len, cols.values())) + 1}"), desc_ids)
                cols[col].append(Descriptor(did, col, len(cols[col]) + 1, d_item["fullStatement"], span(d_item)))
                stack.extend(reversed(kids(d_id)))
            nqf = e.get("nqfLevel")
            rows.append(LevelRow(
                id=rid, position=ri, nqf_level=nqf if isinstance(nqf, int) else 0,
                sqf_level=e.get("sqfLevel") if isinstance(e.get("sqfLevel"), str) else None,
                level_source=e.get("levelSource") if e.get("levelSource") in ("printed", "inferred", "ambiguous")
                else "inferred",
                level_evidence=str(e.get("levelEvidence") or "") if isinstance(nqf, int)
                else "imported from a CASE package; no NQF level given",
                source=span(r_item),
                sublevel=e.get("sublevel") if isinstance(e.get("sublevel"), int) else None,
                sublevel_kind=e.get("sublevelKind") if e.get("sublevelKind") in ("managerial", "production")
                else None,
                **{c: tuple(v) for c, v in cols.items()},
            ))
        areas.append(Area(code=code, title={lang: a_item["fullStatement"]}, oked=(), levels=tuple(rows),
                          source=span(a_item)))
    adoption = str(doc.get("adoptionStatus", "")).lower()
    legal = LegalMetadata(
        issuing_body={lang: doc.get("creator", "")}, order_number="", order_date=doc.get("statusStartDate", ""),
        registration_number=None, registration_date=None, legal_basis="", entry_into_force="",
        status="repealed" if adoption in ("deprecated", "retired") else "in_force", repealed_by=None,
        nqf_basis=None, source_language=lang,
    )
    return Framework(id=framework_id, title={lang: doc["title"]}, legal=legal, statements=(), areas=tuple(areas),
                     errata=(), source_file=source)


# --- object index ---------------------------------------------------------------------------------

DEFINITION_KINDS = {"CFConcepts": "CFConcept", "CFSubjects": "CFSubject", "CFLicenses": "CFLicense",
                    "CFItemTypes": "CFItemType", "CFAssociationGroupings": "CFAssociationGrouping"}


def identified_objects(pkg: dict[str, Any]) -> list[tuple[str, str]]:
    """(identifier, kind) of every object a provider serves by id."""
    out = [(pkg["CFDocument"]["identifier"], "CFDocument")]
    out += [(i["identifier"], "CFItem") for i in pkg.get("CFItems", ())]
    out += [(a["identifier"], "CFAssociation") for a in pkg.get("CFAssociations", ())]
    for key, kind in DEFINITION_KINDS.items():
        out += [(o["identifier"], kind) for o in pkg.get("CFDefinitions", {}).get(key, ())]
    out += [(r["identifier"], "CFRubric") for r in pkg.get("CFRubrics", ())]
    return out


# --- import / export ------------------------------------------------------------------------------


def _open_store(database: str | None) -> Any:
    from qualframe.store import Store

    store = Store(database)
    store.migrate()
    return store


def _shipped_document_ids(store: Any) -> dict[str, str]:
    """CFDocument identifier → framework id, for the frameworks the store holds that are not imports."""
    out = {}
    for info in store.frameworks():
        if info.kind != KIND:
            from qualframe.interop.case import case_uuid

            out[case_uuid(f"{info.id}/document")] = info.id
    return out


def import_package(parsed: ParsedPackage, database: str | Any | None = None, *,
                   replace: bool = False) -> ImportResult:
    """Write a checked package into the store in one transaction (nothing is written on any failure).

    `database` is a URL, a `Store`, or None for the default store. An earlier import of the same
    CFDocument is an error unless `replace`; an identical earlier import is left as is.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from qualframe.store import Store
    from qualframe.store.case_models import CaseDocumentRow, CaseObjectRow

    if parsed.package is None:
        raise CaseStoreError("the package has errors; nothing was imported")
    pkg = parsed.package
    rep = parsed.report
    doc_id = pkg["CFDocument"]["identifier"]
    fid = framework_id_for(doc_id)
    text = package_json(pkg)
    pkg_sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    store = database if isinstance(database, Store) else _open_store(database)
    if isinstance(database, Store):
        store.migrate()
    shipped = _shipped_document_ids(store)
    if doc_id in shipped:
        raise CaseStoreError(
            f"this package is qualframe's own framework {shipped[doc_id]!r} (same CFDocument identifier "
            f"{doc_id}); it is already in the store, nothing was imported")
    objects = identified_objects(pkg)
    fw = package_to_framework(pkg, fid, {"name": rep.file.rsplit("/", 1)[-1][:200], "sha256": rep.sha256,
                                         "case_document": doc_id, "case_version": rep.case_version or ""})
    written = False
    try:
        with store.writing() as w:
            conn = w.conn
            prev = conn.execute(select(CaseDocumentRow.package_sha256).where(
                CaseDocumentRow.document_identifier == doc_id)).scalar_one_or_none()
            if prev is not None and prev == pkg_sha:
                pass  # identical import: nothing to do
            else:
                if prev is not None and not replace:
                    raise CaseStoreError(f"CFDocument {doc_id} was imported before as framework {fid}; "
                                         "use --replace to replace it (nothing was imported)")
                ids = [i for i, _ in objects]
                clash = []
                for k in range(0, len(ids), 500):
                    clash += conn.execute(select(CaseObjectRow.identifier, CaseObjectRow.framework_id).where(
                        CaseObjectRow.identifier.in_(ids[k:k + 500]), CaseObjectRow.framework_id != fid)).all()
                clash += [(i, shipped[i]) for i, _ in objects if i in shipped]
                if clash:
                    ident, owner = clash[0]
                    raise CaseStoreError(f"identifier {ident} already belongs to framework {owner} "
                                         f"({len(clash)} shared identifiers); nothing was imported")
                conn.execute(delete(CaseObjectRow).where(CaseObjectRow.framework_id == fid))
                conn.execute(delete(CaseDocumentRow).where(CaseDocumentRow.framework_id == fid))
                w.delete_framework(fid)
                w.put_framework(fw, kind=KIND, origin=ORIGIN)
                conn.execute(insert(CaseDocumentRow).values(
                    framework_id=fid, document_identifier=doc_id, case_version=rep.case_version or "1.1",
                    source_name=rep.file[-300:], source_sha256=rep.sha256, source_size=rep.size,
                    package_sha256=pkg_sha, imported_at=datetime.now(UTC), report=rep.to_dict(), package=text))
                conn.execute(insert(CaseObjectRow), [
                    {"identifier": i, "framework_id": fid, "kind": kind} for i, kind in objects])
                written = True
    except SQLAlchemyError as exc:
        raise CaseStoreError(f"writing {fid} failed and was rolled back: {exc.__class__.__name__}: "
                             f"{str(getattr(exc, 'orig', exc)).splitlines()[0][:300]}") from exc
    return ImportResult(fid, doc_id, written, len(pkg.get("CFItems", ())), len(pkg.get("CFAssociations", ())))


def stored_packages(store: Any) -> dict[str, dict[str, Any]]:
    """framework id → imported package, for every CASE import in the store."""
    from qualframe.store.case_models import CaseDocumentRow

    with store.engine.connect() as conn:
        rows = conn.execute(select(CaseDocumentRow.framework_id, CaseDocumentRow.package)).all()
    return {fid: json.loads(text) for fid, text in rows}


def export_package(framework: str, database: str | Any | None = None, base: str | None = None) -> dict[str, Any]:
    """The package of a framework in the store: an import as stored, else built from the model."""
    from qualframe.store import Store

    store = database if isinstance(database, Store) else _open_store(database)
    pkgs = stored_packages(store)
    key = framework if framework in pkgs else framework_id_for(framework.lower())
    if key in pkgs:
        return pkgs[key]
    try:
        fw = store.get_framework(framework)
    except KeyError:
        known = ", ".join(i.id for i in store.frameworks()) or "none"
        raise CaseStoreError(f"no framework {framework!r} in the store (frameworks: {known})") from None
    return build_package(fw, base)
