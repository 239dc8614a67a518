"""A professional standard version as one JSON document, and the edits made to it.

Layout (the official template, ../shared/DOMAIN.md): `general` (Ch.1 general provisions), `passport`
(Ch.2: names, OKED codes, short description, the code given on publication), `cards` (Ch.3 profession
cards: occupation codes, ISCO-08 unit group, the framework row, education/training/experience, main
purpose, personal competences, labour functions → skills → abilities and knowledge, links) and
`technical` (Ch.4: developer, contributors, council agreement, version, year, next review date).

Every element is a dict with a stable `id`, its `kind` and a version counter `v`. An edit names the
version it was based on; a different current version raises `Conflict` (the API answers 409), so two
people editing the same element never silently overwrite each other. Text fields are `{"kk", "ru",
"en"?}` dicts; Kazakh is the source language. Items built on a framework descriptor keep its id in
`descriptor`.
"""

from __future__ import annotations

import copy
import re
import secrets
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

FORMAT = "qualframe-standard/1"
LANGS = ("kk", "ru", "en")
# kind -> (text fields, plain fields, child lists)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "general": (("scope", "terms", "abbreviations"), (), ()),
    "passport": (("name", "description"), ("oked",), ()),
    "card": (("name", "isco_title", "education", "training", "experience", "purpose"),
             ("occupation_group", "occupation_code", "isco", "row"), ("competences", "functions", "links")),
    "competence": (("text",), ("descriptor",), ()),
    "function": (("name",), ("mandatory", "descriptor"), ("skills",)),
    "skill": (("name",), ("descriptor",), ("abilities", "knowledge")),
    "ability": (("text",), ("descriptor",), ()),
    "knowledge": (("text",), ("descriptor",), ()),
    "link": (("text",), ("card",), ()),
    "technical": (("developer", "contributors", "council"), ("version", "year", "next_review"), ()),
}
LIST_KIND = {"cards": "card", "competences": "competence", "functions": "function", "links": "link",
             "skills": "skill", "abilities": "ability", "knowledge": "knowledge"}
CHILD_LIST = {v: k for k, v in LIST_KIND.items()}
SINGLETONS = ("general", "passport", "technical")
# Items whose main text field is `name` rather than `text`.
MAIN_TEXT = {"card": "name", "function": "name", "skill": "name", "passport": "name"}

MAX_TEXT = 4000  # characters in one language of one text field
MAX_SHORT = 300
SHORT_TEXT = {"name", "isco_title"}
MAX_LIST = 200  # elements in one list
MAX_ELEMENTS = 5000  # elements in one document
MAX_OKED = 30
_CODE_RE = re.compile(r"^[0-9]{1,4}(?:-[0-9]{1,3})?$")  # occupation codes: 2512, 2512-1
_ISCO_RE = re.compile(r"^[0-9]{4}$")
_OKED_RE = re.compile(r"^[0-9]{2}(?:\.[0-9]{1,2}(?:\.[0-9]{1,2})?)?$")
_ROW_RE = re.compile(r"^[0-9]\.[0-9]-[0-9]{2}$")
_VERSION_RE = re.compile(r"^[0-9A-Za-z.\-]{1,20}$")


class DocumentError(ValueError):
    """An edit that cannot be made; `path` names the element or field, `kind` the HTTP-ish reason."""

    def __init__(self, message: str, path: str = "", kind: str = "invalid") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path
        self.kind = kind  # invalid | not_found


class Conflict(DocumentError):
    """The element changed since the version the edit was based on."""

    def __init__(self, element_id: str, expected: int, current: int) -> None:
        super().__init__(f"element {element_id} is at version {current}, the edit was based on version {expected}; "
                         "reload it and apply your change again", element_id, "conflict")
        self.element_id = element_id
        self.expected = expected
        self.current = current


def new_id(kind: str) -> str:
    """A short random element id, unique within a document."""
    return f"{kind[:2]}-{secrets.token_hex(5)}"


