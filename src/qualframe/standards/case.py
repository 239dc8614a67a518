"""A published standard version as a 1EdTech CASE v1.1 package (CFPackage).

- the standard version is a CFDocument (title: the Kazakh name; version: the version number; the code,
  the developer and the publication date in its fields and notes);
- profession cards, personal competences, labour functions, skills, abilities and knowledge are CFItems,
  typed by CFItemTypes of their own, in an `isChildOf` tree (cards are children of the document);
- an item built on a framework descriptor gets an association to that descriptor's CFItem in the
  framework's package: `exactMatchOf` when its Kazakh text is the descriptor's, else `isRelatedTo`
  (adapted from it); a card gets `hasSkillLevel` to the framework's level-row CFItem it stands on.

`fullStatement` is the Kazakh text (the source language); the Russian (and English) texts go in `notes`
and in `extensions.qualframe.text`. Identifiers are UUID v5 of readable names, stable across rebuilds.
"""

from __future__ import annotations

from typing import Any

from qualframe.interop.case import API_PREFIX, CASE_VERSION, case_uuid
from qualframe.standards.document import MAIN_TEXT, walk

ITEM_TYPES: dict[str, tuple[str, str]] = {  # kind -> (title, hierarchy code)
    "card": ("Profession card", "1"),
    "competence": ("Personal competence", "1.1"),
    "function": ("Labour function", "1.2"),
    "skill": ("Skill", "1.2.1"),
    "ability": ("Ability", "1.2.1.1"),
    "knowledge": ("Knowledge", "1.2.1.2"),
}


def _link(base: str, collection: str, ident: str, title: str) -> dict[str, str]:
    return {"title": title[:200] or ident, "identifier": ident, "uri": f"{base}{API_PREFIX}/{collection}/{ident}"}


def document_id(org: str, sid: str, number: int) -> str:
    return case_uuid(f"standard/{org}/{sid}/{number}/document")


