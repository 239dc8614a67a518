"""Search: quality on bench/data/paraphrases.jsonl and speed (latency, throughput, start-up).

Quality: descriptor top-1 and top-3 (the gold descriptor or one of its `also_ok` duplicates), for
all items, for the odd and even ids separately (the fusion weight was set on the odd ids), per
language, and for each leg alone. Speed: warm median latency of one search for short queries (what
people type: 1-4 words) and for sentence-long queries, each with an empty query-embedding cache, and
with the cache hit; batch throughput through the JSONL path; index build time (shipped vectors, and
a full recompute of the embeddings); model load time in a fresh process.

Set QUALFRAME_BENCH_QUICK=1 to skip the full embedding recompute (~30 s).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import fmt_ms  # noqa: E402
from qualframe.search import engine  # noqa: E402
from qualframe.search.batch import process_lines  # noqa: E402
from qualframe.search.index import build_index, get_index, reset_index  # noqa: E402

SHORT_QUERIES = [
    "тестілеу", "бағдарламалау", "жобаны басқару", "пошта қызметі", "техникалық құжаттама",
    "жабдықты жөндеу", "командада жұмыс", "стратегия", "тестирование", "программирование",
    "управление проектами", "почтовые отправления", "техническая документация", "монтаж оборудования",
    "лидерство", "ответственность", "software testing", "programming language", "project management",
    "postal items", "technical documentation", "equipment assembly", "teamwork", "leadership",
    "bagdarlamalau", "jobany basqaru",
]


def _paraphrases() -> list[dict]:
    path = HERE / "data" / "paraphrases.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def quality(items: list[dict]) -> None:
    idx = get_index()

    def rank(p: dict, leg: str) -> list[str]:
        qs = engine.score_query(p["text"])
        if leg == "lexical":
            s = qs.lex
        elif leg == "semantic":
            s = engine.semantic_scores(qs.cos)
        else:
            s = qs.fused
        order = np.argsort(-s, kind="stable")[:3]
        return [idx.docs[i].descriptor_id for i in order]

    def score(sel: list[dict], leg: str = "hybrid") -> tuple[float, float, int]:
        t1 = t3 = 0
        for p in sel:
            ok = {p["descriptor_id"], *p.get("also_ok", [])}
            got = rank(p, leg)
            t1 += got[0] in ok
            t3 += bool(ok & set(got))
        n = max(len(sel), 1)
        return t1 / n, t3 / n, len(sel)

    def line(label: str, r: tuple[float, float, int]) -> None:
        print(f"  {label:<28} top-1 {r[0]:6.1%}   top-3 {r[1]:6.1%}   (n={r[2]})")

    print("search quality (bench/data/paraphrases.jsonl; target top-3 >= 90%):")
    line("all", score(items))
    line("odd ids (tuning half)", score([p for p in items if int(p["id"][1:]) % 2]))
    line("even ids (check half)", score([p for p in items if not int(p["id"][1:]) % 2]))
    for lang in ("kk", "ru", "en"):
        line(f"lang {lang}", score([p for p in items if p["lang"] == lang]))
    line("lexical leg only (BM25)", score(items, "lexical"))
    line("semantic leg only (e5)", score(items, "semantic"))


def _uncached(fn, texts: list[str]) -> list[float]:
    out = []
    for t in texts:
        engine.embedder.clear()
        t0 = time.perf_counter()
        fn(t)
        out.append(time.perf_counter() - t0)
    return out


def speed(items: list[dict]) -> None:
    print(f"speed (2-core box; load average now {os.getloadavg()[0]:.1f}; target search <= 10 ms):")
    engine.warm()
    for t in SHORT_QUERIES[:3]:
        engine.search(t)
    short = _uncached(lambda t: engine.search(t), SHORT_QUERIES * 2)
    print(f"  search, short query, embedding not cached: {fmt_ms(short)}")
    sentences = [p["text"] for p in items]
    long_ = _uncached(lambda t: engine.search(t), sentences)
    print(f"  search, sentence query (median {statistics.median(len(s) for s in sentences):.0f} chars), "
          f"not cached: {fmt_ms(long_)}")
    cached = []
    for t in SHORT_QUERIES + sentences:
        engine.search(t)
        t0 = time.perf_counter()
        engine.search(t)
        cached.append(time.perf_counter() - t0)
    print(f"  search, repeated query (embedding cached): {fmt_ms(cached)}")

    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False)
             for i, t in enumerate(SHORT_QUERIES + sentences)]
    for label, prime in (("one by one", None), ("embeddings batched 16 at a time", engine.prime)):
        engine.embedder.clear()
        t0 = time.perf_counter()
        n = sum(1 for _ in process_lines(lines, lambda t: engine.search(t, limit=10), prime=prime))
        dt = time.perf_counter() - t0
        print(f"  batch, JSONL path, {n} distinct queries, {label}: {n / dt:.1f} queries/s")


def startup() -> None:
    runs = []
    for _ in range(3):
        reset_index()
        t0 = time.perf_counter()
        idx = build_index()
        runs.append(time.perf_counter() - t0)
    print(f"  index build with shipped vectors ({len(idx.docs)} descriptors x 3 languages, "
          f"vectors {idx.vectors_origin}): {fmt_ms(runs)}")
    code = ("import time; t=time.perf_counter(); from qualframe.search.embed import get_model, model_load_seconds; "
            "get_model(); print(time.perf_counter()-t, model_load_seconds())")
    loads = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        loads.append(float(out[0]))
    print(f"  model load in a fresh process (import + weights; target <= 2 s): {fmt_ms(loads)}")
    if os.environ.get("QUALFRAME_BENCH_QUICK"):
        print("  full embedding recompute: skipped (QUALFRAME_BENCH_QUICK)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        code = ("import time, qualframe.search.embed as e; from pathlib import Path; "
                f"e.SHIPPED_DIR = Path({tmp!r}) / 'none'; "
                "from qualframe.search.index import build_index; t=time.perf_counter(); i=build_index(); "
                "print(time.perf_counter()-t, i.vectors_origin, len(i.docs) * 3)")
        env = {**os.environ, "XDG_CACHE_HOME": tmp}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=env).stdout.split()
    secs, origin, n = float(out[0]), out[1], int(out[2])
    print(f"  index build without shipped vectors ({n} passages {origin}): {secs:.1f} s "
          f"({n / secs:.0f} passages/s)")


def main() -> None:
    items = _paraphrases()
    quality(items)
    speed(items)
    print("start-up:")
    startup()


if __name__ == "__main__":
    main()