def _element(kind: str, eid: str | None = None) -> dict[str, Any]:
    texts, plain, children = KINDS[kind]
    el: dict[str, Any] = {"id": eid or new_id(kind), "kind": kind, "v": 1}
    for f in texts:
        el[f] = {"kk": "", "ru": ""}
    for f in plain:
        el[f] = [] if f == "oked" else (True if f == "mandatory" else None)
    for c in children:
        el[c] = []
    return el


def new_document(standard_id: str, framework_id: str, number: int = 1) -> dict[str, Any]:
    """An empty draft: the three singletons and no cards."""
    return {"format": FORMAT, "standard": standard_id, "number": number, "framework": framework_id,
            "general": _element("general", "general"), "passport": {**_element("passport", "passport"), "code": None},
            "cards": [], "technical": _element("technical", "technical"), "published": None}


# --- reading ------------------------------------------------------------------------------------------

def walk(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, str]]:
    """Every element with its parent (None for top-level ones) and a readable path, in document order."""
    for s in SINGLETONS:
        yield doc[s], None, s
    for ci, card in enumerate(doc["cards"], 1):
        cpath = f"card {ci}"
        yield card, None, cpath
        yield from walk_children(card, cpath)


def walk_children(el: dict[str, Any], path: str) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, str]]:
    for lst in KINDS[el["kind"]][2]:
        for i, child in enumerate(el[lst], 1):
            p = f"{path} › {child['kind']} {i}"
            yield child, el, p
            yield from walk_children(child, p)


def index(doc: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any] | None, str]]:
    return {el["id"]: (el, parent, path) for el, parent, path in walk(doc)}


def find(doc: dict[str, Any], element_id: str) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """The element, its parent and path; DocumentError(not_found) if absent."""
    hit = index(doc).get(element_id)
    if hit is None:
        raise DocumentError(f"no element {element_id!r} in this version", element_id, "not_found")
    return hit


def card_of(doc: dict[str, Any], element_id: str) -> dict[str, Any] | None:
    """The card an element belongs to (itself for a card)."""
    for card in doc["cards"]:
        if card["id"] == element_id or any(e["id"] == element_id for e, _, _ in walk_children(card, "")):
            return card
    return None


def text_of(el: dict[str, Any], lang: str = "kk") -> str:
    """The element's main text in `lang` (Kazakh when that language is empty)."""
    field = MAIN_TEXT.get(el["kind"], "text")
    t = el.get(field) or {}
    return (t.get(lang) or t.get("kk") or "").strip()


def count_elements(doc: dict[str, Any]) -> int:
    return sum(1 for _ in walk(doc))


# --- validating values --------------------------------------------------------------------------------

def _clean_str(value: Any, path: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DocumentError("must be a string", path)
    v = unicodedata.normalize("NFC", value).strip()
    if len(v) > limit:
        raise DocumentError(f"at most {limit} characters (got {len(v)})", path)
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in v):
        raise DocumentError("control characters are not allowed", path)
    return v


def clean_text(value: Any, path: str, limit: int = MAX_TEXT) -> dict[str, str]:
    """A `{"kk", "ru", "en"?}` text; other keys are refused."""
    if isinstance(value, str):
        value = {"kk": value}
    if not isinstance(value, dict):
        raise DocumentError("must be an object with kk, ru (and optionally en) strings", path)
    extra = set(value) - set(LANGS)
    if extra:
        raise DocumentError(f"unknown language(s) {', '.join(sorted(map(str, extra)))[:80]}; use kk, ru, en", path)
    out = {lang: _clean_str(value.get(lang), f"{path}.{lang}", limit) for lang in ("kk", "ru")}
    en = _clean_str(value.get("en"), f"{path}.en", limit)
    if en:
        out["en"] = en
    return out


