"""The closest framework descriptors for a standard's item, from the existing search engine.

One search per distinct (text, area), kept in a bounded LRU cache shared by the checks and the editor,
so re-checking a standard after an edit only searches the texts that changed. The text is cut to the
engine's input limit by the engine itself (`search.inputs.clean_text`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

CACHE_SIZE = 4096
TOP = 3
_cache: OrderedDict[tuple[str, str | None], list[dict[str, Any]]] = OrderedDict()
_lock = threading.Lock()


def closest(text: str, area: str | None = None) -> list[dict[str, Any]]:
    """The TOP descriptors closest to `text` (in `area` if given): id, row, NQF level, column, score, text."""
    key = (text.strip(), area)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    if not key[0]:
        return []
    from qualframe.search.engine import search

    res = search(key[0], area=area, limit=TOP)["results"]
    out = [{"descriptor_id": r["descriptor_id"], "row_id": r["row_id"], "area": r["area"],
            "nqf_level": r["nqf_level"], "sqf_level": r["sqf_level"], "column": r["column"], "score": r["score"],
            "text": r["text"]} for r in res]
    with _lock:
        _cache[key] = out
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return out


def suggestions(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """element id -> closest descriptors, for every function, skill, ability and knowledge item."""
    from qualframe.standards.document import text_of, walk_children

    out: dict[str, list[dict[str, Any]]] = {}
    for ci, card in enumerate(doc["cards"], 1):
        area = (card.get("row") or {}).get("area")
        for el, _, _ in walk_children(card, f"card {ci}"):
            if el["kind"] in ("function", "skill", "ability", "knowledge") and text_of(el):
                out[el["id"]] = closest(text_of(el), area)
    return out
