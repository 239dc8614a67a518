"""Rebuild or check the precomputed embeddings shipped in ``qualframe/search/_data``.

Run ``python -m qualframe.search.shipped`` after the framework text, a translation or the match
prototypes change; ``tests/test_search_vectors.py`` fails until the shipped files are current.
"""

from __future__ import annotations

import sys
import time

from qualframe.search.embed import SHIPPED_DIR, embed_passages, shipped_status, write_vectors


def vector_sets() -> dict[str, list[str]]:
    """Every named set of passages whose embeddings ship with the package."""
    import qualframe
    from qualframe.match.prototypes import prototype_passages
    from qualframe.search.corpus import build_docs, passages
    from qualframe.search.index import DESCRIPTOR_VECTORS

    fw = qualframe.load()
    return {
        f"{fw.id}.{DESCRIPTOR_VECTORS}": passages(build_docs(fw)),
        f"{fw.id}.prototypes": prototype_passages(fw),
    }


def status() -> dict[str, str]:
    return {name: shipped_status(name, texts) for name, texts in vector_sets().items()}


def rebuild(only_stale: bool = True) -> list[str]:
    """Recompute the stale (or all) shipped vector files; returns the names written."""
    written = []
    for name, texts in vector_sets().items():
        if only_stale and shipped_status(name, texts) == "ok":
            continue
        t0 = time.perf_counter()
        vecs = embed_passages(texts)
        write_vectors(SHIPPED_DIR, name, texts, vecs)
        print(f"{name}: {len(texts)} passages in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        written.append(name)
    return written


if __name__ == "__main__":
    force = "--all" in sys.argv[1:]
    names = rebuild(only_stale=not force)
    print("up to date" if not names else "wrote " + ", ".join(names))
