"""The checks of a standard: shown while editing, and the errors among them enforced before review.

Each finding has a stable `code`, the element it is about (id and a readable path), a severity
("error" blocks sending the standard to review, "warning" is a flag for the working group) and an
English msgid with parameters, rendered in kk/ru/en by the caller's gettext.

- structure: every card stands on a framework row and has a mandatory labour function, every function
  has a skill, every skill an ability and a knowledge item; main texts are given in kk and ru;
- OKED codes of the passport belong to the framework's annexes and to the areas of the cards (flagged);
- level distance: an item whose closest framework descriptors all sit two or more levels from its card's
  level is flagged (closest descriptors come from the search engine, one search per distinct text);
- ladder: the cards' NQF levels leave no gap, and no lower card asks for leadership (the level cues of
  the match engine: "lead", "supervise", "head of"...) that a higher sibling card does not.

Cost: linear in the number of elements and the length of their texts (the level cues are bounded
regexes over text of at most `document.MAX_TEXT` characters per language).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qualframe.model import Framework
from qualframe.model.messages import N_
from qualframe.standards.document import MAIN_TEXT, text_of, walk, walk_children
from qualframe.standards.framework import oked_areas

MESSAGES: dict[str, str] = {
    "card.no_row": N_("The card does not stand on a framework row: choose the area and level it builds on."),
    "card.no_function": N_("The card has no mandatory labour function."),
    "function.no_skill": N_("The labour function has no skill."),
    "skill.no_ability": N_("The skill has no ability."),
    "skill.no_knowledge": N_("The skill has no knowledge item."),
    "text.missing": N_("The text is missing in %(lang)s."),
    "passport.no_card": N_("The standard has no profession card."),
    "oked.unknown": N_("OKED code %(code)s is not in the framework's annexes."),
    "oked.other_area": N_("OKED code %(code)s belongs to area %(areas)s, but the cards stand on area %(card_areas)s."),
    "item.level_far": N_("The closest framework descriptors (%(closest)s) sit at level %(level)s, "
                         "%(distance)s levels from the card's level %(card_level)s."),
    "ladder.gap": N_("The cards skip level %(level)s between levels %(low)s and %(high)s."),
    "ladder.inversion": N_("This card (level %(level)s) asks for leadership (%(evidence)s), but card "
                           "%(other)s at the higher level %(other_level)s does not."),
}
LANG_NAMES = {"kk": N_("Kazakh"), "ru": N_("Russian")}
# Level cues of the match engine that mean leading other people.
LEADERSHIP_CUES = frozenset({"lead", "leads a team", "head of section/shift", "crew leader/subordinates",
                             "project manager", "head of department", "chief engineer", "top executive"})
LEVEL_FAR = 2  # levels between an item's closest descriptors and its card that make it a flag
CLOSEST = 3  # how many closest descriptors are compared
ITEM_KINDS = ("function", "skill", "ability", "knowledge")

Closest = Callable[[str, "str | None"], list[dict[str, Any]]]  # (text, area) -> search results, best first


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning
    element: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return MESSAGES[self.code]

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        tr = gettext or (lambda s: s)
        params = {k: tr(LANG_NAMES[v]) if k == "lang" else v for k, v in self.params.items()}
        return tr(self.msgid) % params

    def to_dict(self, gettext_for: Callable[[str], Callable[[str], str]] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "element": self.element,
                               "path": self.path, "params": self.params}
        if gettext_for is not None:
            out["message"] = {lang: self.render(gettext_for(lang)) for lang in ("kk", "ru", "en")}
        else:
            out["message"] = {"en": self.render()}
        return out


def structure(doc: dict[str, Any]) -> list[Finding]:
    """Structural findings (all errors)."""
    out: list[Finding] = []
    if not doc["cards"]:
        out.append(Finding("passport.no_card", "error", "passport", "passport"))
    for el, _, path in walk(doc):
        kind = el["kind"]
        if kind == "card":
            if not el.get("row"):
                out.append(Finding("card.no_row", "error", el["id"], path))
            if not any(f.get("mandatory") for f in el["functions"]):
                out.append(Finding("card.no_function", "error", el["id"], path))
        elif kind == "function" and not el["skills"]:
            out.append(Finding("function.no_skill", "error", el["id"], path))
        elif kind == "skill":
            if not el["abilities"]:
                out.append(Finding("skill.no_ability", "error", el["id"], path))
            if not el["knowledge"]:
                out.append(Finding("skill.no_knowledge", "error", el["id"], path))
        if kind in MAIN_TEXT or kind in ("competence", "ability", "knowledge", "link"):
            main = MAIN_TEXT.get(kind, "text")
            for lang in ("kk", "ru"):
                if not (el.get(main) or {}).get(lang):
                    out.append(Finding("text.missing", "error", el["id"], f"{path}.{main}", {"lang": lang}))
    return out


def oked(doc: dict[str, Any], fw: Framework) -> list[Finding]:
    """OKED codes that are not in the annexes, or not in the areas the cards stand on (warnings)."""
    out: list[Finding] = []
    card_areas = sorted({c["row"]["area"] for c in doc["cards"] if c.get("row")})
    for i, code in enumerate(doc["passport"].get("oked") or []):
        areas, errata = oked_areas(fw, code)
        path = f"passport.oked[{i}]"
        if not areas:
            out.append(Finding("oked.unknown", "warning", "passport", path, {"code": code}))
        elif card_areas and not set(areas) & set(card_areas):
            out.append(Finding("oked.other_area", "warning", "passport", path,
                               {"code": code, "areas": ", ".join(areas), "card_areas": ", ".join(card_areas),
                                **({"errata": errata} if errata else {})}))
    return out


def level_distance(doc: dict[str, Any], closest: Closest) -> list[Finding]:
    """Items whose closest descriptors (in the card's area) all sit LEVEL_FAR or more levels away."""
    out: list[Finding] = []
    for ci, card in enumerate(doc["cards"], 1):
        row = card.get("row")
        if not row:
            continue
        for el, _, path in walk_children(card, f"card {ci}"):
            text = text_of(el)
            if el["kind"] not in ITEM_KINDS or not text:
                continue
            hits = closest(text, row["area"])[:CLOSEST]
            if not hits:
                continue
            near = min(hits, key=lambda h: abs(h["nqf_level"] - row["nqf_level"]))
            distance = abs(near["nqf_level"] - row["nqf_level"])
            if distance >= LEVEL_FAR:
                out.append(Finding("item.level_far", "warning", el["id"], path, {
                    "closest": ", ".join(h["descriptor_id"] for h in hits), "level": near["nqf_level"],
                    "distance": distance, "card_level": row["nqf_level"]}))
    return out


def leadership(card: dict[str, Any]) -> list[str]:
    """The leadership cues in the card's own words (name, purpose, functions, skills, abilities), as
    matched; competences and knowledge are left out (they quote the framework or describe knowing)."""
    texts: list[str] = []
    for lang in ("kk", "ru", "en"):
        texts += [(card.get(f) or {}).get(lang, "") for f in ("name", "purpose")]
    for el, _, _ in walk_children(card, "card"):
        if el["kind"] in ("function", "skill", "ability"):
            texts += [(el.get(MAIN_TEXT.get(el["kind"], "text")) or {}).get(lang, "") for lang in ("kk", "ru", "en")]
    # the match engine's cue tables compile many regexes: loaded on the first check, not at start-up
    from qualframe.match.cues import level_signals

    found: list[str] = []
    for t in texts:
        if not t:
            continue
        for s in level_signals(t):
            if s.name in LEADERSHIP_CUES and s.evidence not in found:
                found.append(s.evidence)
    return found


def ladder(doc: dict[str, Any]) -> list[Finding]:
    """Gaps between the cards' NQF levels, and leadership asked for below a sibling that does not ask it."""
    out: list[Finding] = []
    cards = [(i, c) for i, c in enumerate(doc["cards"], 1) if c.get("row")]
    levels = sorted({c["row"]["nqf_level"] for _, c in cards})
    for low, high in itertools.pairwise(levels):
        for missing in range(low + 1, high):
            top = next(c for _, c in cards if c["row"]["nqf_level"] == high)
            out.append(Finding("ladder.gap", "error", top["id"], f"card {doc['cards'].index(top) + 1}",
                               {"level": missing, "low": low, "high": high}))
    leads = {c["id"]: leadership(c) for _, c in cards}
    for i, c in cards:
        if not leads[c["id"]]:
            continue
        for j, other in cards:
            if other["row"]["nqf_level"] > c["row"]["nqf_level"] and not leads[other["id"]]:
                out.append(Finding("ladder.inversion", "error", c["id"], f"card {i}", {
                    "level": c["row"]["nqf_level"], "evidence": ", ".join(leads[c["id"]][:3]),
                    "other": j, "other_level": other["row"]["nqf_level"]}))
                break
    return out


def run_checks(doc: dict[str, Any], fw: Framework | None = None, closest: Closest | None = None) -> list[Finding]:
    """Every check that can run with what is given (OKED needs the framework, levels the search engine)."""
    out = structure(doc)
    if fw is not None:
        out += oked(doc, fw)
    out += ladder(doc)
    if closest is not None:
        out += level_distance(doc, closest)
    return out


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
