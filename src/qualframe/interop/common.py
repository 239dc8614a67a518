"""Helpers shared by the exports: unofficial translations with an honest status, and the edition date.

Every export keeps the Kazakh text as the official one. A translation is returned with its status:
"unofficial" (current), "stale" (the Kazakh text changed since it was translated) or "missing" (no
translation; callers that must show something show the Kazakh text and say so).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from qualframe.model import Framework

TRANSLATION_LANGS = ("ru", "en")
UNOFFICIAL_NOTE = {
    "en": "unofficial English translation (qualframe); only the Kazakh text is official",
    "ru": "unofficial Russian translation (qualframe); only the Kazakh text is official",
}

# Date of this edition of the machine-readable data (CASE lastChangeDateTime, HTTP Last-Modified).
# Fixed rather than "now" so that exports are byte-identical across rebuilds; bump it when the
# dataset, the translations or the CASE mapping change in a way consumers should notice.
EDITION_DATETIME = "2026-11-26T00:00:00Z"
EDITION_DATE = EDITION_DATETIME[:10]
# Hash of the CASE package of this edition (with the date blanked); a test fails when the content
# changes without a new EDITION_DATETIME, so consumers' caches and sync jobs see the change.
EDITION_CONTENT_SHA = "a92ade0617987445"

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
