"""Unofficial Russian and English translations, kept apart from the Kazakh source and keyed to it.

Only the Kazakh text is official. Each translation file says so (`"status": "unofficial"`), and each
entry records a hash of the Kazakh text it translates, so a translation whose source changed is
reported as stale instead of being shown as current.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qualframe.dataset import DEFAULT_FRAMEWORK_ID, data_dir, load
from qualframe.model import Framework

LANGUAGES = ("ru", "en")
STATUS = "unofficial"
LABEL = {
    "kk": "ресми емес аударма",
    "ru": "неофициальный перевод",
    "en": "unofficial translation",
}


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def translatable_items(fw: Framework) -> dict[str, str]:
    """Every Kazakh text of the framework that gets a translation, by stable key."""
    items: dict[str, str] = {"framework.title": fw.title["kk"]}
    lg = fw.legal
    items["legal.issuing_body"] = lg.issuing_body["kk"]
    if lg.repealed_by:
        items["legal.repealed_by.issuing_body"] = lg.repealed_by["issuing_body"]
    items["legal.legal_basis"] = lg.legal_basis
    items["legal.entry_into_force"] = lg.entry_into_force
    for s in (*fw.statements, *fw.notes):
        items[s.id] = s.text
    for a in fw.areas:
        items[f"area.{a.code}.title"] = a.title["kk"]
        for o in a.oked:
            items[f"oked.{a.code}.{o.code}"] = o.name["kk"]
    for _, _, d in fw.descriptors():
        items[d.id] = d.text
    return items


@dataclass(frozen=True)
class Translations:
    lang: str
    framework_id: str
    status: str
    note: str
    items: dict[str, str]
    hashes: dict[str, str]

    def get(self, key: str) -> str | None:
        return self.items.get(key)

    def stale(self, fw: Framework) -> list[str]:
        """Keys whose Kazakh source text changed since they were translated (or that are missing)."""
        src = translatable_items(fw)
        return [k for k, v in src.items() if self.hashes.get(k) != source_hash(v)]


def path_for(lang: str, framework_id: str = DEFAULT_FRAMEWORK_ID) -> Path:
    return data_dir() / "translations" / f"{framework_id}.{lang}.json"


@lru_cache(maxsize=8)
def load_translations(lang: str, framework_id: str = DEFAULT_FRAMEWORK_ID) -> Translations:
    if lang not in LANGUAGES:
        raise KeyError(f"no translations into {lang!r}; available: {', '.join(LANGUAGES)}")
    raw = json.loads(path_for(lang, framework_id).read_text(encoding="utf-8"))
    return Translations(
        lang=raw["lang"],
        framework_id=raw["framework_id"],
        status=raw["status"],
        note=raw.get("note", ""),
        items={k: v["text"] for k, v in raw["items"].items()},
        hashes={k: v["kk_sha"] for k, v in raw["items"].items()},
    )


def text(key: str, lang: str, fw: Framework | None = None) -> str | None:
    """The text of `key` in `lang`: the Kazakh original for "kk", else the unofficial translation."""
    if lang == "kk":
        return translatable_items(fw or load()).get(key)
    try:
        return load_translations(lang, (fw or load()).id).get(key)
    except (KeyError, FileNotFoundError):
        return None


def write_translation_file(lang: str, mapping: dict[str, str], fw: Framework | None = None,
                           note: str = "") -> Path:
    """Write a translation file for `lang` from {key: translated text}, hashing each Kazakh source."""
    fw = fw or load()
    src = translatable_items(fw)
    unknown = sorted(set(mapping) - set(src))
    if unknown:
        raise KeyError(f"keys not in the framework: {', '.join(unknown[:10])}")
    payload = {
        "lang": lang,
        "framework_id": fw.id,
        "status": STATUS,
        "note": note or f"Unofficial {lang} translation made by the qualframe project; only the Kazakh "
                        "text of order No. 769 is official.",
        "items": {k: {"text": mapping[k], "kk_sha": source_hash(src[k])} for k in src if k in mapping},
    }
    path = path_for(lang, fw.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
