"""Read a CASE v1.0 or v1.1 package file into a checked, normalised CASE v1.1 package and a report.

Nothing is fetched: the input is a file (or bytes). The reader is lenient where the meaning is clear
and strict where it is not:
- errors (the package is refused): not UTF-8 or not JSON, over the size limit, wrong JSON types (an
  object where a string belongs...), missing required fields, identifiers that are not UUIDs, duplicate
  identifiers, isChildOf associations whose ends are not in the package (dangling) or that form a cycle;
- warnings (the package is normalised to CASE v1.1 and the change is reported): null values dropped,
  fields CASE v1.1 does not have dropped (e.g. v1.0 `CFDocumentURI` inside package items), timestamps
  without a time zone read as UTC, numbers given as strings, OpenSALT's `educationalLevel` renamed,
  items not reachable from the document.

`read_package(path)` returns a `ParsedPackage` whose `package` is None when there is any error, so a
caller cannot import half of a broken file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qualframe.interop.case_spec import ASSOCIATION_TYPES, CLASSES

MAX_BYTES = 20 * 1024 * 1024
MAX_LISTED = 20  # issues of one kind listed individually before "... and N more"

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_EXT_RE = re.compile(r"ext:[a-zA-Z0-9.\-_]+")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
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
    _counts: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int), repr=False)
    _first: dict[tuple[str, str], Issue] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, path: str, message: str, kind: str | None = None) -> None:
        self._add("error", path, message, kind)

    def warn(self, path: str, message: str, kind: str | None = None) -> None:
        self._add("warning", path, message, kind)

    def _add(self, severity: str, path: str, message: str, kind: str | None) -> None:
        """Errors: the first MAX_LISTED of each kind, the rest counted. Warnings: one entry per kind."""
        key = (severity, kind or message)
        self._counts[key] += 1
        n = self._counts[key]
        if severity == "warning":
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
            return getattr(self, "_" + t.replace("-", "_"), lambda x, p, w: x)(s, path, what)
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
        parts = urlsplit(s)
        if not parts.scheme or any(c.isspace() for c in s):
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


def _check_structure(pkg: dict[str, Any], rep: ImportReport) -> None:
    """Duplicate identifiers, dangling or cyclic isChildOf, unreachable items, unresolved links."""
    seen: dict[str, str] = {}
    for ident, path in _collect_ids(pkg):
        if ident in seen:
            rep.error(path, f"duplicate identifier {ident} (also at {seen[ident]})", "duplicate-id")
        else:
            seen[ident] = path
    doc_id = pkg["CFDocument"]["identifier"]
    items = {o["identifier"]: o for o in pkg.get("CFItems", ())}
    parents: dict[str, list[str]] = defaultdict(list)
    for i, a in enumerate(pkg.get("CFAssociations", ())):
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
        elif origin not in items and origin != doc_id:
            rep.warn(path, f"{a['associationType']} origin {origin} is not in this package", "external-origin")
    # cycles: iterative DFS over child → parent edges
    state: dict[str, int] = {}
    for start in list(parents):
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        trail: list[str] = []
        while stack:
            node, idx = stack.pop()
            if idx == 0:
                if state.get(node) == 1:
                    cyc = [*trail[trail.index(node):], node]
                    names = [items.get(n, {}).get("humanCodingScheme") or n for n in cyc]
                    rep.error("CFAssociations", "isChildOf cycle: " + " → ".join(names), "cycle")
                    continue
                if state.get(node) == 2:
                    continue
                state[node] = 1
                trail.append(node)
            ps = parents.get(node, [])
            if idx < len(ps):
                stack.append((node, idx + 1))
                stack.append((ps[idx], 0))
            else:
                state[node] = 2
                trail.pop()
    # reachability from the document (only meaningful without cycles)
    if not any(i.message.startswith("isChildOf cycle") for i in rep.errors):
        memo: dict[str, bool] = {doc_id: True}

        def reaches(n: str) -> bool:
            stack, order = [n], []
            while stack:
                x = stack.pop()
                if x in memo:
                    continue
                order.append(x)
                stack.extend(p for p in parents.get(x, ()) if p not in memo)
            for x in reversed(order):
                memo[x] = any(memo.get(p, False) for p in parents.get(x, ()))
            return memo.get(n, False)

        orphans = [i for i in items if not reaches(i)]
        for o in orphans:
            rep.warn(f"CFItems[{o}]", "item is not connected to the document by isChildOf", "orphan")
    # links to definitions that the package does not contain
    defs = {o["identifier"] for lst in pkg.get("CFDefinitions", {}).values() if isinstance(lst, list) for o in lst}
    for i, it in enumerate(pkg.get("CFItems", ())):
        for key in ("CFItemTypeURI", "conceptKeywordsURI", "licenseURI"):
            link = it.get(key)
            if link and link["identifier"] not in defs:
                rep.warn(f"CFItems[{i}].{key}", f"{key} {link['identifier']} is not defined in the package",
                         f"undefined:{key}")
    rep.stats = {
        "items": len(items),
        "associations": len(pkg.get("CFAssociations", ())),
        "isChildOf": sum(1 for a in pkg.get("CFAssociations", ()) if a["associationType"] == "isChildOf"),
        **{k: len(v) for k, v in pkg.get("CFDefinitions", {}).items() if isinstance(v, list)},
        "rubrics": len(pkg.get("CFRubrics", ())),
    }


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


def parse_package_bytes(data: bytes, name: str = "<bytes>", max_bytes: int = MAX_BYTES) -> ParsedPackage:
    """Check and normalise a CASE package given as bytes; see the module docstring."""
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
    return normalise_package(raw, rep)


def normalise_package(raw: Any, rep: ImportReport) -> ParsedPackage:
    if not isinstance(raw, dict) or not isinstance(raw.get("CFDocument"), dict):
        rep.error("$", "not a CASE package: expected a JSON object with a 'CFDocument' object"
                  + ("" if isinstance(raw, dict) else f" (got {_jtype(raw)})"))
        return ParsedPackage(rep, None)
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