def _clean_plain(kind: str, field: str, value: Any, path: str) -> Any:
    if field == "descriptor":
        return _clean_str(value, path, 40) or None
    if field == "mandatory":
        if not isinstance(value, bool):
            raise DocumentError("must be true (mandatory) or false (additional)", path)
        return value
    if field == "oked":
        if not isinstance(value, list) or len(value) > MAX_OKED:
            raise DocumentError(f"must be a list of at most {MAX_OKED} OKED codes", path)
        codes = []
        for i, c in enumerate(value):
            c = _clean_str(c, f"{path}[{i}]", 12).replace(",", ".")
            if not _OKED_RE.match(c):
                raise DocumentError(f"{c[:20]!r} is not an OKED code (like 62.01 or 61.10.1)", f"{path}[{i}]")
            if c not in codes:
                codes.append(c)
        return codes
    if field in ("occupation_group", "occupation_code"):
        v = _clean_str(value, path, 8)
        if v and not _CODE_RE.match(v):
            raise DocumentError(f"{v!r} is not an occupation code (like 2512 or 2512-1)", path)
        return v or None
    if field == "isco":
        v = _clean_str(value, path, 4)
        if v and not _ISCO_RE.match(v):
            raise DocumentError(f"{v!r} is not an ISCO-08 unit group (four digits)", path)
        return v or None
    if field == "row":
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("row_id"), str) \
                or not _ROW_RE.match(value["row_id"]):
            raise DocumentError("must name a framework row, like {\"row_id\": \"3.1-05\"}", path)
        return value  # filled in by `row_ref` from the framework; checked there
    if field == "card":
        return _clean_str(value, path, 40) or None
    if field == "version":
        v = _clean_str(value, path, 20)
        if v and not _VERSION_RE.match(v):
            raise DocumentError("letters, digits, dots and dashes only", path)
        return v or None
    if field == "year":
        if value in (None, ""):
            return None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1990 <= value <= 2200:
            raise DocumentError("must be a year between 1990 and 2200", path)
        return value
    if field == "next_review":
        v = _clean_str(value, path, 10)
        if v:
            try:
                date.fromisoformat(v)
            except ValueError:
                raise DocumentError(f"{v!r} is not a date (YYYY-MM-DD)", path) from None
        return v or None
    raise DocumentError(f"unknown field {field!r} for a {kind}", path)  # pragma: no cover


def clean_fields(kind: str, fields: Any, path: str) -> dict[str, Any]:
    """Validated values for the given fields of an element of `kind` (unknown fields are refused)."""
    if not isinstance(fields, dict):
        raise DocumentError("fields must be an object", path)
    texts, plain, _ = KINDS[kind]
    out: dict[str, Any] = {}
    for f, value in fields.items():
        fpath = f"{path}.{f}"
        if f in texts:
            out[f] = clean_text(value, fpath, MAX_SHORT if f in SHORT_TEXT else MAX_TEXT)
        elif f in plain:
            out[f] = _clean_plain(kind, f, value, fpath)
        else:
            allowed = ", ".join((*texts, *plain)) or "none"
            raise DocumentError(f"unknown field {str(f)[:40]!r} for a {kind} (fields: {allowed})", fpath)
    return out


# --- edits (each returns the changed element; the caller stores the document) --------------------------

def edit_element(doc: dict[str, Any], element_id: str, base_version: int, fields: Any,
                 row_ref: Any = None) -> dict[str, Any]:
    """Set fields of an element whose current version is `base_version`; bumps its version.

    `row_ref(row_id)` resolves a card's framework row (area, levels) and raises DocumentError if unknown.
    """
    el, _, path = find(doc, element_id)
    if el["v"] != base_version:
        raise Conflict(element_id, base_version, el["v"])
    values = clean_fields(el["kind"], fields, path)
    if "row" in values and values["row"] is not None:
        if row_ref is None:
            raise DocumentError("a framework row cannot be set here", f"{path}.row")
        values["row"] = row_ref(values["row"]["row_id"])
    if "card" in values and values["card"] is not None:
        target = index(doc).get(values["card"])
        if target is None or target[0]["kind"] != "card":
            raise DocumentError(f"{values['card']!r} is not a card of this standard", f"{path}.card")
    changed = {k: v for k, v in values.items() if el.get(k) != v}
    if changed:
        el.update(changed)
        el["v"] += 1
    return el


