"""CASE packages in the store: import (all or nothing, one transaction) and export.

An imported package becomes a framework of kind "case" (id "case-<CFDocument UUID>"), so the web app
lists it next to the shipped one. Two representations are written in the same transaction:
- the display mapping (`qualframe.interop.case_mapping`) in the usual tables;
- the package itself (`case_documents`, `case_objects`), from which the CASE provider serves it and
  `qualframe export case --framework ID` writes it back unchanged (round trip).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from qualframe.interop.case import build_package, case_uuid
from qualframe.interop.case_import import ParsedPackage
from qualframe.interop.case_mapping import framework_id_for, identified_objects, package_json, package_to_framework
from qualframe.store.case_models import CaseDocumentRow, CaseObjectRow
from qualframe.store.store import Store

KIND = "case"
ORIGIN = "case-import"


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


# --- import / export ------------------------------------------------------------------------------


def _open_store(database: str | None) -> Store:
    store = Store(database)
    store.migrate()
    return store


def _shipped_document_ids(store: Any) -> dict[str, str]:
    """CFDocument identifier → framework id, for the frameworks the store holds that are not imports."""
    out = {}
    for info in store.frameworks():
        if info.kind != KIND:
            out[case_uuid(f"{info.id}/document")] = info.id
    return out


# Kinds an import may not share with a framework qualframe builds itself. Definitions (item types,
# concepts, subjects...) are vocabulary: the same UUID v5 name is the same definition, so sharing is fine.
_OWNED_KINDS = frozenset({"CFDocument", "CFItem", "CFAssociation", "CFRubric"})


def _shipped_identifiers(store: Store) -> dict[str, str]:
    """Identifier → framework id of every document, item and association the CASE provider serves for the
    frameworks that are not imports (built from the model, exactly as served)."""
    out: dict[str, str] = {}
    for info in store.frameworks():
        if info.kind != KIND:
            pkg = build_package(store.get_framework(info.id))
            out.update((ident, info.id) for ident, kind in identified_objects(pkg) if kind in _OWNED_KINDS)
    return out


def _clash_message(clash: list[tuple[str, str]]) -> str:
    """Name the clashing identifiers (a few per framework) and how many there are in all."""
    clash = sorted(set(clash), key=lambda c: (c[1], c[0]))  # the same message whatever order rows come in
    by_owner: dict[str, list[str]] = {}
    for ident, owner in clash:
        by_owner.setdefault(owner, []).append(ident)
    parts = []
    for owner, idents in by_owner.items():
        shown = ", ".join(idents[:5]) + (f" and {len(idents) - 5} more" if len(idents) > 5 else "")
        parts.append(f"{len(idents)} already belong to framework {owner} ({shown})")
    ident, owner = clash[0]
    return (f"identifier {ident} already belongs to framework {owner}; the package reuses "
            f"{len(clash)} identifiers of other frameworks: {'; '.join(parts)}. A CASE identifier names one "
            "object everywhere: give the package's own objects their own identifiers. Nothing was imported")


def import_package(parsed: ParsedPackage, database: str | Any | None = None, *,
                   replace: bool = False) -> ImportResult:
    """Write a checked package into the store in one transaction (nothing is written on any failure).

    `database` is a URL, a `Store`, or None for the default store. An earlier import of the same
    CFDocument is an error unless `replace`; an identical earlier import is left as is.
    """
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
    # The shipped framework is not in case_objects: the provider builds its package from the model.
    owned = _shipped_identifiers(store)
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
                clash += [(i, owned[i]) for i, _ in objects if i in owned]
                if clash:
                    raise CaseStoreError(_clash_message(clash))
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
    with store.engine.connect() as conn:
        rows = conn.execute(select(CaseDocumentRow.framework_id, CaseDocumentRow.package)).all()
    return {fid: json.loads(text) for fid, text in rows}


def export_package(framework: str, database: str | Any | None = None, base: str | None = None) -> dict[str, Any]:
    """The package of a framework in the store: an import as stored, else built from the model."""
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
