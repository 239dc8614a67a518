"""The precomputed embeddings shipped in the package are current and equal to fresh ones.

If this fails after a change to the framework text, a translation or the match prototypes, run
`python -m qualframe.match.shipped` and commit src/qualframe/search/_data/.
"""

from __future__ import annotations

import json

import numpy as np

from qualframe.match import shipped
from qualframe.search import embed


def test_shipped_vectors_are_current() -> None:
    assert shipped.status() == dict.fromkeys(shipped.vector_sets(), "ok"), \
        "stale embeddings: run `python -m qualframe.match.shipped`"


def test_manifest_names_model_and_texts() -> None:
    for name, texts in shipped.vector_sets().items():
        man = json.loads((embed.SHIPPED_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert man["model"] == embed.model_id()
        assert man["count"] == len(texts)
        arr = np.load(embed.SHIPPED_DIR / f"{name}.npy")
        assert arr.dtype == np.float16 and arr.shape == (len(texts), embed.DIM)


def test_shipped_vectors_equal_recomputed_ones() -> None:
    for name, texts in shipped.vector_sets().items():
        arr = np.load(embed.SHIPPED_DIR / f"{name}.npy").astype(np.float32)
        picks = [0, len(texts) // 2, len(texts) - 1]
        fresh = embed.embed_passages([texts[i] for i in picks])
        cos = (arr[picks] * fresh).sum(axis=1) / np.linalg.norm(arr[picks], axis=1)
        assert (cos > 0.999).all(), (name, cos)


def test_stale_vectors_are_not_used(tmp_path, monkeypatch) -> None:
    """A manifest whose text hash differs is ignored and the vectors are recomputed and cached."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    texts = ["бағдарламалау", "programming"]
    embed.write_vectors(tmp_path / "ship", "t", ["other", "texts"], np.zeros((2, embed.DIM), np.float32))
    monkeypatch.setattr(embed, "SHIPPED_DIR", tmp_path / "ship")
    vecs, origin = embed.passage_vectors("t", texts)
    assert origin == "computed" and abs(float(np.linalg.norm(vecs[0])) - 1) < 0.01
    vecs2, origin2 = embed.passage_vectors("t", texts)
    assert origin2 == "cache" and np.allclose(vecs, vecs2)
