"""The public register's search: BM25 over the published standards' text (the search engine's own
analysers: stemmed kk/ru/en), with filters by area, NQF level and ISCO group.

The index is built once per register state (the store's token changes on every publication) and
answers a query in time linear in the postings of its terms; queries are cut to the engine's limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualframe.search.inputs import SEARCH_MAX_CHARS, clean_text

if TYPE_CHECKING:
    from qualframe.search.bm25 import BM25

# The analysers (language data, stemmers) and BM25 (numpy) load when the register is first built or searched,
# not when the web app starts.


def _terms(text: str) -> list[str]:
    from qualframe.search.analyze import analyze

    out: list[str] = []
    for lang in ("kk", "ru", "en"):
        out += analyze(text, lang)
    return out


@dataclass
class Register:
    """Published standards (one entry per standard: its latest published version) and their index."""

    entries: list[dict[str, Any]]
    bm25: BM25 | None = None

    @classmethod
    def build(cls, entries: list[dict[str, Any]]) -> Register:
        """`entries`: dicts with text, areas (list), levels (list of int), isco (list) and anything to show."""
        from qualframe.search.bm25 import BM25

        reg = cls(entries)
        reg.bm25 = BM25([_terms(e.get("text", "")) for e in entries]) if entries else None
        return reg

    def search(self, query: str | None = None, *, area: str | None = None, level: int | None = None,
               isco: str | None = None, limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """(total, page of entries) matching the filters, best first for a query, else newest first."""
        keep = [i for i, e in enumerate(self.entries)
                if (area is None or area in e["areas"]) and (level is None or level in e["levels"])
                and (isco is None or any(g.startswith(isco) for g in e["isco"]))]
        if query and query.strip() and self.bm25 is not None:
            from qualframe.search.analyze import analyze
            from qualframe.search.lang import detect

            text, _ = clean_text(query, SEARCH_MAX_CHARS)
            lang = detect(text).lang
            terms = dict.fromkeys(analyze(text, lang, unique=True), 1.0)
            scores = self.bm25.scores(terms.keys(), terms)
            keep = sorted((i for i in keep if scores[i] > 0), key=lambda i: (-float(scores[i]), i))
            hits = [{**self.entries[i], "score": round(float(scores[i]), 4)} for i in keep]
        else:
            hits = [self.entries[i] for i in keep]
        return len(hits), hits[offset:offset + limit]
