"""Every embedding set shipped with the package: search's descriptor passages plus match's prototypes.

Run ``python -m qualframe.match.shipped`` (``--all`` to recompute everything) after the framework text,
a translation or the match prototypes change; ``tests/test_search_vectors.py`` fails until the shipped
files are current. It lives in `match` because search must not import match (search is below match).
"""

from __future__ import annotations

import sys

from qualframe.search import shipped as search_shipped


def vector_sets() -> dict[str, list[str]]:
    """Every named set of passages whose embeddings ship with the package."""
    import qualframe
    from qualframe.match.prototypes import prototype_passages

    fw = qualframe.load()
    # the name is the one match.engine asks `passage_vectors` for
    return {**search_shipped.vector_sets(), f"{fw.id}.prototypes": prototype_passages(fw)}


def status() -> dict[str, str]:
    return search_shipped.status(vector_sets())


def rebuild(only_stale: bool = True) -> list[str]:
    """Recompute the stale (or all) shipped vector files; returns the names written."""
    return search_shipped.rebuild(vector_sets(), only_stale=only_stale)


if __name__ == "__main__":
    names = rebuild(only_stale="--all" not in sys.argv[1:])
    print("up to date" if not names else "wrote " + ", ".join(names))
