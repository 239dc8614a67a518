"""What search and match index: every descriptor of the framework, in Kazakh and in translation.

The official text is Kazakh; the unofficial ru/en translations are indexed beside it so a Russian or
English query meets text in its own language. A missing translation falls back to Kazakh and is
labelled (``translations[lang] is None``), never silently replaced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from qualframe.model import Framework

LANGS = ("kk", "ru", "en")


@dataclass(frozen=True, slots=True)
class Doc:
    """One descriptor with the context a result needs (area, level, column, source lines)."""

    idx: int
    descriptor_id: str
    area: str
    row_id: str
    nqf_level: int
    sqf_level: str | None
    column: str
    order: int
    text: dict[str, str | None]  # "kk" always present; "ru"/"en" None when not translated
    line_start: int
    line_end: int

    def in_lang(self, lang: str) -> str:
        """The text in `lang`, falling back to the Kazakh original."""
        return self.text.get(lang) or self.text["kk"] or ""


@dataclass(frozen=True, slots=True)
class AreaInfo:
    """An area's domain text: title and OKED activity names in every language we have."""

    code: str
    title: dict[str, str]
    oked: tuple[tuple[str, dict[str, str]], ...]  # (code, {lang: name})


def _translation(key: str, lang: str, fw: Framework) -> str | None:
    from qualframe import translations

    try:
        return translations.text(key, lang, fw)
    except Exception:  # a missing or broken translation file must not break search
        return None


def build_docs(fw: Framework) -> list[Doc]:
    """All descriptors in framework order; rows without descriptors (3.1 level 1) have none."""
    docs: list[Doc] = []
    for area, row, d in fw.descriptors():
        text: dict[str, str | None] = {"kk": d.text}
        for lang in ("ru", "en"):
            text[lang] = _translation(d.id, lang, fw)
        docs.append(Doc(
            idx=len(docs), descriptor_id=d.id, area=area.code, row_id=row.id, nqf_level=row.nqf_level,
            sqf_level=row.sqf_level, column=d.column, order=d.order, text=text,
            line_start=d.source.line_start, line_end=d.source.line_end,
        ))
    return docs


def build_areas(fw: Framework) -> list[AreaInfo]:
    out = []
    for a in fw.areas:
        title = {"kk": a.title.get("kk", "")}
        for lang in ("ru", "en"):
            title[lang] = _translation(f"area.{a.code}.title", lang, fw) or a.title.get(lang) or ""
        oked = []
        for o in a.oked:
            names = {"kk": o.name.get("kk", "")}
            for lang in ("ru", "en"):
                names[lang] = _translation(f"oked.{a.code}.{o.code}", lang, fw) or o.name.get(lang) or ""
            oked.append((o.code, names))
        out.append(AreaInfo(a.code, title, tuple(oked)))
    return out


def passages(docs: list[Doc]) -> list[str]:
    """The texts embedded for the semantic leg, 3 per descriptor in LANGS order (fallback to kk)."""
    return [d.in_lang(lang) for d in docs for lang in LANGS]


def texts_hash(texts: list[str]) -> str:
    """A stable hash of the embedded texts, so a stale embeddings file is detected."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", "replace"))
        h.update(b"\x00")
    return h.hexdigest()[:24]
