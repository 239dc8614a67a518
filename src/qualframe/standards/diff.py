"""The difference between two versions of a standard: elements added, removed and changed, paired by
their stable ids (a new version copies the ids of the one it starts from). Linear in the elements."""

from __future__ import annotations

from typing import Any

from qualframe.standards.document import KINDS, walk

_SKIP = {"id", "kind", "v", "code"}  # the code is assigned on publication, not edited


def _fields(el: dict[str, Any]) -> dict[str, Any]:
    children = set(KINDS[el["kind"]][2])
    return {k: v for k, v in el.items() if k not in _SKIP and k not in children}


def diff(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Changes from version `a` to version `b`, in the order of `b` (removed ones where they were in `a`)."""
    ia = {el["id"]: (el, path) for el, _, path in walk(a)}
    ib = {el["id"]: (el, path) for el, _, path in walk(b)}
    out: list[dict[str, Any]] = []
    for eid, (el, path) in ia.items():
        if eid not in ib:
            out.append({"change": "removed", "id": eid, "kind": el["kind"], "path": path, "before": _fields(el),
                        "after": None})
    for eid, (el, path) in ib.items():
        if eid not in ia:
            out.append({"change": "added", "id": eid, "kind": el["kind"], "path": path, "before": None,
                        "after": _fields(el)})
            continue
        fa, fb = _fields(ia[eid][0]), _fields(el)
        changed = sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))
        if changed:
            out.append({"change": "changed", "id": eid, "kind": el["kind"], "path": path, "fields": changed,
                        "before": {k: fa.get(k) for k in changed}, "after": {k: fb.get(k) for k in changed}})
    return out


def summary(changes: list[dict[str, Any]]) -> dict[str, int]:
    out = {"added": 0, "removed": 0, "changed": 0}
    for c in changes:
        out[c["change"]] += 1
    return out
