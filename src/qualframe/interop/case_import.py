"""Read a CASE v1.0 or v1.1 package file into a checked, normalised CASE v1.1 package and a report.

Nothing is fetched: the input is a file (or bytes). The reader is lenient where the meaning is clear
and strict where it is not:
- errors (the package is refused): not UTF-8 or not JSON, over the size limit, wrong JSON types (an
  object where a string belongs...), missing required fields, identifiers that are not UUIDs, duplicate
  identifiers, isChildOf associations whose ends are not in the package (dangling) or that form a cycle,
  item codes longer than the store's columns keep (`qualframe.interop.limits`; same verdict on SQLite
  and PostgreSQL);
- warnings (the package is normalised to CASE v1.1 and the change is reported): control characters,
  lone surrogates and noncharacters removed (each place listed with its object and field), null values dropped,
  fields CASE v1.1 does not have dropped (e.g. v1.0 `CFDocumentURI` inside package items), timestamps
  without a time zone read as UTC, numbers given as strings, OpenSALT's `educationalLevel` renamed,
  items not reachable from the document.

`read_package(path)` returns a `ParsedPackage` whose `package` is None when there is any error, so a
caller cannot import half of a broken file. Every check is linear in the size of the package (no
recursion, no all-pairs loops; the graph checks count their steps in `ImportReport.work`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from qualframe.interop import limits
from qualframe.interop.case_spec import ASSOCIATION_TYPES, CLASSES
from qualframe.interop.common import control_chars, has_controls, strip_controls

MAX_BYTES = 20 * 1024 * 1024
MAX_LISTED = 20  # issues of one kind listed individually before "... and N more"

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_EXT_RE = re.compile(r"ext:[a-zA-Z0-9.\-_]+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SPACE_RE = re.compile(r"\s")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")  # an absolute URI starts with its scheme (RFC 3986)
# A JSON escape that may decode to a character `common.strip_controls` removes (C0, DEL, C1, surrogates used for
# astral noncharacters, U+FDD0-FDEF, U+FFFE/F); tab, LF and CR escapes also match, harmlessly.
_CONTROL_ESCAPE_RE = re.compile(r"\\u(?:00[0-1]|007|00[89]|[dD][89a-fA-F]|[fF][dD][d-eD-E]|[fF]{3}[eEfF])",
                                re.ASCII)
_BAD = object()


@dataclass
class Issue:
    """One finding; a warning of a kind seen many times is kept once, with a count and its first place."""

    severity: str  # "error" | "warning"
    path: str
    message: str
    count: int = 1

    def __str__(self) -> str:
        times = f" (×{self.count}, first at {self.path})" if self.count > 1 else f" (at {self.path})"
        return f"{self.severity}: {self.message}{times}"

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "path": self.path, "message": self.message, "count": self.count}


@dataclass
class ImportReport:
    """What was read and what was wrong with it; `ok` is False when there is any error."""

    file: str
    size: int = 0
    sha256: str = ""
    case_version: str | None = None
    document_identifier: str | None = None
    title: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    # graph-walk steps of the structure checks: a deterministic measure of the work an import costs
    # (tests and the bench check it grows linearly); not part of the report's JSON
    work: int = field(default=0, compare=False)
    _counts: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int), repr=False)
    _first: dict[tuple[str, str], Issue] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, path: str, message: str, kind: str | None = None) -> None:
        self._add("error", path, message, kind)

    def warn(self, path: str, message: str, kind: str | None = None, *, listed: bool = False) -> None:
        """A warning; `listed` ones are kept one by one like errors (the first MAX_LISTED of their kind,
        then one entry counting the rest), the others once per kind with a count."""
        self._add("warning", path, message, kind, listed)

    def _add(self, severity: str, path: str, message: str, kind: str | None, listed: bool = False) -> None:
        """Errors: the first MAX_LISTED of each kind, the rest counted. Warnings: one entry per kind."""
        key = (severity, kind or message)
        self._counts[key] += 1
        n = self._counts[key]
        if severity == "warning" and listed:
            if n <= MAX_LISTED:
                self.warnings.append(Issue(severity, path, message))
            elif n == MAX_LISTED + 1:
                self._first[key] = Issue(severity, path, f"more warnings like '{kind or message}' (see count)")
                self.warnings.append(self._first[key])
            else:
                self._first[key].count = n - MAX_LISTED
        elif severity == "warning":
            if n == 1:
                self._first[key] = Issue(severity, path, message)
                self.warnings.append(self._first[key])
            else:
                self._first[key].count = n
        elif n <= MAX_LISTED:
            self.errors.append(Issue(severity, path, message))

    def omitted(self) -> list[str]:
        return [f"{n - MAX_LISTED} more errors like '{kind}'" for (sev, kind), n in self._counts.items()
                if sev == "error" and n > MAX_LISTED]

    @property
    def error_count(self) -> int:
        return sum(n for (sev, _), n in self._counts.items() if sev == "error")

    @property
    def warning_count(self) -> int:
        return sum(n for (sev, _), n in self._counts.items() if sev == "warning")

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "size": self.size, "sha256": self.sha256, "case_version": self.case_version,
            "document_identifier": self.document_identifier, "title": self.title, "ok": self.ok,
            "error_count": self.error_count, "warning_count": self.warning_count,
            "errors": [i.to_dict() for i in self.errors], "warnings": [i.to_dict() for i in self.warnings],
            "omitted": self.omitted(), "stats": dict(self.stats),
        }


@dataclass
class ParsedPackage:
    report: ImportReport
    package: dict[str, Any] | None  # normalised CASE v1.1 package; None if the report has errors


def _jtype(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class _Normaliser:
    def __init__(self, rep: ImportReport, v10: bool) -> None:
        self.rep = rep
        self.v10 = v10
        # string checks by CASE type, looked up once (this runs for every string of the package)
        self._checks = {t: getattr(self, "_" + t.replace("-", "_")) for t in
                        ("uri", "uuid", "date", "date-time", "caseVersion", "associationType", "targetType")}

    def obj(self, value: Any, cls: str, path: str) -> Any:
        fields, required = CLASSES[cls]
        if not isinstance(value, dict):
            self.rep.error(path, f"expected an object ({cls}), got {_jtype(value)}", f"type:{cls}")
            return _BAD
        out: dict[str, Any] = {}
        bad: set[str] = set()  # fields already reported with a wrong type
        for k, v in value.items():
            p = f"{path}.{k}"
            if v is None:
                self.rep.warn(p, f"null value of {cls}.{k} dropped (CASE 1.1 has no nulls)", f"null:{cls}.{k}")
                continue
            if k == "educationalLevel" and cls in ("CFPckgItem", "CFItem") and "educationLevel" not in value:
                self.rep.warn(p, "'educationalLevel' (pre-1.0 OpenSALT name) read as 'educationLevel'",
                              "educationalLevel")
                k, p = "educationLevel", f"{path}.educationLevel"
            if k not in fields:
                self.rep.warn(p, f"field '{k}' is not part of CASE 1.1 {cls}; dropped", f"unknown:{cls}.{k}")
                continue
            nv = self.value(v, fields[k], p, f"{cls}.{k}")
            if nv is not _BAD:
                out[k] = nv
            else:
                bad.add(k)
        for r in required:
            if r in out:
                continue
            if cls == "CFItemType" and r == "description" and isinstance(out.get("title"), str):
                out[r] = out["title"]
                self.rep.warn(f"{path}.description", "CFItemType.description missing; set to its title",
                              "fill:CFItemType.description")
            elif cls in ("CFItemType", "CFSubject", "CFConcept") and r == "hierarchyCode":
                out[r] = ""
                self.rep.warn(f"{path}.hierarchyCode", f"{cls}.hierarchyCode missing; set to an empty string",
                              f"fill:{cls}.hierarchyCode")
            elif cls == "LinkURI" and r == "title" and "identifier" in out:
                out[r] = out["identifier"]
                self.rep.warn(f"{path}.title", "link title missing; set to the identifier", "fill:title")
            elif r not in bad:
                self.rep.error(path, f"required field '{r}' of {cls} is missing", f"required:{cls}.{r}")
        return out

    def value(self, v: Any, t: Any, path: str, what: str) -> Any:
        if isinstance(t, list):
            if isinstance(v, str) and t[0] == "string":
                self.rep.warn(path, f"{what} should be an array of strings; a comma-separated string was split",
                              f"split:{what}")
                return [s.strip() for s in v.split(",") if s.strip()]
            if not isinstance(v, list):
                self.rep.error(path, f"{what}: expected an array, got {_jtype(v)}", f"type:{what}")
                return _BAD
            out = []
            for i, x in enumerate(v):
                if x is None:
                    self.rep.warn(f"{path}[{i}]", f"null in {what} dropped", f"null:{what}[]")
                    continue
                nx = self.value(x, t[0], f"{path}[{i}]", what)
                if nx is not _BAD:
                    out.append(nx)
            return out
        if t in CLASSES:
            return self.obj(v, t, path)
        return self.scalar(v, t, path, what)

    def _string(self, v: Any, path: str, what: str) -> Any:
        if isinstance(v, str):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            self.rep.warn(path, f"{what}: number {v!r} given where CASE has a string; converted", f"num2str:{what}")
            return str(v)
        self.rep.error(path, f"{what}: expected a string, got {_jtype(v)}", f"type:{what}")
        return _BAD

    def scalar(self, v: Any, t: str, path: str, what: str) -> Any:
        if t in ("string", "uri", "uuid", "date", "date-time", "caseVersion", "associationType", "targetType"):
            s = self._string(v, path, what)
            if s is _BAD:
                return _BAD
            check = self._checks.get(t)
            return check(s, path, what) if check else s
        if t == "integer":
            if isinstance(v, int) and not isinstance(v, bool):
                return v
            if isinstance(v, str) and v.strip().lstrip("-").isdigit():
                self.rep.warn(path, f"{what}: integer given as a string; converted", f"str2int:{what}")
                return int(v)
            self.rep.error(path, f"{what}: expected an integer, got {_jtype(v)}", f"type:{what}")
            return _BAD
        if t == "number":
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return v
            self.rep.error(path, f"{what}: expected a number, got {_jtype(v)}", f"type:{what}")
            return _BAD
        if t == "object":
            if isinstance(v, dict):
                return v
            self.rep.error(path, f"{what}: expected an object, got {_jtype(v)}", f"type:{what}")
            return _BAD
        raise AssertionError(t)

    def _uuid(self, s: str, path: str, what: str) -> Any:
        low = s.strip().lower()
        if not _UUID_RE.fullmatch(low):
            self.rep.error(path, f"{what}: {s!r} is not an RFC 4122 UUID", f"uuid:{what}")
            return _BAD
        if low != s:
            self.rep.warn(path, f"{what}: UUID written in upper case or with spaces; normalised", "uuid-case")
        return low

    def _uri(self, s: str, path: str, what: str) -> Any:
        if not _SCHEME_RE.match(s) or _SPACE_RE.search(s):
            self.rep.error(path, f"{what}: {s[:80]!r} is not an absolute URI", f"uri:{what}")
            return _BAD
        return s

    def _date(self, s: str, path: str, what: str) -> Any:
        if _DATE_RE.fullmatch(s):
            try:
                date.fromisoformat(s)
                return s
            except ValueError:
                pass
        if _DATE_RE.match(s) and self._date_time(s, path, what, quiet=True) is not _BAD:
            self.rep.warn(path, f"{what}: a date-time given where CASE has a date; the date part kept", "dt2date")
            return s[:10]
        self.rep.error(path, f"{what}: {s[:40]!r} is not a date (YYYY-MM-DD)", f"date:{what}")
        return _BAD

    def _date_time(self, s: str, path: str, what: str, quiet: bool = False) -> Any:
        t = s.strip()
        if _DATE_RE.fullmatch(t):
            t += "T00:00:00"
        if len(t) > 10 and t[10] == " ":
            t = t[:10] + "T" + t[11:]
        try:
            dt = datetime.fromisoformat(t.replace("z", "Z"))
        except ValueError:
            if not quiet:
                self.rep.error(path, f"{what}: {s[:40]!r} is not a date-time", f"datetime:{what}")
            return _BAD
        if dt.tzinfo is None:
            t += "Z"
            if not quiet:
                self.rep.warn(path, "date-time without a time zone; read as UTC", "tz-missing")
        elif t != s and not quiet:
            self.rep.warn(path, "date-time normalised to RFC 3339 form", "dt-normalised")
        return t

    def _caseVersion(self, s: str, path: str, what: str) -> Any:
        return "1.1"

    def _associationType(self, s: str, path: str, what: str) -> Any:
        if s in ASSOCIATION_TYPES or _EXT_RE.fullmatch(s):
            return s
        ext = "ext:" + re.sub(r"[^a-zA-Z0-9.\-_]", "_", s)
        self.rep.warn(path, f"association type {s!r} is not a CASE 1.1 type; kept as {ext!r}", "assoc-ext")
        return ext

    def _targetType(self, s: str, path: str, what: str) -> Any:
        if s == "CASE" or _EXT_RE.fullmatch(s):
            return s
        ext = "ext:" + re.sub(r"[^a-zA-Z0-9.\-_]", "_", s)
        self.rep.warn(path, f"targetType {s!r} kept as {ext!r}", "target-ext")
        return ext


def _collect_ids(pkg: dict[str, Any]) -> list[tuple[str, str]]:
    """(identifier, path) of every identified object in a package."""
    out = [(pkg["CFDocument"]["identifier"], "CFDocument")]
    for key in ("CFItems", "CFAssociations"):
        out += [(o["identifier"], f"{key}[{i}]") for i, o in enumerate(pkg.get(key, ())) if "identifier" in o]
    for key, lst in pkg.get("CFDefinitions", {}).items():
        if isinstance(lst, list):
            out += [(o["identifier"], f"CFDefinitions.{key}[{i}]") for i, o in enumerate(lst) if "identifier" in o]
    for i, r in enumerate(pkg.get("CFRubrics", ())):
        out.append((r["identifier"], f"CFRubrics[{i}]"))
        for j, c in enumerate(r.get("CFRubricCriteria", ())):
            out.append((c["identifier"], f"CFRubrics[{i}].CFRubricCriteria[{j}]"))
            for k, lv in enumerate(c.get("CFRubricCriterionLevels", ())):
                out.append((lv["identifier"], f"CFRubrics[{i}].CFRubricCriteria[{j}].CFRubricCriterionLevels[{k}]"))
    return out


def item_code(item: dict[str, Any]) -> tuple[str, str] | None:
    """(code, field) an item is known by in the display mapping: `extensions.qualframe.id` (qualframe's
    own packages), else `humanCodingScheme`; None when it has neither (the mapping then numbers it)."""
    ext = item.get("extensions", {}).get("qualframe")
    if isinstance(ext, dict) and ext.get("id"):
        return str(ext["id"]), "extensions.qualframe.id"
    if item.get("humanCodingScheme"):
        return str(item["humanCodingScheme"]), "humanCodingScheme"
    return None


_GREY, _BLACK = 1, 2
_CYCLE_SHOWN = 12  # nodes of a cycle named in its error; longer cycles are shortened with "…"


def _cycle_names(trail: list[str], start: int, end: str, items: dict[str, dict[str, Any]]) -> str:
    """"a → b → … → a", at most _CYCLE_SHOWN names, without copying a long trail."""
    n = len(trail) - start
    if n <= _CYCLE_SHOWN:
        nodes: list[str] = [*trail[start:], end]
    else:
        half = _CYCLE_SHOWN // 2
        nodes = [*trail[start:start + half], f"… {n - _CYCLE_SHOWN} more …", *trail[-half:], end]
    return " → ".join(items.get(x, {}).get("humanCodingScheme") or x for x in nodes)


def _check_structure(pkg: dict[str, Any], rep: ImportReport) -> None:
    """Duplicate identifiers, dangling or cyclic isChildOf, unreachable items, unresolved links, codes
    longer than the store keeps. Every step is linear in items + associations: each graph walk visits
    an edge once (counted in `rep.work`), nothing recurses, so deep chains and diamonds are cheap."""
    work = 0
    seen: dict[str, str] = {}
    for ident, path in _collect_ids(pkg):
        if ident in seen:
            rep.error(path, f"duplicate identifier {ident} (also at {seen[ident]})", "duplicate-id")
        else:
            seen[ident] = path
    doc_id = pkg["CFDocument"]["identifier"]
    item_list = pkg.get("CFItems", ())
    items = {o["identifier"]: o for o in item_list}
    position: dict[str, int] = {}
    for i, o in enumerate(item_list):
        position.setdefault(o["identifier"], i)
    parents: dict[str, list[str]] = defaultdict(list)
    children: dict[str, list[str]] = defaultdict(list)
    for i, a in enumerate(pkg.get("CFAssociations", ())):
        work += 1
        path = f"CFAssociations[{i}]"
        origin = a["originNodeURI"]["identifier"].lower()
        dest = a["destinationNodeURI"]["identifier"].lower()
        if a["associationType"] == "isChildOf":
            if origin not in items:
                rep.error(path, f"isChildOf origin {origin} is not an item of this package (dangling)", "dangling")
                continue
            if dest != doc_id and dest not in items:
                rep.error(path, f"isChildOf destination {dest} is neither the document nor an item of this "
                                "package (dangling)", "dangling")
                continue
            if origin == dest:
                rep.error(path, f"item {origin} is its own parent (cycle)", "cycle")
                continue
            parents[origin].append(dest)
            children[dest].append(origin)
        elif origin not in items and origin != doc_id:
            rep.warn(path, f"{a['associationType']} origin {origin} is not in this package", "external-origin")
    # cycles: one iterative depth-first walk over child → parent edges, colouring nodes grey while they
    # are on the current path and black when done; an edge to a grey node closes a cycle
    colour: dict[str, int] = {}
    on_trail: dict[str, int] = {}
    cyclic = False
    for start in parents:
        if start in colour:
            continue
        colour[start], on_trail[start] = _GREY, 0
        trail, stack = [start], [(start, 0)]
        while stack:
            node, idx = stack[-1]
            ps = parents.get(node, ())
            if idx < len(ps):
                stack[-1] = (node, idx + 1)
                p = ps[idx]
                work += 1
                c = colour.get(p)
                if c == _GREY:
                    cyclic = True
                    rep.error("CFAssociations", "isChildOf cycle: " + _cycle_names(trail, on_trail[p], p, items),
                              "cycle")
                elif c is None:
                    colour[p], on_trail[p] = _GREY, len(trail)
                    trail.append(p)
                    stack.append((p, 0))
            else:
                colour[node] = _BLACK
                del on_trail[node]
                trail.pop()
                stack.pop()
    # reachability: one breadth-first walk down from the document
    reached = {doc_id}
    queue = [doc_id]
    for node in queue:
        for c in children.get(node, ()):
            work += 1
            if c not in reached:
                reached.add(c)
                queue.append(c)
    if not cyclic:  # with a cycle the tree is broken anyway; the cycle is the error to fix
        for o in items:
            if o not in reached:
                rep.warn(f"CFItems[{o}]", "item is not connected to the document by isChildOf", "orphan")
    work += len(items)
    work += _check_lengths(items, position, children, doc_id, rep)
    # links to definitions that the package does not contain
    defs = {o["identifier"] for lst in pkg.get("CFDefinitions", {}).values() if isinstance(lst, list) for o in lst}
    for i, it in enumerate(item_list):
        for key in ("CFItemTypeURI", "conceptKeywordsURI", "licenseURI"):
            link = it.get(key)
            if link and link["identifier"] not in defs:
                rep.warn(f"CFItems[{i}].{key}", f"{key} {link['identifier']} is not defined in the package",
                         f"undefined:{key}")
    rep.work += work
    rep.stats = {
        "items": len(items),
        "associations": len(pkg.get("CFAssociations", ())),
        "isChildOf": sum(1 for a in pkg.get("CFAssociations", ()) if a["associationType"] == "isChildOf"),
        **{k: len(v) for k, v in pkg.get("CFDefinitions", {}).items() if isinstance(v, list)},
        "rubrics": len(pkg.get("CFRubrics", ())),
    }


def _check_lengths(items: dict[str, dict[str, Any]], position: dict[str, int], children: dict[str, list[str]],
                   doc_id: str, rep: ImportReport) -> int:
    """Codes that would not fit the store's columns (`qualframe.interop.limits`), checked the same way
    for SQLite and PostgreSQL. Roles follow the display mapping: children of the document become areas,
    their children level rows, everything below rows descriptors; an item in several roles must fit
    the tightest. The mapping tells k items with the same code apart as "code#2" … "code#k", so that
    suffix counts too. Returns the number of steps taken (linear in items + isChildOf edges)."""
    work = 0
    areas = list(dict.fromkeys(c for c in children.get(doc_id, ()) if c in items))
    rows: list[str] = []  # one entry per area → row edge: the mapping makes a row for each
    for a in areas:
        for r in children.get(a, ()):
            work += 1
            rows.append(r)
    below: dict[str, None] = {}
    queue = [c for r in dict.fromkeys(rows) for c in children.get(r, ())]
    for node in queue:
        work += 1
        if node not in below:
            below[node] = None
            queue.extend(children.get(node, ()))
    roles = (("an area code (an item directly under the document)", limits.AREA_CODE, areas),
             ("a level row id (an item two levels down)", limits.ROW_ID, rows),
             ("a descriptor id (an item three or more levels down)", limits.DESCRIPTOR_ID, list(below)))
    for role, limit, members in roles:
        codes = [item_code(items[m]) for m in members]
        dupes = Counter(c[0] for c in codes if c)
        work += len(members)
        reported: set[str] = set()
        for m, code in zip(members, codes, strict=True):
            if code is None or m in reported:
                continue
            k = dupes[code[0]]
            need = len(code[0]) + (len(f"#{k}") if k > 1 else 0)
            if need > limit:
                reported.add(m)
                extra = f" (+ the suffix '#{k}' that tells its {k} namesakes apart)" if k > 1 else ""
                rep.error(f"CFItems[{position[m]}].{code[1]}",
                          f"{code[1]} of item {m} is {len(code[0])} characters long{extra}; the store keeps at "
                          f"most {limit} characters for {role}", "too-long")
    for r in dict.fromkeys(rows):
        ext = items[r].get("extensions", {}).get("qualframe")
        sqf = ext.get("sqfLevel") if isinstance(ext, dict) else None
        if isinstance(sqf, str) and len(sqf) > limits.SQF_LEVEL:
            rep.error(f"CFItems[{position[r]}].extensions.qualframe.sqfLevel",
                      f"extensions.qualframe.sqfLevel of item {r} is {len(sqf)} characters long; the store keeps at "
                      f"most {limits.SQF_LEVEL}", "too-long")
    return work


def _pairs_hook(rep: ImportReport) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k, v in pairs:
            if k in d:
                rep.error("$", f"key '{k}' appears twice in one JSON object", "dup-key")
            d[k] = v
        return d
    return hook


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a 20 MB package allocates millions of (acyclic) containers,
    and the full collections they trigger make parsing grow faster than linearly (x2.6 for twice the
    items instead of x1.7). Memory use is bounded by the size limit; the previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse_package_bytes(data: bytes, name: str = "<bytes>", max_bytes: int = MAX_BYTES) -> ParsedPackage:
    """Check and normalise a CASE package given as bytes; see the module docstring."""
    with _gc_paused():
        return _parse_package_bytes(data, name, max_bytes)


def _parse_package_bytes(data: bytes, name: str, max_bytes: int) -> ParsedPackage:
    rep = ImportReport(file=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    if len(data) > max_bytes:
        rep.error("$", f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes")
        return ParsedPackage(rep, None)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        rep.error("$", f"not UTF-8 text (invalid byte at offset {exc.start})")
        return ParsedPackage(rep, None)
    try:
        raw = json.loads(text, object_pairs_hook=_pairs_hook(rep), parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        rep.error(f"line {exc.lineno}, column {exc.colno}", f"malformed JSON: {exc.msg}")
        return ParsedPackage(rep, None)
    except ValueError as exc:
        rep.error("$", f"malformed JSON: {exc}")
        return ParsedPackage(rep, None)
    except RecursionError:
        rep.error("$", "malformed JSON: nesting too deep")
        return ParsedPackage(rep, None)
    return normalise_package(raw, rep, may_have_controls=bool(
        _CONTROL_ESCAPE_RE.search(text) or has_controls(text)))


def _path(node: tuple[Any, ...] | None) -> str:
    """"$.CFItems[3].notes" from the linked (parent, key) pairs the walk below keeps (built only when
    reported, so deep documents cost no long path strings)."""
    parts: list[str] = []
    while node is not None:
        node, key = node
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "$" + "".join(reversed(parts))


_LINK_KEYS = {"title", "identifier", "uri", "targetType"}


def _strip_control_chars(raw: Any, rep: ImportReport) -> None:
    """Remove control characters, lone surrogates and noncharacters (`common.strip_controls`) from
    every string and key of the parsed JSON, in place, and report each place with the identifier of the
    object it belongs to and the field. Such characters break XML (XLSX), terminals and PostgreSQL text,
    and carry no meaning in a framework. One iterative walk: linear in the size of the document."""
    def report(where: tuple[Any, ...], owner: str | None, fld: str, before: str) -> None:
        found = sorted({f"U+{ord(c):04X}" for c in control_chars(before)})
        rep.warn(_path(where), f"control characters {', '.join(found[:5])}{' …' if len(found) > 5 else ''} "
                 f"removed from {fld} of {strip_controls(owner or 'the package')}", "control-chars", listed=True)

    stack: list[tuple[Any, tuple[Any, ...] | None, str | None, str]] = [(raw, None, None, "$")]
    while stack:
        node, where, owner, fld = stack.pop()
        if isinstance(node, dict):
            ident = node.get("identifier")
            if isinstance(ident, str) and not node.keys() <= _LINK_KEYS:  # a link names another object
                owner = ident
            for k in [k for k in node if not k.isprintable() and has_controls(k)]:
                v, nk = node.pop(k), strip_controls(k)
                report((where, nk), owner, f"the key {nk[:60]!r}", k)
                if nk in node:
                    rep.error(_path((where, nk)), f"key '{nk}' appears twice in one JSON object once control "
                                                  "characters are removed", "dup-key")
                node[nk] = v
            entries: Any = node.items()
        elif isinstance(node, list):
            entries = enumerate(node)
        else:
            continue
        for k, v in entries:
            if isinstance(v, str):
                # isprintable() is a fast test that no Cc/Cs/Cn character is present (the whole class is)
                if not v.isprintable() and has_controls(v):
                    node[k] = strip_controls(v)
                    report((where, k), owner, k if isinstance(k, str) else fld, v)
            elif isinstance(v, (dict, list)):
                stack.append((v, (where, k), owner, k if isinstance(k, str) else fld))


def normalise_package(raw: Any, rep: ImportReport, *, may_have_controls: bool = True) -> ParsedPackage:
    """Check and normalise a parsed package (JSON values); strings are cleaned of control characters
    in place (skipped when the caller knows the JSON text had none). See the module docstring."""
    if not isinstance(raw, dict) or not isinstance(raw.get("CFDocument"), dict):
        rep.error("$", "not a CASE package: expected a JSON object with a 'CFDocument' object"
                  + ("" if isinstance(raw, dict) else f" (got {_jtype(raw)})"))
        return ParsedPackage(rep, None)
    if may_have_controls:
        _strip_control_chars(raw, rep)
    rep.case_version = "1.1" if raw["CFDocument"].get("caseVersion") == "1.1" else "1.0"
    norm = _Normaliser(rep, rep.case_version == "1.0")
    try:
        pkg = norm.obj(raw, "CFPackage", "$")
    except RecursionError:
        rep.error("$", "package nesting too deep")
        return ParsedPackage(rep, None)
    if pkg is _BAD or not isinstance(pkg.get("CFDocument"), dict) or "identifier" not in pkg["CFDocument"]:
        if rep.ok:
            rep.error("$.CFDocument", "the document has no usable identifier")
        return ParsedPackage(rep, None)
    doc = pkg["CFDocument"]
    rep.document_identifier = doc["identifier"]
    rep.title = doc.get("title")
    if rep.case_version == "1.0":
        rep.warn("$.CFDocument.caseVersion", "CASE 1.0 package converted to CASE 1.1 form", "converted")
    doc["caseVersion"] = "1.1"
    try:
        _check_structure(pkg, rep)
    except (KeyError, TypeError, AttributeError) as exc:  # only after earlier errors left gaps
        if rep.ok:
            rep.error("$", f"incomplete package: {exc}")
    return ParsedPackage(rep, pkg if rep.ok else None)


def read_package(path: Path | str, max_bytes: int = MAX_BYTES) -> ParsedPackage:
    """Read a CASE package file; the size limit is checked before the file is read."""
    p = Path(path)
    rep = ImportReport(file=str(p))
    try:
        size = p.stat().st_size
    except OSError as exc:
        rep.error("$", f"cannot read {p}: {exc.strerror or exc}")
        return ParsedPackage(rep, None)
    if size > max_bytes:
        rep.size = size
        rep.error("$", f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes")
        return ParsedPackage(rep, None)
    try:
        data = p.read_bytes()
    except OSError as exc:
        rep.error("$", f"cannot read {p}: {exc.strerror or exc}")
        return ParsedPackage(rep, None)
    return parse_package_bytes(data, str(p), max_bytes)
