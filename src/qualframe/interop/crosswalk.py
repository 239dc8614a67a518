"""Crosswalks from the framework's levels to other level schemes (EQF, e-CF, SFIA), kept as data.

Each crosswalk is a JSON file under `qualframe/data/crosswalks/` with its sources, a stated confidence
and caveats, because none of these correspondences is law: the NQF of Kazakhstan was never officially
referenced to the EQF. A level row reaches other schemes through its NQF level: NQF → EQF (indicative),
then EQF → e-CF (as published in EN 16234-1) and EQF → SFIA (indicative). A chained result is only as
confident as its weakest step, and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from qualframe.dataset import data_dir
from qualframe.model import Framework, LevelRow

CROSSWALK_FORMAT = "qualframe-crosswalk/1"
CONFIDENCE_ORDER = ("low", "medium", "high")
RELATIONS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")

# How an SQF row reaches each target scheme: a chain of crosswalk ids starting from the NQF level.
CHAINS: dict[str, tuple[str, ...]] = {
    "eqf": ("kz-nqf-2012--eqf-2017",),
    "ecf": ("kz-nqf-2012--eqf-2017", "eqf-2017--ecf-en16234"),
    "sfia": ("kz-nqf-2012--eqf-2017", "eqf-2017--sfia"),
}
SCHEME_TITLES = {"eqf": "EQF", "ecf": "e-CF", "sfia": "SFIA"}


class CrosswalkError(ValueError):
    """A crosswalk file that does not follow the format (names the file and the field)."""


@dataclass(frozen=True)
class Level:
    code: str
    label: str


@dataclass(frozen=True)
class Scheme:
    scheme: str
    title: str
    levels: tuple[Level, ...]

    def level(self, code: str) -> Level:
        for lv in self.levels:
            if lv.code == code:
                return lv
        raise KeyError(f"{self.scheme} has no level {code!r}")


@dataclass(frozen=True)
class Mapping:
    source: str
    targets: tuple[str, ...]
    relation: str
    confidence: str
    note: str = ""


@dataclass(frozen=True)
class Crosswalk:
    id: str
    title: str
    source: Scheme
    target: Scheme
    status: str
    confidence: str
    method: str
    caveats: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    mappings: tuple[Mapping, ...]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def targets_of(self, code: str) -> tuple[Mapping, ...]:
        return tuple(m for m in self.mappings if m.source == code)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)


def _scheme(d: Any, where: str) -> Scheme:
    if not isinstance(d, dict) or not isinstance(d.get("levels"), list):
        raise CrosswalkError(f"{where}: expected an object with 'scheme', 'title' and 'levels'")
    return Scheme(str(d["scheme"]), str(d["title"]),
                  tuple(Level(str(x["code"]), str(x["label"])) for x in d["levels"]))


def parse_crosswalk(raw: dict[str, Any], name: str = "<crosswalk>") -> Crosswalk:
    """Check one crosswalk document and turn it into objects; errors name the file and the field."""
    if raw.get("format") != CROSSWALK_FORMAT:
        raise CrosswalkError(f"{name}: 'format' must be {CROSSWALK_FORMAT!r}")
    try:
        src = _scheme(raw["from"], f"{name}: from")
        dst = _scheme(raw["to"], f"{name}: to")
        maps = []
        for i, m in enumerate(raw["mappings"]):
            where = f"{name}: mappings[{i}]"
            if m["relation"] not in RELATIONS:
                raise CrosswalkError(f"{where}: relation {m['relation']!r} is not one of {', '.join(RELATIONS)}")
            if m["confidence"] not in CONFIDENCE_ORDER:
                raise CrosswalkError(f"{where}: confidence must be one of {', '.join(CONFIDENCE_ORDER)}")
            for scheme, code in [(src, m["from"]), *((dst, t) for t in m["to"])]:
                if str(code) not in {lv.code for lv in scheme.levels}:
                    raise CrosswalkError(f"{where}: unknown level {str(code)!r} of {scheme.scheme}")
            maps.append(Mapping(str(m["from"]), tuple(str(t) for t in m["to"]), m["relation"],
                                m["confidence"], m.get("note", "")))
        if raw["confidence"] not in CONFIDENCE_ORDER:
            raise CrosswalkError(f"{name}: confidence must be one of {', '.join(CONFIDENCE_ORDER)}")
        if not raw.get("sources") or not raw.get("caveats"):
            raise CrosswalkError(f"{name}: a crosswalk must cite its sources and state its caveats")
        return Crosswalk(
            id=raw["id"], title=raw["title"], source=src, target=dst, status=raw["status"],
            confidence=raw["confidence"], method=raw["method"], caveats=tuple(raw["caveats"]),
            sources=tuple(raw["sources"]), mappings=tuple(maps), raw=raw,
        )
    except KeyError as exc:
        raise CrosswalkError(f"{name}: missing field {exc.args[0]!r}") from None


@lru_cache(maxsize=1)
def load_crosswalks() -> dict[str, Crosswalk]:
    """Every shipped crosswalk by id (read once per process)."""
    out: dict[str, Crosswalk] = {}
    for path in sorted((data_dir() / "crosswalks").glob("*.json")):
        cw = parse_crosswalk(json.loads(path.read_text(encoding="utf-8")), path.name)
        out[cw.id] = cw
    return out


@dataclass(frozen=True)
class Hit:
    """One target level reached from an NQF level, with how and how surely."""

    scheme: str
    code: str
    label: str
    relation: str
    confidence: str
    via: tuple[str, ...]  # crosswalk ids of the chain
    path: tuple[str, ...]  # e.g. ("NQF 6", "EQF 6", "e-3")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme, "code": self.code, "label": self.label, "relation": self.relation,
            "confidence": self.confidence, "via": list(self.via), "path": list(self.path),
        }


_RELATION_RANK = {"exactMatch": 0, "closeMatch": 1, "broadMatch": 2, "narrowMatch": 2, "relatedMatch": 3}


def _weaker_relation(a: str, b: str) -> str:
    """The relation of a chain: exact∘close = close; anything with related is related; broad∘narrow = related."""
    if {a, b} == {"broadMatch", "narrowMatch"}:
        return "relatedMatch"
    return a if _RELATION_RANK[a] >= _RELATION_RANK[b] else b


def _weaker_confidence(a: str, b: str) -> str:
    return a if CONFIDENCE_ORDER.index(a) <= CONFIDENCE_ORDER.index(b) else b


def for_nqf_level(nqf_level: int, scheme: str) -> tuple[Hit, ...]:
    """Target levels in `scheme` ("eqf", "ecf", "sfia") for an NQF level, following CHAINS."""
    if scheme not in CHAINS:
        raise KeyError(f"no crosswalk to {scheme!r}; known: {', '.join(CHAINS)}")
    cws = load_crosswalks()
    frontier: list[tuple[str, str, str, tuple[str, ...]]] = [
        (str(nqf_level), "exactMatch", "high", (f"NQF {nqf_level}",))
    ]
    chain = CHAINS[scheme]
    for cw_id in chain:
        cw = cws[cw_id]
        nxt = []
        for code, rel, conf, path in frontier:
            for m in cw.targets_of(code):
                for t in m.targets:
                    short = f"{SCHEME_TITLES.get(cw.target.scheme, cw.target.scheme)} {t}"
                    nxt.append((t, _weaker_relation(rel, m.relation), _weaker_confidence(conf, m.confidence),
                                (*path, short)))
        frontier = nxt
    target = cws[chain[-1]].target
    return tuple(Hit(scheme, code, target.level(code).label, rel, conf, chain, path)
                 for code, rel, conf, path in frontier)


def for_row(row: LevelRow) -> dict[str, tuple[Hit, ...]]:
    """Every scheme's levels for one level row (through its NQF level; sub-levels share it)."""
    return {s: for_nqf_level(row.nqf_level, s) for s in CHAINS}


