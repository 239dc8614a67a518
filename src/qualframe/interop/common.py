"""Helpers shared by the exports: unofficial translations with an honest status, and the edition date.

Every export keeps the Kazakh text as the official one. A translation is returned with its status:
"unofficial" (current), "stale" (the Kazakh text changed since it was translated) or "missing" (no
translation; callers that must show something show the Kazakh text and say so).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qualframe.model import Framework

TRANSLATION_LANGS = ("ru", "en")
UNOFFICIAL_NOTE = {
    "en": "unofficial English translation (qualframe); only the Kazakh text is official",
    "ru": "unofficial Russian translation (qualframe); only the Kazakh text is official",
}

# Date of this edition of the machine-readable data (CASE lastChangeDateTime, HTTP Last-Modified).
# Fixed rather than "now" so that exports are byte-identical across rebuilds; bump it when the
# dataset, the translations or the CASE mapping change in a way consumers should notice.
EDITION_DATETIME = "2026-11-30T00:00:00Z"
EDITION_DATE = EDITION_DATETIME[:10]
# Hash of the CASE package of this edition (with the date blanked); a test fails when the content
# changes without a new EDITION_DATETIME, so consumers' caches and sync jobs see the change.
EDITION_CONTENT_SHA = "b9a875bbc729ef89"

DEFAULT_BASE_URL = "http://localhost:8000"


def base_url(explicit: str | None = None) -> str:
    """The public base URL for URIs in exports: explicit, else $QUALFRAME_BASE_URL, else localhost."""
    url = explicit or os.environ.get("QUALFRAME_BASE_URL") or DEFAULT_BASE_URL
    return url.rstrip("/")


@dataclass(frozen=True)
class Rendering:
    """A text in one language: `status` is "official" (Kazakh), "unofficial", "stale" or "missing"."""

    lang: str
    text: str | None
    status: str


class Translator:
    """Unofficial translations of one framework, loaded once per export (with their stale keys)."""

    def __init__(self, fw: Framework, langs: tuple[str, ...] = TRANSLATION_LANGS) -> None:
        from qualframe import translations as tr

        self.langs = langs
        self._items: dict[str, dict[str, str]] = {}
        self._stale: dict[str, frozenset[str]] = {}
        for lang in langs:
            try:
                t = tr.load_translations(lang, fw.id)
            except (KeyError, FileNotFoundError, ValueError):
                continue
            self._items[lang] = t.items
            self._stale[lang] = frozenset(t.stale(fw))

    def get(self, key: str, lang: str) -> Rendering:
        """The translation of `key` into `lang` with its status; never raises."""
        text = self._items.get(lang, {}).get(key)
        if text is None:
            return Rendering(lang, None, "missing")
        return Rendering(lang, text, "stale" if key in self._stale.get(lang, ()) else "unofficial")

    def all(self, key: str) -> dict[str, Rendering]:
        return {lang: self.get(key, lang) for lang in self.langs}


# --- language of a framework -----------------------------------------------------------------------

_LANG_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")


def source_lang(fw: Framework) -> str:
    """The language of the framework's own (official) text: "kk" for the order, an import's CFDocument
    language otherwise ("und" when it is missing or not a language tag)."""
    lang = fw.legal.source_language or "kk"
    return lang if _LANG_RE.fullmatch(lang) else "und"


def primary(texts: Mapping[str, str], lang: str = "kk", default: str = "") -> str:
    """The text in the framework's own language; an import keys its texts by its language, not "kk"."""
    return texts.get(lang) or texts.get("kk") or next(iter(texts.values()), default)


# --- text that is safe in spreadsheets and XML ------------------------------------------------------

# C0 except tab/LF/CR, DEL and C1, lone surrogates, noncharacters: not allowed in XML 1.0 (so not in
# XLSX), not storable as UTF-8 (surrogates), meaningless in a descriptor. The importer and the exports
# use the same test. Two patterns because one class with the astral noncharacters scans ten times
# slower; the astral one only runs on strings that have astral characters at all.
_BMP_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL_NONCHAR_RE = re.compile("[" + "".join(f"\\U{p:04x}fffe\\U{p:04x}ffff" for p in range(1, 17)) + "]")


def _astral(text: str) -> bool:
    return not text.isascii() and max(text) >= "\U0001fffe"


def control_chars(text: str) -> list[str]:
    """The characters of `text` that `strip_controls` removes, in order."""
    out = _BMP_CONTROL_RE.findall(text)
    return out + _ASTRAL_NONCHAR_RE.findall(text) if _astral(text) else out


def has_controls(text: str) -> bool:
    """Whether `text` has a character that `strip_controls` removes."""
    return bool(_BMP_CONTROL_RE.search(text) or (_astral(text) and _ASTRAL_NONCHAR_RE.search(text)))


def strip_controls(text: str) -> str:
    """`text` without C0 controls other than tab/LF/CR, DEL, C1 controls, lone surrogates and noncharacters."""
    text = _BMP_CONTROL_RE.sub("", text)
    return _ASTRAL_NONCHAR_RE.sub("", text) if _astral(text) else text


# A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A value as CSV and XLSX exports write it: control characters removed, and a string that a
    spreadsheet would run as a formula prefixed with a single quote (OWASP CSV injection rule).
    Non-strings are returned unchanged."""
    if not isinstance(value, str):
        return value
    value = strip_controls(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
