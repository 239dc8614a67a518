"""Hybrid descriptor search: BM25 over stemmed kk/ru/en text fused with multilingual embeddings.

Why hybrid: exact framework words ("тестілеу", "GOST", "postal") are found best by BM25 over stems,
while paraphrases and queries in another wording than the framework's are found by the embeddings.
The fused score is ``cos + w * lex`` where ``cos`` is the mean of the two best cosine
similarities between the query and the descriptor's kk/ru/en passages (robust to one weak
translation) and ``lex`` is the BM25 score divided by the best
score any document could reach for these query terms (so it lies in [0, 1] and does not depend on
how many documents matched). ``w`` is ``LEX_WEIGHT`` when the encoder saw the whole query and grows by
``LEX_UNSEEN_WEIGHT`` times the share it did not see (a query over the token budget is cut for the
encoder, while BM25 reads all of it). Both legs are computed for all ~200 descriptors; at this size a dense
scan costs microseconds and avoids top-k truncation artefacts.

Input policy: see :mod:`qualframe.search.inputs` (empty -> ValueError, > 500 characters -> cut,
``"truncated": true``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualframe.search.analyze import STOPWORDS, analyze
from qualframe.search.embed import CHARS_PER_TOKEN_MAX, QueryEmbedder, get_model, model_load_seconds
from qualframe.search.index import SearchIndex, get_index
from qualframe.search.inputs import SEARCH_MAX_CHARS, check_choice, check_limit, clean_text
from qualframe.search.kazakh import latin_to_cyrillic
from qualframe.search.lang import detect

__all__ = ["COLUMNS", "LANG_CHOICES", "SEARCH_MAX_CHARS", "QueryScores", "score_query", "search",
           "semantic_scores", "warm"]

LANG_CHOICES = ("auto", "kk", "ru", "en")
COLUMNS = ("competences", "skills", "knowledge")
MAX_LIMIT = 200
LEX_WEIGHT = 0.1  # tuned on the odd half of bench/data/paraphrases.jsonl, checked on the even half
ALT_LANG_WEIGHT = 0.5  # weight of terms from the runner-up analyser when detection is unsure
# Each token costs the encoder ~1.2-1.5 ms of CPU on one thread (on top of ~12 ms per call), so the budget
# bounds a search's CPU. Over the budget a query first loses its stopwords (`meaning_words`), and the
# lexical leg, which reads the whole query, weighs more for the share the encoder did not see. Paraphrase
# set, top-1 / top-3: 22 tokens 97.3 % / 100 % (fixed weight 0.1: 91.9 % / 98.6 %); 28 tokens 100 % /
# 100 % (fixed: 98.6 % / 100 %). LEX_UNSEEN_WEIGHT is the smallest of 0.2-0.5 best on the odd half.
LEX_UNSEEN_WEIGHT = 0.3
SEMANTIC_MAX_TOKENS = 22
_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())
_EDGE_PUNCT = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum()) + "«»“”„‘’…–—•·"


def meaning_words(text: str, max_tokens: int) -> str:
    """`text` without its kk/ru/en stopwords (and bare punctuation) when it is over the embedding budget,
    so the budget goes to the words that carry meaning instead of the first ones; unchanged when it
    fits or when nothing would be left. Linear: one token count of at most ``max_tokens *
    CHARS_PER_TOKEN_MAX`` characters, one split and a set lookup per word."""
    if len(text) <= max_tokens * CHARS_PER_TOKEN_MAX and get_model().token_count(text, True) <= max_tokens:
        return text
    kept = [w for w in text.split() if w.lower().strip(_EDGE_PUNCT) not in _ALL_STOPWORDS
            and w.strip(_EDGE_PUNCT)]
    return " ".join(kept) if kept else text


embedder = QueryEmbedder(max_tokens=SEMANTIC_MAX_TOKENS, shorten=meaning_words)


@dataclass(frozen=True)
class QueryScores:
    """Per-descriptor scores of one query (arrays aligned with ``index.docs``)."""

    lang: str
    script: str
    terms: dict[str, float]
    lex: np.ndarray  # BM25 / best reachable, in [0, 1]
    cos: np.ndarray  # (n_docs, 3) cosine to kk/ru/en passages
    fused: np.ndarray


def query_terms(text: str, lang: str, auto: bool) -> tuple[dict[str, float], str, str]:
    """Weighted index terms for `text`, and the language and script used."""
    guess = detect(text)
    use = guess.lang if auto else lang
    terms: dict[str, float] = dict.fromkeys(analyze(text, use, unique=True), 1.0)
    if auto and guess.confidence < 0.5:
        # Unsure detection (short or mixed text): also try the other analysers at half weight, so a
        # Kazakh query without Kazakh letters still meets Kazakh stems.
        for other in ("kk", "ru", "en"):
            if other != use:
                for t in analyze(text, other, unique=True):
                    terms.setdefault(t, ALT_LANG_WEIGHT)
    return terms, use, guess.script


def semantic_text(text: str, lang: str, script: str) -> str:
    """What the embedder sees: Latin-script Kazakh is transliterated so it meets Cyrillic passages."""
    if lang == "kk" and script in ("latn", "mixed"):
        return latin_to_cyrillic(text)
    return text


def semantic_scores(cos: np.ndarray) -> np.ndarray:
    """Per-descriptor similarity from its (n, 3) kk/ru/en cosines: the mean of the best two."""
    return np.sort(cos, axis=1)[:, 1:].mean(axis=1)


def lexical_scores(idx: SearchIndex, terms: dict[str, float]) -> np.ndarray:
    """BM25 divided by the best score reachable for these terms (every known term at saturated tf),
    so it lies in [0, 1]; a query word the framework never uses does not dilute the rest."""
    raw = idx.bm25.scores(terms.keys(), terms)
    best = sum(idx.bm25.idf[t] * w for t, w in terms.items() if t in idx.bm25) * (idx.bm25.k1 + 1.0)
    return raw / best if best > 0 else raw


def score_query(text: str, lang: str = "auto", idx: SearchIndex | None = None,
                max_tokens: int | None = None) -> QueryScores:
    """Score every descriptor for an already validated query (used by search, match and bench)."""
    idx = idx or get_index()
    terms, use, script = query_terms(text, lang, lang == "auto")
    lex = lexical_scores(idx, terms)
    qv, coverage = embedder.embed(semantic_text(text, use, script), max_tokens)
    cos = idx.vectors @ qv
    fused = semantic_scores(cos) + (LEX_WEIGHT + LEX_UNSEEN_WEIGHT * (1.0 - coverage)) * lex
    return QueryScores(use, script, terms, lex, cos, fused)


def prime(queries: list[str], lang: str = "auto") -> None:
    """Embed a batch of queries in one engine call (JSONL batch mode); invalid ones are skipped."""
    inputs = []
    for q in queries:
        try:
            text, _ = clean_text(q, SEARCH_MAX_CHARS)
        except ValueError:
            continue
        guess = detect(text)
        inputs.append(semantic_text(text, guess.lang if lang == "auto" else lang, guess.script))
    embedder.prime(inputs)


def _result(idx: SearchIndex, i: int, score: float) -> dict[str, Any]:
    d = idx.docs[i]
    return {
        "area": d.area,
        "nqf_level": d.nqf_level,
        "sqf_level": d.sqf_level,
        "row_id": d.row_id,
        "descriptor_id": d.descriptor_id,
        "column": d.column,
        "text": d.text["kk"],
        "translations": {"ru": d.text.get("ru"), "en": d.text.get("en")},
        "score": round(float(score), 4),
        "source": {"line_start": d.line_start, "line_end": d.line_end},
    }


def search(query: str, *, lang: str = "auto", area: str | None = None, column: str | None = None,
           limit: int = 10) -> dict[str, Any]:
    """Rank framework descriptors for `query` (kk, ru, en, or Latin-script Kazakh).

    Returns {"query", "lang", "truncated", "results": [...]}, best first; each result carries the
    Kazakh text, the unofficial ru/en translations (None where missing), the level row and the
    source lines. Raises ValueError for an empty query or an invalid option.
    """
    text, truncated = clean_text(query, SEARCH_MAX_CHARS)
    lang = check_choice(lang, LANG_CHOICES, "language") or "auto"
    column = check_choice(column, COLUMNS, "column")
    limit = check_limit(limit, MAX_LIMIT)
    idx = get_index()
    area = check_choice(area, idx.area_codes, "area")

    qs = score_query(text, lang, idx)
    scores = qs.fused.copy()
    if area is not None:
        scores[idx.doc_area != area] = -np.inf
    if column is not None:
        scores[idx.doc_column != column] = -np.inf
    n_ok = int(np.isfinite(scores).sum())
    k = min(limit, n_ok)
    top = np.argpartition(-scores, k - 1)[:k] if 0 < k < len(scores) else np.arange(len(scores))
    top = sorted((int(i) for i in top if np.isfinite(scores[i])), key=lambda i: (-scores[i], i))[:k]
    return {
        "query": text,
        "lang": qs.lang,
        "truncated": truncated,
        "results": [_result(idx, i, scores[i]) for i in top],
    }


def warm() -> dict[str, Any]:
    """Load the model and build the index now (server start-up) instead of on the first query.

    Returns how long each step took when it first ran in this process, and where the vectors came from.
    """
    t0 = time.perf_counter()
    get_model()
    idx = get_index()
    t2 = time.perf_counter()
    embedder("warm up")  # the first call allocates the engine's buffers
    t3 = time.perf_counter()
    return {
        "model_load_s": round(model_load_seconds() or 0.0, 4),
        "index_build_s": round(idx.build_seconds, 4),
        "first_query_s": round(t3 - t2, 4),
        "total_s": round(t3 - t0, 4),
        "vectors": idx.vectors_origin,
    }
