"""Reading a CASE package into qualframe's model: the display mapping and the index of identified objects.

Pure functions over a checked package (see `case_import`); `qualframe.store.case` persists what they
produce and `qualframe.web.routes.case` serves it. Depth-1 items become areas, depth-2 level rows,
deeper items descriptors; qualframe's own packages map back exactly through `extensions.qualframe`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from qualframe.interop.case import canonical
from qualframe.model import (
    COLUMNS,
    Area,
    Descriptor,
    Framework,
    LegalMetadata,
    LevelRow,
    SourceSpan,
)

NO_SOURCE = SourceSpan(0, 0)  # imported items have no lines in a source text


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