def build_standard_package(doc: dict[str, Any], meta: dict[str, Any], base: str) -> dict[str, Any]:
    """The CFPackage of a standard version. `meta`: org, sid, org_name, code, published (ISO datetime)."""
    org, sid, number = meta["org"], meta["sid"], doc["number"]
    stamp = meta.get("published") or meta.get("updated") or "1970-01-01T00:00:00Z"
    prefix = f"standard/{org}/{sid}/{number}"
    doc_ident = document_id(org, sid, number)
    passport = doc["passport"]
    title = passport["name"].get("kk") or passport["name"].get("ru") or meta.get("code") or sid
    doc_link = _link(base, "CFDocuments", doc_ident, title)
    fw_id = doc["framework"]

    def type_link(kind: str) -> dict[str, str]:
        return _link(base, "CFItemTypes", case_uuid(f"qualframe/standard-itemtype/{kind}"), ITEM_TYPES[kind][0])

    items: list[dict[str, Any]] = []
    assocs: list[dict[str, Any]] = []
    item_of: dict[str, dict[str, Any]] = {}
    seq: dict[str, int] = {}

    def assoc(kind: str, origin: dict[str, Any], dest: dict[str, str], name: str, n: int | None = None,
              notes: str | None = None) -> None:
        ident = case_uuid(f"{prefix}/association/{kind}/{name}")
        a: dict[str, Any] = {"identifier": ident, "associationType": kind, "uri": f"{base}{API_PREFIX}/CFAssociations/"
                             f"{ident}", "originNodeURI": {"title": origin.get("humanCodingScheme") or
                                                           origin["fullStatement"][:60],
                                                           "identifier": origin["identifier"], "uri": origin["uri"]},
                             "destinationNodeURI": dest, "lastChangeDateTime": stamp}
        if n is not None:
            a["sequenceNumber"] = n
        if notes:
            a["notes"] = notes
        assocs.append(a)

    codes: dict[str, str] = {}
    for el, parent, _path in walk(doc):
        kind = el["kind"]
        if kind not in ITEM_TYPES:
            continue
        field = MAIN_TEXT.get(kind, "text")
        texts = el.get(field) or {}
        parent_key = parent["id"] if parent else "document"
        seq[parent_key] = seq.get(parent_key, 0) + 1
        code = f"{codes[parent['id']]}.{seq[parent_key]}" if parent else str(seq[parent_key])
        codes[el["id"]] = code
        ident = case_uuid(f"{prefix}/item/{el['id']}")
        notes = [f"[{lang}] {texts[lang]}" for lang in ("ru", "en") if texts.get(lang)]
        ext: dict[str, Any] = {"elementId": el["id"], "kind": kind, "text": {k: v for k, v in texts.items() if v}}
        item: dict[str, Any] = {
            "identifier": ident, "uri": f"{base}{API_PREFIX}/CFItems/{ident}",
            "fullStatement": texts.get("kk") or texts.get("ru") or "—",
            "humanCodingScheme": code, "listEnumeration": str(seq[parent_key]),
            "CFItemType": ITEM_TYPES[kind][0], "CFItemTypeURI": type_link(kind),
            "language": "kk", "lastChangeDateTime": stamp,
        }
        if kind == "function":
            ext["mandatory"] = bool(el.get("mandatory"))
            item["abbreviatedStatement"] = "mandatory" if el.get("mandatory") else "additional"
        if kind == "card":
            row = el.get("row") or {}
            for f in ("occupation_group", "occupation_code", "isco"):
                if el.get(f):
                    ext[f] = el[f]
            ext["row"] = {k: v for k, v in row.items() if v is not None}
            if row:
                lvl = f"ҰБШ {row.get('nqf_level')}"
                item["conceptKeywords"] = [lvl] + ([f"ISCO-08 {el['isco']}"] if el.get("isco") else [])
                notes.insert(0, f"Stands on framework row {row.get('row_id')} (area {row.get('area')}, NQF level "
                                f"{row.get('nqf_level')}, SQF {row.get('sqf_level') or '—'}).")
            for f in ("purpose", "education", "training", "experience"):
                if (el.get(f) or {}).get("kk"):
                    notes.append(f"{f}: {el[f]['kk']}")
        if notes:
            item["notes"] = "\n".join(notes)
        item["extensions"] = {"qualframe": ext}
        items.append(item)
        item_of[el["id"]] = item
        dest = doc_link if parent is None else {"title": codes[parent["id"]], "identifier": item_of[parent["id"]][
            "identifier"], "uri": item_of[parent["id"]]["uri"]}
        assoc("isChildOf", item, dest, el["id"], seq[parent_key])
        if kind == "card" and (el.get("row") or {}).get("row_id"):
            rid = el["row"]["row_id"]
            target = case_uuid(f"{el['row'].get('framework') or fw_id}/item/{rid}")
            assoc("hasSkillLevel", item, _link(base, "CFItems", target, rid), f"{el['id']}/level",
                  notes=f"The card stands on framework level row {rid}.")
        if el.get("descriptor"):
            did = el["descriptor"]
            target = case_uuid(f"{fw_id}/item/{did}")
            same = meta.get("descriptor_texts", {}).get(did) == texts.get("kk")
            assoc("exactMatchOf" if same else "isRelatedTo", item, _link(base, "CFItems", target, did),
                  f"{el['id']}/descriptor",
                  notes=("Copied verbatim from" if same else "Adapted from") + f" framework descriptor {did}.")

    document: dict[str, Any] = {
        "identifier": doc_ident, "uri": doc_link["uri"], "caseVersion": CASE_VERSION, "frameworkType":
            "Professional standard",
        "creator": meta.get("org_name") or org, "title": title, "lastChangeDateTime": stamp,
        "publisher": "qualframe", "language": "kk", "version": str(number),
        "adoptionStatus": "Adopted" if meta.get("published") else "Draft",
        "subject": sorted({(c.get("row") or {}).get("area") for c in doc["cards"]} - {None}) or ["ICT"],
        "notes": "\n".join(x for x in (
            f"Code: {meta['code']}." if meta.get("code") else "",
            f"[ru] {passport['name'].get('ru')}" if passport["name"].get("ru") else "",
            f"OKED: {', '.join(passport.get('oked') or [])}." if passport.get("oked") else "",
            f"Built on the framework {fw_id}; the Kazakh text is the source language.",
        ) if x),
        "extensions": {"qualframe": {"standard": sid, "org": org, "code": meta.get("code"), "number": number,
                                     "name": {k: v for k, v in passport["name"].items() if v}}},
    }
    if (passport.get("description") or {}).get("kk"):
        document["description"] = passport["description"]["kk"]
    if meta.get("published"):
        document["statusStartDate"] = meta["published"][:10]
    types = [{"identifier": case_uuid(f"qualframe/standard-itemtype/{k}"),
              "uri": type_link(k)["uri"], "title": t, "description": f"{t} of a professional standard "
              "(official template: кәсіби стандарт / профессиональный стандарт).", "hierarchyCode": hc,
              "typeCode": k, "lastChangeDateTime": stamp} for k, (t, hc) in ITEM_TYPES.items()]
    return _no_nulls({"CFDocument": document, "CFItems": items, "CFAssociations": assocs,
                      "CFDefinitions": {"CFItemTypes": types}})


def _no_nulls(obj: Any) -> Any:
    if isinstance(obj, dict):
        out = {k: _no_nulls(v) for k, v in obj.items() if v is not None}
        return {k: v for k, v in out.items() if v not in ({}, [], "")}
    if isinstance(obj, list):
        return [_no_nulls(v) for v in obj if v is not None]
    return obj
