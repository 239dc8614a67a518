"""The search index: BM25 over stemmed kk/ru/en text plus multilingual embeddings of every descriptor.

Built once per process from ``qualframe.load()`` and the unofficial translations. The lexical leg
indexes each descriptor as one document made of its Kazakh, Russian and English terms (each stemmed
by its own analyser), so a query in any of the three languages meets its own words. The semantic leg
holds three passage vectors per descriptor (kk, ru, en), shipped precomputed (see ``embed``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from qualframe.search.analyze import analyze
from qualframe.search.bm25 import BM25
from qualframe.search.corpus import LANGS, AreaInfo, Doc, build_areas, build_docs, passages
from qualframe.search.embed import passage_vectors

DESCRIPTOR_VECTORS = "descriptors"


@dataclass
class SearchIndex:
    """Everything a query needs, immutable after build."""

    framework_id: str
    docs: list[Doc]
    areas: list[AreaInfo]
    bm25: BM25
    doc_terms: list[list[str]]
    vectors: np.ndarray  # (n_docs, 3, DIM) float32, LANGS order
    vectors_origin: str
    build_seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    by_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {d.descriptor_id: d.idx for d in self.docs}
        self.area_codes = tuple(a.code for a in self.areas)
        self.doc_area = np.array([d.area for d in self.docs])
        self.doc_column = np.array([d.column for d in self.docs])


def doc_terms(doc: Doc) -> list[str]:
    """Index terms of one descriptor: Kazakh original plus the available translations."""
    terms: list[str] = []
    for lang in LANGS:
        t = doc.text.get(lang)
        if t:
            terms.extend(analyze(t, lang))
    return terms


def build_index(framework_id: str | None = None) -> SearchIndex:
    """Build the index for the shipped framework (fast when the shipped embeddings are current)."""
    import qualframe

    t0 = time.perf_counter()
    fw = qualframe.load(framework_id) if framework_id else qualframe.load()
    docs = build_docs(fw)
    areas = build_areas(fw)
    t1 = time.perf_counter()
    terms = [doc_terms(d) for d in docs]
    bm25 = BM25(terms)
    t2 = time.perf_counter()
    texts = passages(docs)
    vecs, origin = passage_vectors(f"{fw.id}.{DESCRIPTOR_VECTORS}", texts)
    t3 = time.perf_counter()
    return SearchIndex(
        framework_id=fw.id, docs=docs, areas=areas, bm25=bm25, doc_terms=terms,
        vectors=vecs.reshape(len(docs), len(LANGS), -1), vectors_origin=origin,
        build_seconds=t3 - t0,
        timings={"corpus": t1 - t0, "lexical": t2 - t1, "vectors": t3 - t2},
    )


_index: SearchIndex | None = None
_index_lock = threading.Lock()


def get_index() -> SearchIndex:
    """The process-wide index, built on first use (thread-safe)."""
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = build_index()
    return _index


def reset_index() -> None:
    """Forget the built index (tests and benchmarks measure a fresh build)."""
    global _index
    with _index_lock:
        _index = None
