"""Generated CASE v1.1 packages for the importer's hostile-input tests and bench/bench_import.py.

Shapes: flat (every item under the document), a deep chain, a chain of diamonds (every item below the
top has two isChildOf parents, so the number of paths doubles per layer), a wide fan-out, and any
graph given as edges. Identifiers are UUID v5 of readable names, so packages are deterministic.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

NS = uuid.UUID("6f1f3a52-3c1e-5b7a-9d0e-2a4b6c8d0e1f")
BASE = "https://gen.example/ims/case/v1p1"
STAMP = "2024-01-01T00:00:00Z"


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def doc_id(tag: str = "doc") -> str:
    return uid(f"{tag}/document")


def package(n_items: int, edges: Iterable[tuple[int, int]], *, tag: str = "doc", lang: str = "en",
            codes: dict[int, str] | None = None, statements: dict[int, str] | None = None) -> dict[str, Any]:
    """A package of items 0..n_items-1 and isChildOf edges (child, parent); parent -1 is the document.
    Item i is coded "I<i>" (or `codes[i]`) and says "Statement <i>." (or `statements[i]`)."""
    d = doc_id(tag)
    codes = codes or {}
    statements = statements or {}
    ids = [uid(f"{tag}/item/{i}") for i in range(n_items)]
    items = [{"identifier": ids[i], "uri": f"{BASE}/CFItems/{ids[i]}",
              "fullStatement": statements.get(i, f"Statement {i}."),
              "humanCodingScheme": codes.get(i, f"I{i}"), "lastChangeDateTime": STAMP, "language": lang}
             for i in range(n_items)]
    assocs = []
    for k, (child, parent) in enumerate(edges):
        a = uid(f"{tag}/assoc/{k}")
        dest = d if parent < 0 else ids[parent]
        assocs.append({
            "identifier": a, "uri": f"{BASE}/CFAssociations/{a}", "associationType": "isChildOf",
            "sequenceNumber": k + 1, "lastChangeDateTime": STAMP,
            "originNodeURI": {"title": f"I{child}", "identifier": ids[child], "uri": f"{BASE}/CFItems/{ids[child]}"},
            "destinationNodeURI": {"title": "parent", "identifier": dest, "uri": f"{BASE}/CFItems/{dest}"},
        })
    return {
        "CFDocument": {"identifier": d, "uri": f"{BASE}/CFDocuments/{d}", "creator": "generator",
                       "title": f"Generated framework {tag}", "lastChangeDateTime": STAMP, "caseVersion": "1.1",
                       "language": lang},
        "CFItems": items,
        "CFAssociations": assocs,
    }


def flat(n: int, **kw: Any) -> dict[str, Any]:
    """n items, all directly under the document."""
    return package(n, [(i, -1) for i in range(n)], **kw)


def chain(n: int, **kw: Any) -> dict[str, Any]:
    """Item 0 under the document, item i under item i-1: depth n."""
    return package(n, [(0, -1), *((i, i - 1) for i in range(1, n))], **kw)


def diamonds(depth: int, **kw: Any) -> dict[str, Any]:
    """Two items per layer, each a child of both items of the layer above: 2**depth paths to the bottom."""
    edges = [(0, -1), (1, -1)]
    for layer in range(1, depth):
        for j in (0, 1):
            edges += [(2 * layer + j, 2 * (layer - 1)), (2 * layer + j, 2 * (layer - 1) + 1)]
    return package(2 * depth, edges, **kw)


def fanout(n: int, **kw: Any) -> dict[str, Any]:
    """One item under the document, the other n-1 all children of it."""
    return package(n, [(0, -1), *((i, 0) for i in range(1, n))], **kw)


def to_bytes(pkg: dict[str, Any]) -> bytes:
    return json.dumps(pkg, ensure_ascii=False).encode("utf-8")
