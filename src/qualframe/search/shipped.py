"""The precomputed embeddings shipped in ``qualframe/search/_data``: search's own sets, check and rebuild.

`status` and `rebuild` take any named sets of passages; the match engine adds its prototypes with
``qualframe.match.shipped``, which is the command to run (``python -m qualframe.match.shipped``) after
the framework text, a translation or the match prototypes change.
"""

from __future__ import annotations

import sys
import time

from qualframe.search.embed import SHIPPED_DIR, embed_passages, shipped_status, write_vectors


def vector_sets() -> dict[str, list[str]]:
    """The search index's named sets of passages whose embeddings ship with the package."""
    import qualframe
    from qualframe.search.corpus import build_docs, passages
    from qualframe.search.index import DESCRIPTOR_VECTORS

    fw = qualframe.load()
    return {f"{fw.id}.{DESCRIPTOR_VECTORS}": passages(build_docs(fw))}


def status(sets: dict[str, list[str]] | None = None) -> dict[str, str]:
    """name → "ok" or why the shipped file is stale, for `sets` (default: search's own)."""
    sets = vector_sets() if sets is None else sets
    return {name: shipped_status(name, texts) for name, texts in sets.items()}


def rebuild(sets: dict[str, list[str]] | None = None, only_stale: bool = True) -> list[str]:
    """Recompute the stale (or all) shipped vector files of `sets`; returns the names written."""
    sets = vector_sets() if sets is None else sets
    written = []
    for name, texts in sets.items():
        if only_stale and shipped_status(name, texts) == "ok":
            continue
        t0 = time.perf_counter()
        vecs = embed_passages(texts)
        write_vectors(SHIPPED_DIR, name, texts, vecs)
        print(f"{name}: {len(texts)} passages in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        written.append(name)
    return written
