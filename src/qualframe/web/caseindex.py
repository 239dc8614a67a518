"""The CASE packages of every framework in the store, parsed once per store state and shared.

The CASE provider (web/routes/case.py) serves objects by identifier from it; the exports
(web/routes/exports.py) take an imported framework's package from it instead of parsing every stored
package on each download. Built in a worker thread (`qualframe.web.http.heavy`), never on the event loop.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from qualframe.dataset import load
from qualframe.interop.case import API_PREFIX, build_package
from qualframe.interop.case_mapping import identified_objects
from qualframe.interop.common import base_url
from qualframe.store.case import KIND, stored_packages
from qualframe.store.standards import case_packages as standards_packages


def compact(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class CaseIndex:
    """Every servable object of every package, by identifier, with the package bytes precomputed."""

    base: str
    documents: list[dict[str, Any]] = field(default_factory=list)  # CFDocument form, in framework order
    objects: dict[str, tuple[str, dict[str, Any], str]] = field(default_factory=dict)  # id → (kind, obj, doc id)
    packages: dict[str, bytes] = field(default_factory=dict)  # doc id → compact package JSON
    item_assocs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    doc_links: dict[str, dict[str, str]] = field(default_factory=dict)
    imported: dict[str, dict[str, Any]] = field(default_factory=dict)  # framework id → imported package

    def add(self, pkg: dict[str, Any]) -> None:
        doc = pkg["CFDocument"]
        doc_id = doc["identifier"]
        if doc_id in self.packages:
            return  # the same document twice (should not happen: imports refuse it)
        self.packages[doc_id] = compact(pkg)
        link = {"title": doc["title"], "identifier": doc_id, "uri": doc["uri"]}
        self.doc_links[doc_id] = link
        self.documents.append({**doc, "CFPackageURI": {
            "title": doc["title"], "identifier": doc_id, "uri": f"{self.base}{API_PREFIX}/CFPackages/{doc_id}"}})
        by_id: dict[str, dict[str, Any]] = {doc_id: self.documents[-1]}
        for i in pkg.get("CFItems", ()):
            by_id[i["identifier"]] = {**i, "CFDocumentURI": link}
        for a in pkg.get("CFAssociations", ()):
            by_id[a["identifier"]] = {**a, "CFDocumentURI": link}
            for end in (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"]):
                self.item_assocs.setdefault(end, []).append(a)
        for lst in pkg.get("CFDefinitions", {}).values():
            if isinstance(lst, list):
                for o in lst:
                    by_id[o["identifier"]] = o
        for r in pkg.get("CFRubrics", ()):
            by_id[r["identifier"]] = r
        for ident, kind in identified_objects(pkg):
            self.objects.setdefault(ident, (kind, by_id[ident], doc_id))


class IndexCache:
    """One CaseIndex per store state (the response cache's generation), rebuilt on first use after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Any = None
        self._index: CaseIndex | None = None

    def current(self, web: Any) -> CaseIndex | None:
        """The index if it is up to date (cheap: call it on the event loop), else None."""
        idx = self._index
        return idx if idx is not None and self._key == _key(web) else None

    def get(self, web: Any) -> CaseIndex:
        """The up-to-date index, built if needed (blocking: call it in a worker thread)."""
        key = _key(web)
        with self._lock:
            if self._index is None or self._key != key:
                self._index = build_index(web)
                self._key = key
            return self._index


def _key(web: Any) -> Any:
    return (id(web), web.cache.generation if web is not None else 0)


def build_index(web: Any) -> CaseIndex:
    idx = CaseIndex(base_url())
    if web is None:
        idx.add(build_package(load(), idx.base))
        return idx
    imported = None
    for info in sorted(web.catalog.infos(), key=lambda i: (i.id != web.default_id, i.id)):
        if info.kind == KIND:
            if imported is None:
                imported = stored_packages(web.store)
            if info.id in imported:
                idx.imported[info.id] = imported[info.id]
                idx.add(imported[info.id])
        else:
            idx.add(build_package(web.catalog.get(info.id).fw, idx.base))
    for pkg in standards_packages(web.store, idx.base):  # published professional standards
        idx.add(pkg)
    return idx


# one per process (the key holds the app, so several apps in one process do not mix)
INDEX = IndexCache()