def crosswalk_table(fw: Framework, area: str | None = None, level: str | None = None) -> dict[str, Any]:
    """The JSON the CLI, the web API and level pages show: rows with their EQF/e-CF/SFIA levels."""
    rows = []
    for a, r in fw.rows():
        if area and a.code != area:
            continue
        if level and level not in (r.sqf_level, r.id, str(r.nqf_level)):
            continue
        rows.append({
            "area": a.code, "row_id": r.id, "nqf_level": r.nqf_level, "sqf_level": r.sqf_level,
            "level_source": r.level_source,
            "crosswalks": {s: [h.to_dict() for h in hits] for s, hits in for_row(r).items()},
        })
    cws = load_crosswalks()
    return {
        "framework": fw.id,
        "notice": "Indicative crosswalks, not law: the NQF of Kazakhstan has not been officially "
                  "referenced to the EQF. Each crosswalk states its sources, confidence and caveats.",
        "rows": rows,
        "crosswalks": [
            {k: cw.raw[k] for k in ("id", "title", "status", "confidence", "method", "caveats", "sources")}
            for cw in sorted(cws.values(), key=lambda c: (c.source.scheme != "kz-nqf", c.id))
        ],
    }


def in_eqf_terms(row: LevelRow, lang: str = "en") -> str:
    """One sentence for a level page: "In EQF terms …", with its confidence; English only for now."""
    eqf = for_nqf_level(row.nqf_level, "eqf")
    ecf = for_nqf_level(row.nqf_level, "ecf")
    sfia = for_nqf_level(row.nqf_level, "sfia")
    parts = [f"In EQF terms this is close to EQF level {', '.join(h.code for h in eqf) or '—'} "
             f"(indicative; the NQF of Kazakhstan is not officially referenced to the EQF)"]
    if ecf:
        parts.append(f"e-CF {', '.join(h.label for h in ecf)}")
    if sfia:
        parts.append(f"SFIA {', '.join(h.label.removeprefix('SFIA ') for h in sfia)} (low confidence)")
    return "; ".join(parts) + "."


