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


# ------------------------------------------------------------------------------------------------
# The engine runs without a lock around it, one OpenMP thread per call (embed module docstring)

_TEXTS = ["бағдарламалау тілін білу", "приём и обработка почтовых отправлений", "design the architecture",
          "a-" * 40, "中" * 30, "https://example.kz/a/b/c", "Жобаны басқару және тестілеу", "9" * 50]


def test_concurrent_engine_calls_give_the_serial_vectors() -> None:
    """Four threads embedding at once (the engine releases the GIL) get exactly the vectors of serial calls."""
    import threading

    m = embed.get_model()
    serial_q = [np.asarray(m.query(t)) for t in _TEXTS]
    serial_p = [np.asarray(m.passage(t)) for t in _TEXTS]
    start = threading.Barrier(4)
    wrong: list[str] = []

    def worker(k: int) -> None:
        start.wait()
        for r in range(6):
            i = (k + r) % len(_TEXTS)
            if not np.array_equal(m.query(_TEXTS[i]), serial_q[i]):
                wrong.append(f"query {i}")
            if not np.array_equal(m.passage(_TEXTS[i]), serial_p[i]):
                wrong.append(f"passage {i}")
            if m.token_count(_TEXTS[i], True) != m.token_count(_TEXTS[i], True):
                wrong.append(f"tokens {i}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


def test_batches_spread_over_threads_give_one_by_one_vectors() -> None:
    m = embed.get_model()
    spread = embed._encode_spread(m, _TEXTS, True)
    assert spread.shape == (len(_TEXTS), embed.DIM)
    for t, v in zip(_TEXTS, spread, strict=True):
        assert np.allclose(v, m.query(t), atol=1e-6)
    qe = embed.QueryEmbedder(max_tokens=32)
    qe.prime(_TEXTS)
    assert qe.misses == len(_TEXTS)
    for t in _TEXTS:
        assert np.allclose(qe(t), m.query(embed.fit_tokens(t, 32)), atol=1e-6)
    assert qe.hits == len(_TEXTS)


def test_engine_threads_setting(monkeypatch) -> None:
    monkeypatch.delenv("QUALFRAME_EMBED_THREADS", raising=False)
    assert embed.engine_threads() == 1
    for value, want in (("2", 2), ("auto", None), ("0", None), ("x", 1)):
        monkeypatch.setenv("QUALFRAME_EMBED_THREADS", value)
        assert embed.engine_threads() == want


def test_one_engine_thread_gives_the_vectors_of_all_cores() -> None:
    """Search quality does not depend on the thread count: the vectors are the same, bit for bit."""
    import os
    import subprocess
    import sys

    code = ("import json, sys; from qualframe.search import embed; "
            "print(json.dumps([embed.get_model().query(t).tolist() for t in json.loads(sys.argv[1])]))")
    runs = {}
    for threads in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code, json.dumps(_TEXTS)], capture_output=True, text=True,
                             check=True, env={**os.environ, "QUALFRAME_EMBED_THREADS": threads}).stdout
        runs[threads] = np.array(json.loads(out), dtype=np.float32)
    assert np.array_equal(runs["1"], runs["2"])
