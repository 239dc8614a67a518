"""Okapi BM25 over pre-analysed token lists, small and fast enough for a few thousand documents.

The framework has ~200 descriptors, so an inverted index of numpy postings answers a query in tens of
microseconds; no search engine dependency is worth its weight here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np


class BM25:
    """BM25 (k1, b) with the non-negative IDF variant log(1 + (N - df + .5) / (df + .5))."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.n_docs = len(docs)
        self.k1, self.b = k1, b
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avgdl = float(lengths.mean()) if self.n_docs and lengths.sum() else 1.0
        norm = k1 * (1.0 - b + b * lengths / self.avgdl)
        postings: dict[str, list[tuple[int, int]]] = {}
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                postings.setdefault(term, []).append((i, tf))
        self.idf: dict[str, float] = {}
        self._post: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, plist in postings.items():
            df = len(plist)
            self.idf[term] = math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))
            ids = np.fromiter((i for i, _ in plist), dtype=np.int32, count=df)
            tf = np.fromiter((t for _, t in plist), dtype=np.float32, count=df)
            # Precompute the saturated tf weight per posting: score = idf * w.
            self._post[term] = (ids, tf * (k1 + 1.0) / (tf + norm[ids]))

    def __contains__(self, term: str) -> bool:
        return term in self._post

    def scores(self, terms: Iterable[str], weights: dict[str, float] | None = None) -> np.ndarray:
        """BM25 score of every document for the query `terms` (duplicates count once)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term in dict.fromkeys(terms):
            p = self._post.get(term)
            if p is None:
                continue
            w = self.idf[term] * (weights.get(term, 1.0) if weights else 1.0)
            out[p[0]] += w * p[1]
        return out

    def matched(self, terms: Iterable[str], doc: int) -> list[str]:
        """Query terms that occur in document `doc` (for explaining a hit)."""
        hits = []
        for term in dict.fromkeys(terms):
            p = self._post.get(term)
            if p is not None and doc in p[0]:
                hits.append(term)
        return hits