def add_element(doc: dict[str, Any], parent_id: str | None, kind: str, fields: Any = None,
                row_ref: Any = None, element_id: str | None = None) -> dict[str, Any]:
    """Append a new element of `kind` under `parent_id` (None for a card); returns it."""
    if kind not in CHILD_LIST:
        raise DocumentError(f"cannot add a {str(kind)[:30]!r}; kinds: {', '.join(CHILD_LIST)}", "kind")
    if count_elements(doc) >= MAX_ELEMENTS:
        raise DocumentError(f"a standard holds at most {MAX_ELEMENTS} elements", "kind")
    if kind == "card":
        if parent_id not in (None, ""):
            raise DocumentError("a card is added to the standard itself, not under an element", "parent")
        lst, path = doc["cards"], "cards"
    else:
        parent, _, ppath = find(doc, parent_id or "")
        lst_name = CHILD_LIST[kind]
        if lst_name not in KINDS[parent["kind"]][2]:
            raise DocumentError(f"a {kind} cannot be added under a {parent['kind']}", ppath)
        lst, path = parent[lst_name], f"{ppath} › {kind} {len(parent[lst_name]) + 1}"
    if len(lst) >= MAX_LIST:
        raise DocumentError(f"at most {MAX_LIST} elements in one list", path)
    el = _element(kind, element_id)
    lst.append(el)
    try:
        edit_element(doc, el["id"], 1, fields or {}, row_ref)
    except DocumentError:
        lst.pop()
        raise
    el["v"] = 1
    return el


def remove_element(doc: dict[str, Any], element_id: str, base_version: int) -> dict[str, Any]:
    """Remove an element (and everything under it) whose current version is `base_version`."""
    el, parent, path = find(doc, element_id)
    if el["kind"] in SINGLETONS:
        raise DocumentError("the general provisions, passport and technical data cannot be removed", path)
    if el["v"] != base_version:
        raise Conflict(element_id, base_version, el["v"])
    lst = doc["cards"] if parent is None else parent[CHILD_LIST[el["kind"]]]
    lst.remove(el)
    # links to a removed card would dangle
    if el["kind"] == "card":
        for card in doc["cards"]:
            for link in card["links"]:
                if link.get("card") == element_id:
                    link["card"] = None
                    link["v"] += 1
    return el


def card_from_row(doc: dict[str, Any], row: dict[str, Any], fields: Any = None) -> dict[str, Any]:
    """A new card standing on framework row `row` (as `row_ref` returns it, with its descriptors).

    Personal competences are pre-filled from the row's competences, each keeping its descriptor id;
    the row's skills and knowledge are not copied but offered (`offers`) as a starting point.
    """
    card = add_element(doc, None, "card", fields, row_ref=lambda _rid: row_summary(row))
    card["row"] = row_summary(row)
    for d in row.get("competences", ()):
        c = add_element(doc, card["id"], "competence", {"text": d["text"], "descriptor": d["id"]})
        c["v"] = 1
    return card


def row_summary(row: dict[str, Any]) -> dict[str, Any]:
    """What a card keeps of its framework row."""
    return {k: row.get(k) for k in ("framework", "row_id", "area", "nqf_level", "sqf_level", "sublevel")}


def offers(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The row's skills and knowledge descriptors, offered as a starting point for a card's items."""
    return [{"descriptor": d["id"], "column": col, "text": d["text"],
             "suggested_kind": "ability" if col == "skills" else "knowledge"}
            for col in ("skills", "knowledge") for d in row.get(col, ())]


def copy_for_new_version(doc: dict[str, Any], number: int) -> dict[str, Any]:
    """A new draft copying a published version: same element ids (so diffs pair them), no code."""
    new = copy.deepcopy(doc)
    new["number"] = number
    new["passport"]["code"] = None
    new["published"] = None
    return new