# --- level pages ----------------------------------------------------------------------------------

_UI = {
    "title": {"kk": "Басқа шеңберлермен салыстыру (ресми емес)",
              "ru": "Сопоставление с другими рамками (неофициально)",
              "en": "Crosswalks to other frameworks (indicative)"},
    "lead": {"kk": "EQF тұрғысынан: {eqf}. Бұл ресми сәйкестік емес: Қазақстанның ҰБШ-сы EQF-пен ресми түрде "
                   "салыстырылмаған.",
             "ru": "В терминах EQF: {eqf}. Это не официальное соответствие: НРК Казахстана официально не "
                   "соотнесена с EQF.",
             "en": "In EQF terms: {eqf}. This is not an official correspondence: the NQF of Kazakhstan has not "
                   "been officially referenced to the EQF."},
    "none": {"kk": "сәйкес деңгей жоқ", "ru": "соответствующего уровня нет", "en": "no corresponding level"},
    "scheme": {"kk": "Шеңбер", "ru": "Рамка", "en": "Framework"},
    "level": {"kk": "Деңгей", "ru": "Уровень", "en": "Level"},
    "relation": {"kk": "Сәйкестік", "ru": "Соответствие", "en": "Relation"},
    "confidence": {"kk": "Сенімділік", "ru": "Достоверность", "en": "Confidence"},
    "via": {"kk": "Жол", "ru": "Путь", "en": "Path"},
    "caveats": {"kk": "Ескертулер мен дереккөздер (ағылшынша)", "ru": "Оговорки и источники (на английском)",
                "en": "Caveats and sources"},
}
_RELATION_WORDS = {
    "exactMatch": {"kk": "дәл", "ru": "точное", "en": "exact"},
    "closeMatch": {"kk": "жақын", "ru": "близкое", "en": "close"},
    "broadMatch": {"kk": "кеңірек", "ru": "более широкое", "en": "broader"},
    "narrowMatch": {"kk": "тарырақ", "ru": "более узкое", "en": "narrower"},
    "relatedMatch": {"kk": "байланысты", "ru": "связанное", "en": "related"},
}
_CONFIDENCE_WORDS = {"low": {"kk": "төмен", "ru": "низкая", "en": "low"},
                     "medium": {"kk": "орташа", "ru": "средняя", "en": "medium"},
                     "high": {"kk": "жоғары", "ru": "высокая", "en": "high"}}


def level_view(row: LevelRow, lang: str = "en", framework_id: str | None = None) -> dict[str, Any] | None:
    """What a level page shows under "In EQF terms…"; None for rows without an NQF level (CASE imports)."""
    if row.nqf_level < 1:
        return None
    lang = lang if lang in ("kk", "ru", "en") else "en"
    hits = for_row(row)
    eqf = ", ".join(h.label for h in hits["eqf"]) or _UI["none"][lang]
    cws = load_crosswalks()
    used = sorted({c for hs in hits.values() for h in hs for c in h.via} | {CHAINS["eqf"][0]},
                  key=lambda c: (cws[c].source.scheme != "kz-nqf", c))
    return {
        "title": _UI["title"][lang],
        "lead": _UI["lead"][lang].format(eqf=eqf),
        "labels": {k: _UI[k][lang] for k in ("scheme", "level", "relation", "confidence", "via", "caveats")},
        "rows": [
            {"scheme": SCHEME_TITLES[s], "level": h.label, "relation": _RELATION_WORDS[h.relation][lang],
             "confidence": _CONFIDENCE_WORDS[h.confidence][lang], "path": " → ".join(h.path)}
            for s, hs in hits.items() for h in hs
        ] or [],
        "none": _UI["none"][lang],
        "crosswalks": [{"title": cws[c].title, "confidence": cws[c].confidence, "caveats": list(cws[c].caveats),
                        "sources": [dict(x) for x in cws[c].sources]} for c in used],
        "api_url": (f"/api/v1/frameworks/{framework_id}/crosswalks?level={row.id}" if framework_id else None),
    }
