"""OKED (Kazakhstan's classifier of economic activities, NK RK 03-2019 = NACE Rev. 2) look-up.

The framework's annexes list OKED codes per area. A query code matches a printed code exactly, through
its parents (62.01.1 → 62.01 → 62.0 → 62), or as the parent of printed codes (61 → 61.1, 61.2...).
Printed codes that errata reinterpret (92.12 → 95.12, 53.0 → 53) also match under that reading, and
say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from qualframe.model.framework import Area, Erratum, Framework, OkedCode

# Current edition (NACE Rev. 2) names for the divisions the ICT framework touches; used to check the
# printed codes and to name parents in answers. Not a full classifier.
NACE2: dict[str, str] = {
    "26": "Manufacture of computer, electronic and optical products",
    "26.1": "Manufacture of electronic components and boards",
    "26.11": "Manufacture of electronic components",
    "26.12": "Manufacture of loaded electronic boards",
    "26.2": "Manufacture of computers and peripheral equipment",
    "26.20": "Manufacture of computers and peripheral equipment",
    "26.3": "Manufacture of communication equipment",
    "26.30": "Manufacture of communication equipment",
    "26.4": "Manufacture of consumer electronics",
    "26.40": "Manufacture of consumer electronics",
    "26.5": "Manufacture of instruments and appliances for measuring, testing and navigation; watches and clocks",
    "26.51": "Manufacture of instruments and appliances for measuring, testing and navigation",
    "26.52": "Manufacture of watches and clocks",
    "26.6": "Manufacture of irradiation, electromedical and electrotherapeutic equipment",
    "26.60": "Manufacture of irradiation, electromedical and electrotherapeutic equipment",
    "26.7": "Manufacture of optical instruments and photographic equipment",
    "26.70": "Manufacture of optical instruments and photographic equipment",
    "26.8": "Manufacture of magnetic and optical media",
    "26.80": "Manufacture of magnetic and optical media",
    "46": "Wholesale trade, except of motor vehicles and motorcycles",
    "46.5": "Wholesale of information and communication equipment",
    "46.51": "Wholesale of computers, computer peripheral equipment and software",
    "46.52": "Wholesale of electronic and telecommunications equipment and parts",
    "53": "Postal and courier activities",
    "53.1": "Postal activities under universal service obligation",
    "53.10": "Postal activities under universal service obligation",
    "53.2": "Other postal and courier activities",
    "53.20": "Other postal and courier activities",
    "58": "Publishing activities",
    "58.2": "Software publishing",
    "58.21": "Publishing of computer games",
    "58.29": "Other software publishing",
    "61": "Telecommunications",
    "61.1": "Wired telecommunications activities",
    "61.10": "Wired telecommunications activities",
    "61.2": "Wireless telecommunications activities",
    "61.20": "Wireless telecommunications activities",
    "61.3": "Satellite telecommunications activities",
    "61.30": "Satellite telecommunications activities",
    "61.9": "Other telecommunications activities",
    "61.90": "Other telecommunications activities",
    "62": "Computer programming, consultancy and related activities",
    "62.0": "Computer programming, consultancy and related activities",
    "62.01": "Computer programming activities",
    "62.02": "Computer consultancy activities",
    "62.03": "Computer facilities management activities",
    "62.09": "Other information technology and computer service activities",
    "63": "Information service activities",
    "63.1": "Data processing, hosting and related activities; web portals",
    "63.11": "Data processing, hosting and related activities",
    "63.12": "Web portals",
    "64": "Financial service activities, except insurance and pension funding",
    "64.2": "Activities of holding companies",
    "64.20": "Activities of holding companies",
    "92": "Gambling and betting activities",
    "92.0": "Gambling and betting activities",
    "92.00": "Gambling and betting activities",
    "95": "Repair of computers and personal and household goods",
    "95.1": "Repair of computers and communication equipment",
    "95.11": "Repair of computers and peripheral equipment",
    "95.12": "Repair of communication equipment",
}

# Meanings in the pre-2008 edition (NACE Rev. 1.1 based) where they differ from the current one.
NACE11_CHANGED: dict[str, str] = {
    "64.20": "Telecommunications",
    "64.1": "Post and courier activities",
    "92.12": "Motion picture and video distribution",
}

_CODE = re.compile(r"^\d{2}(\.\d{1,2}(\.\d{1,2})?)?$")


def normalise_code(code: str) -> str:
    """Trim and unify separators: " 62,01 " → "62.01"."""
    return re.sub(r"[,\s]+", ".", code.strip()).strip(".")


def is_code_syntax(code: str) -> bool:
    return bool(_CODE.match(code))


def parents(code: str) -> list[str]:
    """62.01.1 → [62.01, 62.0, 62]; 26.51 → [26.5, 26]."""
    out: list[str] = []
    cur = code
    while True:
        if cur.count(".") == 2:
            cur = cur.rsplit(".", 1)[0]
        elif "." in cur:
            div, rest = cur.split(".")
            cur = f"{div}.{rest[:-1]}" if len(rest) > 1 else div
        else:
            break
        out.append(cur)
    return out


MatchKind = Literal["exact", "parent", "child", "via_erratum"]


@dataclass(frozen=True)
class OkedHit:
    area: str
    printed: str
    name: dict[str, str]
    kind: MatchKind
    via: str | None = None  # the code through which it matched (a parent, or an erratum's reading)
    errata: tuple[str, ...] = ()


@dataclass(frozen=True)
class OkedMatch:
    query: str
    code: str
    valid_syntax: bool
    nace2_name: str | None
    hits: tuple[OkedHit, ...] = ()
    errata: tuple[Erratum, ...] = field(default_factory=tuple)

    @property
    def areas(self) -> list[str]:
        seen: list[str] = []
        for h in self.hits:
            if h.area not in seen:
                seen.append(h.area)
        return seen


def _readings(fw: Framework, oc: OkedCode) -> list[tuple[str, str | None]]:
    """The printed code, plus the reading each erratum suggests for it."""
    out: list[tuple[str, str | None]] = [(oc.code, None)]
    for eid in oc.errata:
        e = next((x for x in fw.errata if x.id == eid), None)
        if e and e.suggestion and is_code_syntax(e.suggestion):
            out.append((e.suggestion, eid))
    return out


def lookup_oked(fw: Framework, query: str) -> OkedMatch:
    """Which areas an OKED code belongs to, with the errata that bear on the answer."""
    code = normalise_code(query)
    valid = is_code_syntax(code)
    hits: list[OkedHit] = []
    if valid:
        chain = [code, *parents(code)]
        for area in fw.areas:
            hits.extend(_area_hits(fw, area, code, chain))
    rank = {"exact": 0, "via_erratum": 1, "parent": 2, "child": 3}
    hits.sort(key=lambda h: (rank[h.kind], -len(h.via or h.printed)))
    errata_ids = {e for h in hits for e in h.errata}
    errata = tuple(e for e in fw.errata if e.id in errata_ids)
    return OkedMatch(query, code, valid, NACE2.get(code), tuple(hits), errata)


def _area_hits(fw: Framework, area: Area, code: str, chain: list[str]) -> list[OkedHit]:
    hits: list[OkedHit] = []
    for oc in area.oked:
        for reading, eid in _readings(fw, oc):
            kind: MatchKind | None = None
            via = None
            if reading == code:
                kind = "exact" if eid is None else "via_erratum"
                via = reading if eid else None
            elif reading in chain:
                kind, via = "parent", reading
            elif code in parents(reading):
                kind, via = "child", reading
            if kind:
                hits.append(OkedHit(area.code, oc.code, dict(oc.name), kind, via, oc.errata))
                break
    return hits
