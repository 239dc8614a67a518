"""The JSON export of a standard version (schema: `qualframe/data/standard.schema.json`) and its import
as a new draft, element by element, with a report of everything refused.

Import rebuilds the document through the same validated edits the editor uses (`add_element`,
`edit_element`): an element that fails is left out with its children and reported with its path and
reason; the rest is kept. Element ids are made anew (links between cards are remapped), so an import
can never collide with, or smuggle ids into, another standard.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qualframe.standards.document import (
    CHILD_LIST,
    FORMAT,
    KINDS,
    SINGLETONS,
    DocumentError,
    add_element,
    edit_element,
    new_document,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "standard.schema.json"
MAX_IMPORT_BYTES = 4 * 1024 * 1024


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


def export_json(doc: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The export of one version: who and what it is, and the document."""
    return {"format": FORMAT,
            "standard": {"org": meta["org"], "id": meta["sid"], "code": meta.get("code"), "number": doc["number"],
                         "status": meta["status"], "published": meta.get("published"),
                         "org_name": meta.get("org_name")},
            "document": doc}


def _fields(el: dict[str, Any], kind: str) -> dict[str, Any]:
    texts, plain, _ = KINDS[kind]
    return {k: el[k] for k in (*texts, *plain) if k in el and k != "card"}


def import_document(data: Any, standard_id: str, framework_id: str, row_ref: Any) -> tuple[dict[str, Any], list[dict]]:
    """A new draft (number 1) from an export, and the report of refused parts [{path, message}]."""
    refused: list[dict[str, str]] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("document"), dict):
        raise DocumentError(f"not a qualframe standard export (expected format {FORMAT!r} with a document)",
                            "format")
    src = data["document"]
    if src.get("framework") not in (None, framework_id):
        refused.append({"path": "framework", "message": f"built on framework {str(src.get('framework'))[:60]!r}; "
                        f"imported onto {framework_id} (card rows are checked against it)"})
    doc = new_document(standard_id, framework_id)
    for s in SINGLETONS:
        el = src.get(s)
        if not isinstance(el, dict):
            refused.append({"path": s, "message": "missing or not an object; left empty"})
            continue
        try:
            edit_element(doc, s, 1, _fields(el, s))
            doc[s]["v"] = 1
        except DocumentError as exc:
            refused.append({"path": exc.path or s, "message": exc.message})
    id_map: dict[str, str] = {}
    links: list[tuple[dict[str, Any], Any]] = []

    def add(parent_id: str | None, el: Any, kind: str, path: str) -> None:
        if not isinstance(el, dict):
            refused.append({"path": path, "message": f"a {kind} must be an object"})
            return
        try:
            new = add_element(doc, parent_id, kind, _fields(el, kind), row_ref)
        except DocumentError as exc:
            refused.append({"path": path, "message": exc.message + (f" ({exc.path})" if exc.path else "")})
            return
        if isinstance(el.get("id"), str):
            id_map[el["id"]] = new["id"]
        if kind == "link" and el.get("card"):
            links.append((new, el["card"]))
        for lst in KINDS[kind][2]:
            children = el.get(lst) or []
            if not isinstance(children, list):
                refused.append({"path": f"{path}.{lst}", "message": "must be a list"})
                continue
            for i, child in enumerate(children, 1):
                add(new["id"], child, LIST_OF[lst], f"{path} › {LIST_OF[lst]} {i}")

    cards = src.get("cards") or []
    if not isinstance(cards, list):
        refused.append({"path": "cards", "message": "must be a list"})
        cards = []
    for i, card in enumerate(cards, 1):
        add(None, card, "card", f"card {i}")
    for link, old in links:
        if old in id_map:
            link["card"] = id_map[old]
        else:
            refused.append({"path": f"link {link['id']}", "message": f"links to card {str(old)[:40]!r}, which "
                            "is not in the import; the link keeps its text only"})
    return doc, refused


LIST_OF = {lst: kind for kind, lst in CHILD_LIST.items()}
